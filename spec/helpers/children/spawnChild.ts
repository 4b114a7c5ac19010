import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '../../..');

/** A child-process script of this folder running under ts-node, with its stdout read line by line. */
export interface Child {
  readonly process: ChildProcess;
  /** Resolves with the next stdout line (JSON-parsed). */
  nextMessage<T = unknown>(): Promise<T>;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** Starts `spec/helpers/children/<script>` with `node -r ts-node/register/transpile-only`. */
export function spawnChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, script), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const readers: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const reader = readers.shift();
    if (reader) reader(line);
    else lines.push(line);
  });
  const exited = new Promise<number | string>((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal ?? -1)));
  return {
    process: child,
    exited,
    nextMessage: <T>() =>
      new Promise<T>((resolveLine, reject) => {
        const buffered = lines.shift();
        if (buffered !== undefined) return resolveLine(JSON.parse(buffered) as T);
        exited.then((code) => reject(new Error(`${script} exited (${code}) before writing a message`)));
        readers.push((line) => resolveLine(JSON.parse(line) as T));
      }),
  };
}
