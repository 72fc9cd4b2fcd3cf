import { isDeepStrictEqual } from 'node:util';
import { startIdealHandler } from './ideal-handler';
import { measureInterleaved, postgresCpuMeter, printComparison, probe, startBenchServer, clusterSides } from './support';

const CONNECTIONS = 20;

const IDEAL = {
  name: 'ideal-workspace',
  text: `select json_build_object('data', json_build_object('workspace', json_build_object('id', w.id, 'name', w.name)))::text answer
         from workspace w where w.id = (select set_config('cdp.workspace_id', $1, false))::uuid`,
  values: () => [],
};

/**
 * An authenticated `{ workspace { id name } }` through the whole stack, against the ideal handler
 * (bare Node http, pg, the same key check, one prepared statement): what the API costs over the
 * least a server could do for the same answer. Measured turn about, on the same database role.
 */
async function main() {
  const bench = await startBenchServer({ exposeStatementCount: true });
  const ideal = await startIdealHandler(bench.serverDatabaseUrl, bench.poolSize, IDEAL);
  let failed = false;
  let clusters: Awaited<ReturnType<typeof clusterSides>> | undefined;
  try {
    const body = JSON.stringify({ query: '{ workspace { id name } }' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` };
    await probe(bench.server.url, headers, body); // the key's lookup, cached from then on
    const api = await probe(bench.server.url, headers, body);
    const answer = await probe(ideal.url, headers, body);
    if (!api.data?.workspace?.id || !isDeepStrictEqual(api.data, answer.data))
      throw new Error(`the ideal answers ${JSON.stringify(answer)}, the API ${JSON.stringify(api)}`);
    const idealSql = await ideal.sqlOf(() => probe(ideal.url, headers, body));

    const apiSql = { statements: api.extensions.sqlStatements, roundTrips: api.extensions.sqlRoundTrips };
    clusters = await clusterSides(bench, apiSql);
    const rows = await measureInterleaved(
      [
        { label: 'API POST /graphql', url: bench.server.url, sql: apiSql },
        ...clusters.sides,
        { label: 'ideal (http + pg, 1 statement)', url: ideal.url, sql: idealSql },
      ],
      { headers, bodies: [body], connections: CONNECTIONS, postgresCpu: await postgresCpuMeter(bench.orm) },
    );
    printComparison(`workspace query, ${CONNECTIONS} connections, 3 rounds of 4 s each side turn about; req/s the median round, latencies pooled`, rows);
    console.log(`  answer: ${JSON.stringify(api.data)}`);
    for (const r of rows)
      if (r.non2xx > 0 || r.errors > 0) {
        console.error(`FAILED: ${r.label} gave ${r.non2xx} non-2xx answers and ${r.errors} errors`);
        failed = true;
      }
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 500)); // requests the load generator abandoned at its deadline
    await clusters?.stop();
    await ideal.close();
    await bench.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
