// DuckDB as a real Parquet peer for the interop tests.
//
// Reads one JSON request (from the file named by the first argument, else from stdin):
//   { "steps": [ { "run": "COPY ... TO 'x.parquet' (FORMAT parquet)" },
//                { "query": "SELECT * FROM 'x.parquet'" }, ... ] }
// runs the steps in order in one in-memory database, and prints one JSON object:
//   { "results": [ { "columns": [ { "name": ..., "type": TYPE } ], "rows": [ [ VALUE, ... ] ] } ] }
// with one result per "query" step. On failure prints { "error": "..." } and exits 1.
//
// TYPE is a small tree: { "id": "FLOAT" }, { "id": "LIST", "child": TYPE },
// { "id": "STRUCT", "fields": [ { "name", "type" } ] }, { "id": "MAP", "key": TYPE, "value": TYPE }.
//
// VALUE encoding (the same contract as `offsafe parquet cat --json`, so outputs compare):
//   integers of any width: JSON numbers with every digit (BIGINT never passes through a double);
//   FLOAT / DOUBLE: the shortest text that parses back to the same double (a FLOAT widens to a
//     double exactly, so narrowing the parsed double gives the float's bits back); -0 stays "-0";
//     NaN and the infinities are the strings "NaN", "Infinity", "-Infinity";
//   VARCHAR: string; BLOB: base64; LIST / ARRAY: array; STRUCT: object in field order;
//   MAP: array of { "key", "value" } objects in stored order (keys need not be strings);
//   DATE: "yyyy-MM-dd"; TIMESTAMP: "yyyy-MM-ddTHH:mm:ss" plus 3, 6 or 9 fraction digits by unit,
//     and "Z" for TIMESTAMP WITH TIME ZONE; DECIMAL: exact decimal text;
//   anything else: DuckDB's own text for the value.
import { DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const request = JSON.parse(readFileSync(process.argv[2] ?? 0, 'utf8'));

function describeType(type) {
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { id: DuckDBTypeId[type.typeId], child: describeType(type.valueType) };
    case DuckDBTypeId.STRUCT:
      return { id: 'STRUCT', fields: type.entryNames.map((name, i) => ({ name, type: describeType(type.entryTypes[i]) })) };
    case DuckDBTypeId.MAP:
      return { id: 'MAP', key: describeType(type.keyType), value: describeType(type.valueType) };
    default:
      return { id: DuckDBTypeId[type.typeId] };
  }
}

// Builds JSON text directly: JSON.stringify cannot print a bigint, nor keep -0.
function encode(value, type) {
  if (value === null || value === undefined) return 'null';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return value ? 'true' : 'false';
    case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER: case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT: case DuckDBTypeId.USMALLINT: case DuckDBTypeId.UINTEGER: case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT: case DuckDBTypeId.UHUGEINT:
      return value.toString();
    case DuckDBTypeId.FLOAT: case DuckDBTypeId.DOUBLE:
      if (Number.isNaN(value)) return '"NaN"';
      if (value === Infinity) return '"Infinity"';
      if (value === -Infinity) return '"-Infinity"';
      if (Object.is(value, -0)) return '-0';
      return String(value);
    case DuckDBTypeId.VARCHAR:
      return JSON.stringify(value);
    case DuckDBTypeId.BLOB:
      return JSON.stringify(Buffer.from(value.bytes).toString('base64'));
    case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY:
      return '[' + value.items.map((v) => encode(v, type.valueType)).join(',') + ']';
    case DuckDBTypeId.STRUCT:
      return '{' + type.entryNames.map((name, i) =>
        JSON.stringify(name) + ':' + encode(value.entries[name], type.entryTypes[i])).join(',') + '}';
    case DuckDBTypeId.MAP:
      return '[' + value.entries.map((e) =>
        '{"key":' + encode(e.key, type.keyType) + ',"value":' + encode(e.value, type.valueType) + '}').join(',') + ']';
    case DuckDBTypeId.DATE:
      return JSON.stringify(new Date(value.days * 86400000).toISOString().slice(0, 10));
    case DuckDBTypeId.TIMESTAMP:
      return JSON.stringify(timestampText(value.micros, 1000000n, 6, ''));
    case DuckDBTypeId.TIMESTAMP_TZ:
      return JSON.stringify(timestampText(value.micros, 1000000n, 6, 'Z'));
    case DuckDBTypeId.TIMESTAMP_MS:
      return JSON.stringify(timestampText(value.millis, 1000n, 3, ''));
    case DuckDBTypeId.TIMESTAMP_NS:
      return JSON.stringify(timestampText(value.nanos, 1000000000n, 9, ''));
    case DuckDBTypeId.DECIMAL:
      return JSON.stringify(decimalText(value.value, value.scale));
    default:
      return JSON.stringify(value.toString());
  }
}

function timestampText(count, perSecond, digits, zone) {
  let seconds = count / perSecond;
  let fraction = count % perSecond;
  if (fraction < 0n) { seconds -= 1n; fraction += perSecond; }
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(digits, '0')}${zone}`;
}

function decimalText(unscaled, scale) {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return (negative ? '-' : '') + text;
}

try {
  const db = await DuckDBInstance.create(':memory:', { threads: String(request.threads ?? 1) });
  const connection = await db.connect();
  const results = [];
  for (const step of request.steps ?? []) {
    if (step.run !== undefined) {
      await connection.run(step.run);
      continue;
    }
    const reader = await connection.runAndReadAll(step.query);
    const types = reader.columnTypes();
    const columns = reader.columnNames().map((name, i) => JSON.stringify({ name, type: describeType(types[i]) }));
    const rows = reader.getRows().map((row) => '[' + row.map((v, i) => encode(v, types[i])).join(',') + ']');
    results.push('{"columns":[' + columns.join(',') + '],"rows":[' + rows.join(',') + ']}');
  }
  process.stdout.write('{"results":[' + results.join(',') + ']}\n');
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.message ?? error) }) + '\n');
  process.exitCode = 1;
}
