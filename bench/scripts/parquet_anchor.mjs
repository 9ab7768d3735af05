// DuckDB anchor for `offsafe-bench parquet`: writes and fully scans the transition table with
// DuckDB in the same run as our codec, so the two sets of figures share machine conditions.
// Specification followed: shared/bench/parquet_anchor.mjs (same table shape and value style).
//
// Uses the @duckdb/node-api installed by `npm ci` in tests/interop (the interop peer), so the
// benchmark needs no second install. Usage:
//   node bench/scripts/parquet_anchor.mjs [--rows N] [--threads T] [--file out.parquet] [--read ours.parquet] [--stepped]
// Prints one JSON object: rows, threads, write_s (snappy COPY), file_bytes, scan_s (aggregates
// that touch every value of every column), projected_scan_s (the same over four scalar columns),
// and read_other_s when --read names another file. With --stepped it prints {"ready":true} once
// the table is built, then runs one round per line read from stdin and prints one such object
// per round, so the caller can alternate its own rounds with DuckDB's in one machine state.
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const interop = process.env.OFFSAFE_INTEROP_DIR ?? join(here, '..', '..', 'tests', 'interop');
const { DuckDBInstance } = createRequire(join(interop, 'package.json'))('@duckdb/node-api');

const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
};
const rows = Number(option('--rows', '1000000'));
const threads = Number(option('--threads', '2'));
const file = option('--file', join(process.env.TMPDIR ?? '/tmp', 'offsafe_parquet_anchor.parquet'));
const other = option('--read', null);
const stepped = process.argv.includes('--stepped');
const quoted = (path) => `'${path.replaceAll("'", "''")}'`;

const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const sql = await db.connect();

// One row per transition: 1000-step episodes over 20 dynamics variants; vectors as FLOAT lists.
await sql.run('SELECT setseed(0.5)');
await sql.run(`CREATE TABLE transitions AS SELECT
    (i // 1000)::BIGINT AS episode_id,
    (i % 1000)::INTEGER AS step,
    'variant-' || (i % 20)::VARCHAR AS variant,
    'generated' AS source,
    list_transform(range(17), k -> random()::FLOAT) AS obs,
    list_transform(range(6), k -> (2 * random() - 1)::FLOAT) AS action,
    list_transform(range(17), k -> (1 + random())::FLOAT) AS next_obs,
    random()::FLOAT AS reward,
    (random() < 0.05)::FLOAT AS cost,
    random() < 0.05 AS unsafe,
    i % 1000 = 999 AS terminal,
    false AS truncated
  FROM range(${rows}) r(i)`);

// Aggregates over every column (lists summed element-wise) so no column can be skipped.
const fullScan = (path) => `SELECT sum(episode_id), sum(step), count(DISTINCT variant), count(source),
    sum(list_sum(obs)), sum(list_sum(action)), sum(list_sum(next_obs)), sum(reward), sum(cost),
    count_if(unsafe), count_if(terminal), count_if(truncated)
  FROM read_parquet(${quoted(path)})`;

// A few scalar columns, as a query over labels and returns reads them: the other columns' pages are never touched.
const projectedScan = (path) => `SELECT sum(episode_id), sum(reward), sum(cost), count_if(unsafe)
  FROM read_parquet(${quoted(path)})`;

const seconds = async (work) => {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
};

const round = async () => {
  const result = { rows, threads };
  result.write_s = await seconds(() => sql.run(`COPY transitions TO ${quoted(file)} (FORMAT parquet, COMPRESSION snappy)`));
  result.file_bytes = statSync(file).size;
  result.scan_s = await seconds(() => sql.runAndReadAll(fullScan(file)));
  result.projected_scan_s = await seconds(() => sql.runAndReadAll(projectedScan(file)));
  if (other) result.read_other_s = await seconds(() => sql.runAndReadAll(fullScan(other)));
  return result;
};

if (stepped) {
  const { createInterface } = await import('node:readline');
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    console.log(JSON.stringify(await round()));
  }
} else {
  console.log(JSON.stringify(await round()));
}
