import fs from 'node:fs';
import autocannon from 'autocannon';

/**
 * Runs autocannon in its own process, so the load generator does not share the server's event
 * loop. Options arrive in the JSON file named by argv[2]; `bodies` are sent in turn. Prints the
 * result as JSON. Latency percentiles are computed here from every response's own timing (in
 * fractions of a millisecond): autocannon's histogram is whole milliseconds and has no p95.
 */
interface WorkerOptions {
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  seconds: number;
  /** Unmeasured load before the measured period (2 s unless given). */
  warmUpSeconds?: number;
  /** Also print every measured latency, for pooling several runs. */
  keepLatencies?: boolean;
}

async function main() {
  const options = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as WorkerOptions;
  let next = 0;
  const run = (duration: number, latencies?: number[]) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: options.url,
          connections: options.connections,
          duration,
          requests: [
            { method: 'POST', headers: options.headers, setupRequest: (request) => ({ ...request, body: options.bodies[next++ % options.bodies.length] }) },
          ],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      if (latencies) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
    });
  const warmUp = options.warmUpSeconds ?? 2;
  if (warmUp > 0) await run(warmUp); // not measured
  const latencies: number[] = [];
  const result = await run(options.seconds, latencies);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] : NaN);
  process.stdout.write(
    JSON.stringify({
      requests: result.requests.average,
      total: result.requests.total,
      latency: { p50: at(50), p95: at(95), p99: at(99) },
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      ...(options.keepLatencies ? { latencies } : {}),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
