/**
 * Reads SPIRE's full reference configurations (`../shared/fixtures/spire-v1.15.3/*_full.conf`) into the
 * set of documented key paths, commented-out examples included: `agent.join_token`,
 * `plugins.UpstreamAuthority "disk".plugin_data.key_file_path`, ...
 */

const BLOCK = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+"([^"]*)")?\s*(?:=\s*)?\{\s*(\}\s*)?$/;
const ATTR = /^([A-Za-z_][A-Za-z0-9_]*)\s*=/;
const CLOSE = /^\}\s*,?\s*$/;

/** Every documented key path of a SPIRE reference configuration. */
export function documentedSpireKeys(text: string): Set<string> {
  const keys = new Set<string>();
  const stack: string[] = [];
  for (const raw of text.split('\n')) {
    // commented-out settings document keys too: drop every leading '#'
    const line = raw.replace(/^(\s*#)+/, '').trim();
    if (line === '') continue;
    let m: RegExpMatchArray | null;
    if (line.endsWith('{') && !BLOCK.test(line)) {
      // an anonymous block or a prose example ("/path/to/spire-server.log {"): balance its "}"
      stack.push('');
    } else if (CLOSE.test(line)) {
      stack.pop();
    } else if ((m = line.match(BLOCK))) {
      const name = m[2] !== undefined ? `${m[1]} "${m[2]}"` : m[1];
      keys.add([...stack, name].join('.'));
      if (!m[3]) stack.push(name);
    } else if ((m = line.match(ATTR))) {
      keys.add([...stack, m[1]].join('.'));
    }
  }
  return keys;
}
