/**
 * The one builder of the systemd units a host plan installs (SPIRE server and agent, the proxy, the
 * redirect rules, the readiness reporter). Each unit is checked by `systemd-analyze verify` in
 * `test/host/validators.test.ts`.
 */

/** What a unit says, section by section (absent lines are left out). */
export interface UnitSpec {
  /** `Description=`. */
  readonly description: string;
  /** `After=` units, in order. */
  readonly after?: readonly string[];
  /** `Wants=` units. */
  readonly wants?: readonly string[];
  /** `Requires=` units. */
  readonly requires?: readonly string[];
  /** `Before=` units. */
  readonly before?: readonly string[];
  /** `ExecStart=`. */
  readonly execStart: string;
  /** `User=` and `Group=` (a user with a group of its name). @default - root */
  readonly user?: string;
  /** `Type=oneshot` with `RemainAfterExit=yes` (a unit that applies something and stays active). */
  readonly oneshot?: boolean;
  /** `Restart=` (with `RestartSec=5`). @default - no restart (oneshot) */
  readonly restart?: 'on-failure' | 'always';
  /** Further `[Service]` lines (`LimitNOFILE=65536`, `TimeoutStopSec=20`...). */
  readonly service?: readonly string[];
  /** `NoNewPrivileges=yes`. */
  readonly noNewPrivileges?: boolean;
}

const list = (key: string, units: readonly string[] | undefined) => (units && units.length > 0 ? [`${key}=${units.join(' ')}`] : []);

/** The unit file text, wanted by `multi-user.target`. */
export function systemdUnit(u: UnitSpec): string {
  return [
    '[Unit]',
    `Description=${u.description}`,
    ...list('After', u.after),
    ...list('Wants', u.wants),
    ...list('Requires', u.requires),
    ...list('Before', u.before),
    '',
    '[Service]',
    ...(u.oneshot ? ['Type=oneshot', 'RemainAfterExit=yes'] : []),
    ...(u.user ? [`User=${u.user}`, `Group=${u.user}`] : []),
    `ExecStart=${u.execStart}`,
    ...(u.restart ? [`Restart=${u.restart}`, 'RestartSec=5'] : []),
    ...(u.service ?? []),
    ...(u.noNewPrivileges ? ['NoNewPrivileges=yes'] : []),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
