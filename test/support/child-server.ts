import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

/** A server in its own process (the compiled build), as a second instance behind a load balancer. */
export interface ChildServer {
  url: string;
  wsUrl: string;
  process: ChildProcess;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startChildServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [path.resolve('dist/src/main.js')], {
    env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output: string[] = [];
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child server did not start: ${output.join('')}`)), 30_000);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const port = /"port":(\d+)/.exec(line)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    });
    void exited.then((code) => reject(new Error(`child server exited with ${code}: ${output.join('\n')}`)));
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    process: child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
