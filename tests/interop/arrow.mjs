// Apache Arrow JS as an independent reader of the Arrow IPC streams the service sends.
//
//   node arrow.mjs STREAM_FILE OUT_JSON
//
// Reads every record batch of the stream and writes one JSON object to OUT_JSON:
//   { "fields": [ { "name", "type", "nullable" } ], "batches": N, "rows": [ { column: VALUE } ] }
// VALUE: 64-bit integers as decimal strings (never through a double); other numbers as JSON numbers
// (a float32 widens to a double exactly); strings; booleans; lists and fixed-size lists as arrays;
// null as null. On failure prints the error to stderr and exits 1.
import { RecordBatchReader } from 'apache-arrow';
import { readFileSync, writeFileSync } from 'node:fs';

function plain(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object' && typeof value[Symbol.iterator] === 'function' && typeof value !== 'string') {
    return Array.from(value, plain);
  }
  return value;
}

try {
  const reader = RecordBatchReader.from(readFileSync(process.argv[2]));
  const rows = [];
  let batches = 0;
  let fields = null;
  for (const batch of reader) {
    batches++;
    fields ??= batch.schema.fields.map(f => ({ name: f.name, type: String(f.type), nullable: f.nullable }));
    for (let i = 0; i < batch.numRows; i++) {
      const row = {};
      for (const f of batch.schema.fields) row[f.name] = plain(batch.getChild(f.name).get(i));
      rows.push(row);
    }
  }
  fields ??= reader.schema ? reader.schema.fields.map(f => ({ name: f.name, type: String(f.type), nullable: f.nullable })) : [];
  writeFileSync(process.argv[3], JSON.stringify({ fields, batches, rows }));
} catch (e) {
  console.error(String(e && e.stack || e));
  process.exit(1);
}
