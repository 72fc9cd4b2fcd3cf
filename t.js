const { useEmbeddedPostgres, withDatabase } = require('./dist/src/db/embedded');
const { Client } = require('pg');
(async () => { const pg = await useEmbeddedPostgres(require('path').resolve('.data/bench')); const c = new Client(withDatabase(pg.adminUrl, 'cdp')); await c.connect();
const ws = (await c.query(`select workspace_id, count(*) from customer group by 1 order by 2 desc limit 1`)).rows[0].workspace_id;
const id = (await c.query(`select customer_id from event where workspace_id=$1 limit 1`, [ws])).rows[0].customer_id;
const qs = [
 [`explain analyze select c.*, r.id as requested from customer r join customer c on c.workspace_id = r.workspace_id and c.id = coalesce(r.merged_into_id, r.id) where r.workspace_id = $1 and r.id = any($2::uuid[]) and c.erased_at is null`, [ws, [id]]],
 [`explain analyze select * from identity where workspace_id = $1 and customer_id = any($2::uuid[])`, [ws,[id]]],
 [`explain analyze select * from customer_merge where workspace_id = $1 and (survivor_id = any($2::uuid[]) or absorbed_id = any($2::uuid[]))`, [ws,[id]]],
 [`explain analyze select * from (select e.*, row_number() over (partition by e.customer_id order by e.occurred_at desc, e.id desc) n from event e where e.workspace_id = $1 and e.customer_id = any($2::uuid[]) and ($3::text is null or e.type = $3) and ($4::timestamptz is null or (e.occurred_at, e.id) < ($4::timestamptz, $5::uuid))) ranked where n <= 21`, [ws,[id],null,null,null]],
];
for (const [q,p] of qs) { const r = await c.query(q,p); console.log(r.rows.map(x=>x['QUERY PLAN']).filter(l=>/Scan|Execution|Sort|Join/.test(l)).join('\n')); console.log('---'); }
await c.end(); await pg.stop(); })();
