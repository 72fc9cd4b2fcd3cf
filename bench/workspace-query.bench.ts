import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { load, startBenchServer, type Load } from './support';

const CONNECTIONS = 20;
const SECONDS = 10;

/**
 * An authenticated `{ workspace { id name } }` through the whole stack (Express, Apollo, key lookup,
 * ORM), against a bare Node handler answering the same JSON: what the API costs over plain HTTP.
 */
async function main() {
  const bench = await startBenchServer();
  let failed = false;
  try {
    const body = JSON.stringify({ query: '{ workspace { id name } }' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` };
    const probe = await fetch(bench.server.url, { method: 'POST', headers, body });
    const answer = await probe.text();
    if (probe.status !== 200 || !JSON.parse(answer).data?.workspace?.id) throw new Error(`the API answered ${probe.status}: ${answer}`);

    const api = await load({ url: bench.server.url, headers, bodies: [body], connections: CONNECTIONS, seconds: SECONDS });

    const bare = http.createServer((req, res) => {
      req.resume(); // read the request body, as the API does, before answering
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(answer);
      });
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const baseline = await load({
      url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`,
      headers,
      bodies: [body],
      connections: CONNECTIONS,
      seconds: SECONDS,
    });
    await new Promise((resolve) => bare.close(resolve));

    const line = (label: string, cells: string[]) => `  ${label.padEnd(30)}${cells.map((cell) => cell.padStart(11)).join('')}`;
    const figures = (label: string, f: Load) =>
      line(label, [f.requestsPerSecond.toFixed(0), f.p50.toFixed(2), f.p95.toFixed(2), f.p99.toFixed(2), String(f.non2xx), String(f.errors)]);
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    console.log(`\nworkspace query: ${CONNECTIONS} connections, 2 s warm-up, ${SECONDS} s measured; latencies in ms`);
    console.log(line('', ['req/s', 'p50', 'p95', 'p99', 'non-2xx', 'errors']));
    console.log(figures('API POST /graphql', api));
    console.log(figures('bare Node http, same JSON', baseline));
    console.log(
      line('ratio API/bare', [
        ratio(api.requestsPerSecond, baseline.requestsPerSecond),
        ratio(api.p50, baseline.p50),
        ratio(api.p95, baseline.p95),
        ratio(api.p99, baseline.p99),
      ]),
    );
    console.log(`  answer: ${answer.trim()} (${api.total} API responses measured, ${baseline.total} bare)`);

    if (api.non2xx > 0 || api.errors > 0) {
      console.error(`FAILED: the API gave ${api.non2xx} non-2xx answers and ${api.errors} errors`);
      failed = true;
    }
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 500)); // requests the load generator abandoned at its deadline
    await bench.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
