// Reads an Arrow IPC stream with the apache-arrow npm package and prints it as JSON:
// the schema as apache-arrow understood it, and every value of every batch as a canonical
// string (null for a null). The C# tests compare those strings with PostgreSQL's values.
// Fixed-width values are read from the typed arrays apache-arrow built over our buffers, so a
// wrong offset, width, alignment or epoch shows; variable-width ones through Vector.get.
import { readFileSync } from 'node:fs';
import { MessageReader, RecordBatchReader, Type } from 'apache-arrow';

const hex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

function floatText(v, bits) {
  if (Number.isNaN(v)) return 'NaN';
  const view = new DataView(new ArrayBuffer(8));
  if (bits === 32) {
    view.setFloat32(0, v, true);
    return 'f4:' + view.getUint32(0, true).toString(16).padStart(8, '0');
  }
  view.setFloat64(0, v, true);
  return 'f8:' + view.getBigUint64(0, true).toString(16).padStart(16, '0');
}

function decimalText(words, k, scale) {
  // Decimal128: one little-endian two's-complement 128-bit integer per value.
  let v = 0n;
  for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[k * 4 + w]);
  if (v >= 1n << 127n) v -= 1n << 128n;
  const negative = v < 0n;
  let digits = (negative ? -v : v).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  }
  return (negative ? '-' : '') + digits;
}

function valueText(vector, data, i) {
  const t = vector.type;
  const k = data.offset + i;
  switch (t.typeId) {
    case Type.Bool: return vector.get(i) ? 't' : 'f';
    case Type.Int: return String(vector.get(i));
    case Type.Float: return floatText(vector.get(i), t.precision === 1 ? 32 : 64);
    case Type.Decimal: return decimalText(new Uint32Array(data.values.buffer, data.values.byteOffset, data.values.byteLength / 4), k, t.scale);
    case Type.Utf8: return vector.get(i);
    case Type.Binary:
    case Type.FixedSizeBinary: return hex(vector.get(i));
    case Type.Date: return String(new Int32Array(data.values.buffer, data.values.byteOffset, data.values.byteLength / 4)[k]);
    case Type.Time:
    case Type.Timestamp: return String(new BigInt64Array(data.values.buffer, data.values.byteOffset, data.values.byteLength / 8)[k]);
    case Type.Interval: {
      const w = new Int32Array(data.values.buffer, data.values.byteOffset, data.values.byteLength / 4);
      const n = new BigInt64Array(data.values.buffer, data.values.byteOffset, data.values.byteLength / 8);
      return `${w[k * 4]}m ${w[k * 4 + 1]}d ${n[k * 2 + 1]}ns`;
    }
    default: throw new Error(`read-arrow.mjs: no reader for ${t}`);
  }
}

const reader = RecordBatchReader.from(readFileSync(process.argv[2]));
reader.open();
const schema = reader.schema; // the reader forgets it once drained
const batches = [];
for (const batch of reader) {
  const columns = [];
  for (let c = 0; c < batch.numCols; c++) {
    const vector = batch.getChildAt(c);
    if (vector.data.length !== 1) throw new Error(`column ${c}: ${vector.data.length} chunks in one batch`);
    const data = vector.data[0];
    const values = [];
    for (let i = 0; i < vector.length; i++) values.push(vector.isValid(i) ? valueText(vector, data, i) : null);
    columns.push({ nullCount: data.nullCount, values });
  }
  batches.push({ length: batch.numRows, columns });
}
const type = (t) => ({
  typeId: t.typeId, name: Type[t.typeId], text: String(t),
  bitWidth: t.bitWidth ?? null, isSigned: t.isSigned ?? null, precision: t.precision ?? null, scale: t.scale ?? null,
  unit: t.unit ?? null, timezone: t.timezone ?? null, byteWidth: t.byteWidth ?? null,
});
const fields = schema.fields.map((f) => ({
  name: f.name, nullable: f.nullable, type: type(f.type), metadata: Object.fromEntries(f.metadata),
}));
// Each record batch message's buffers as apache-arrow's own message reader finds them in the
// metadata: [offset in the body, length] (the spec asks for 64-byte aligned offsets).
const bytes = readFileSync(process.argv[2]);
const messages = new MessageReader(bytes);
const bufferRegions = [];
for (let m = messages.readMessage(); m; m = messages.readMessage()) {
  if (m.isRecordBatch()) bufferRegions.push({ bodyLength: m.bodyLength, buffers: m.header().buffers.map((b) => [b.offset, b.length]) });
  if (m.bodyLength > 0) messages.readMessageBody(m.bodyLength);
}
process.stdout.write(JSON.stringify({ fields, batches, bufferRegions }));
