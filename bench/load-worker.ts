import fs from 'node:fs';
import autocannon from 'autocannon';

/**
 * Runs autocannon in its own process, so the load generator does not share the server's event
 * loop. Options arrive in the JSON file named by argv[2]; `bodies` are sent in turn. Prints the result as JSON.
 */
interface WorkerOptions {
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  seconds: number;
}

async function main() {
  const options = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as WorkerOptions;
  let next = 0;
  const run = (duration: number) =>
    autocannon({
      url: options.url,
      connections: options.connections,
      duration,
      requests: [{ method: 'POST', headers: options.headers, setupRequest: (request) => ({ ...request, body: options.bodies[next++ % options.bodies.length] }) }],
    });
  await run(2);
  const result = await run(options.seconds);
  process.stdout.write(JSON.stringify({ requests: result.requests.average, latency: result.latency, non2xx: result.non2xx, errors: result.errors }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
