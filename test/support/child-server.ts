import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { Topic } from '../../src/events/topics';

/** A server in its own process (the compiled build), as a second instance behind a load balancer. */
export interface ChildServer {
  url: string;
  wsUrl: string;
  baseUrl: string;
  process: ChildProcess;
  /** What it printed so far, a line each (stdout and stderr). */
  output: string[];
  /** Resolves with the first line (already printed from line `from` on, or still to come) that matches, failing after `ms`. */
  waitForLine(pattern: RegExp, ms?: number, from?: number): Promise<string>;
  /** {@link TestServer.subscribe} for this process: waits for its log line of the registered subscriber. */
  subscribe<T>(topic: Topic, start: () => T): Promise<T>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `dist/src/main.js` on `databaseUrl`, or on the embedded PostgreSQL of `CDP_DATA_DIR` when
 * it is undefined, and resolves once it serves.
 */
export async function startChildServer(databaseUrl: string | undefined, env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [path.resolve('dist/src/main.js')], {
    env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', CDP_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output: string[] = [];
  const watchers = new Set<(line: string) => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      for (const watcher of watchers) watcher(line);
    });
  }
  /** The first line matching `pattern` printed from line `from` on. */
  const waitForLine = (pattern: RegExp, ms = 30_000, from = 0) =>
    new Promise<string>((resolve, reject) => {
      const seen = output.slice(from).find((line) => pattern.test(line));
      if (seen) return resolve(seen);
      const timer = setTimeout(() => (watchers.delete(watch), reject(new Error(`no line matching ${pattern} within ${ms} ms:\n${output.join('\n')}`))), ms);
      const watch = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        watchers.delete(watch);
        resolve(line);
      };
      watchers.add(watch);
      void exited.then((code) => {
        if (!watchers.has(watch)) return;
        clearTimeout(timer);
        watchers.delete(watch);
        reject(new Error(`child server exited with ${code}:\n${output.join('\n')}`));
      });
    });
  const port = Number(/"port":(\d+)/.exec(await waitForLine(/"msg":"serving http/))![1]);
  const url = `http://127.0.0.1:${port}/graphql`;
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    output,
    waitForLine,
    subscribe: async (topic, start) => {
      const registered = waitForLine(new RegExp(`"topic":"${topic}".*"msg":"subscriber registered"`), 5000, output.length);
      const started = start();
      await registered;
      return started;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
