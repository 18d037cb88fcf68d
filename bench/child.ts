/**
 * Runs one benchmark case in this (fresh) process and sends the result to the parent:
 * `{ type: 'progress', message }` while it runs, then `{ type: 'result', result }` or
 * `{ type: 'error', message }`. Started by `run.ts` with `--expose-gc`.
 */
import { runCase, type CaseTask } from './cases';

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

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '') as CaseTask;
  try {
    const result = await runCase(task, (message) => void send({ type: 'progress', message }));
    await send({ type: 'result', result });
  } catch (e) {
    await send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    process.exitCode = 1;
  }
  process.disconnect?.();
}

void main();
