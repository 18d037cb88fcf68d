/**
 * Runs one benchmark case in this (fresh) process and sends the result to the parent:
 * `{ type: 'progress', message }` while it runs, then `{ type: 'result', result }` or
 * `{ type: 'error', message }`. Started by `run.ts` with `--expose-gc`.
 *
 * A synthesis or Pulumi case started with `turns` runs when told: the parent sends `{ type: 'run' }`
 * (answered with `{ type: 'ran', ms }`) once per planned run, alternating between the `ours` and the
 * `raw` process, then `{ type: 'finish' }` (answered with the result).
 */
import { runCase, SynthSession, type CaseResult, type CaseTask } from './cases';

/** A message from the parent to a synthesis case run by turns. */
export type TurnMessage = { type: 'run' } | { type: 'finish' };

function send(message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      // run by hand: print instead
      // eslint-disable-next-line no-console
      console.log(JSON.stringify(message));
      resolve();
      return;
    }
    process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

async function fail(e: unknown): Promise<void> {
  await send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
  process.disconnect?.();
}

/** A case that runs when told: a cdk8s synthesis or a Pulumi program. */
interface Session {
  run(): number | Promise<number>;
  finish(): CaseResult;
}

async function startSession(task: CaseTask): Promise<Session> {
  const progress = (message: string) => void send({ type: 'progress', message });
  if (task.case === 'pulumi' || task.case === 'pulumi-raw') {
    // loaded here: the cdk8s cases never load Pulumi
    const { PulumiSession } = await import('./pulumi');
    return PulumiSession.start(task, progress);
  }
  return new SynthSession(task, progress, process.memoryUsage().rss);
}

async function byTurns(task: CaseTask): Promise<void> {
  let session: Session;
  try {
    session = await startSession(task);
  } catch (e) {
    await fail(e);
    return;
  }
  process.on('message', (m: TurnMessage) => {
    void (async () => {
      try {
        if (m.type === 'run') {
          const ms = await session.run();
          await send({ type: 'ran', ms });
        } else {
          await send({ type: 'result', result: session.finish() });
          process.disconnect?.();
        }
      } catch (e) {
        await fail(e);
      }
    })();
  });
  await send({ type: 'ready' });
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '') as CaseTask;
  if (task.turns) {
    await byTurns(task);
    return;
  }
  try {
    const result = await runCase(task, (message) => void send({ type: 'progress', message }));
    await send({ type: 'result', result });
  } catch (e) {
    await fail(e);
    return;
  }
  process.disconnect?.();
}

void main();
