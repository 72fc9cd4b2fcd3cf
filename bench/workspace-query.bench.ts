import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { load, row, startBenchServer } from './support';

/** An authenticated `workspace { id name }` against a bare Node handler returning the same JSON. */
async function main() {
  const bench = await startBenchServer();
  const body = JSON.stringify({ query: '{ workspace { id name } }' });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` };
  const answer = await (await fetch(bench.server.url, { method: 'POST', headers, body })).text();
  const api = await load({ url: bench.server.url, headers, bodies: [body], connections: 20 });

  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(answer);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const baseline = await load({ url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, headers, bodies: [body], connections: 20 });
  bare.close();

  console.log('\nworkspace query, 20 connections, 10 s');
  console.log(row('API: { workspace { id name } }', api));
  console.log(row('bare Node handler, same JSON', baseline));
  console.log(`  ratio API/bare: ${(api.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)} of the throughput, p95 ${(api.p95 / Math.max(baseline.p95, 0.01)).toFixed(1)}x`);
  console.log(`  non-2xx answers: ${api.non2xx}, errors: ${api.errors}`);
  await bench.stop();
  if (api.non2xx > 0 || api.errors > 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
