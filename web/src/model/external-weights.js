// Splits an ONNX model's large initializers out of its protobuf so ONNX Runtime
// Web can copy each weight straight from our buffer into its tensor. Handing ORT
// the whole file instead makes it hold the file, the parsed protobuf and the
// tensors at once: about three copies of the weights in a WebAssembly heap that
// never shrinks. With the weights external, its heap holds roughly one copy.
//
// The original file stays the "external data file": each rewritten tensor
// points at the offset of its own raw_data bytes, so nothing is copied here.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const LOCATION_EXTERNAL = 1;

// Small tensors stay inline: moving them saves nothing and adds entries.
const MIN_EXTERNAL_BYTES = 1024;

export class OnnxLayoutError extends Error {}

function readVarint(bytes, pos, end) {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new OnnxLayoutError('the file ends inside a number');
    const b = bytes[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (!Number.isSafeInteger(value)) throw new OnnxLayoutError('a length is too large');
      return [value, pos];
    }
    scale *= 128;
  }
  throw new OnnxLayoutError('a number is longer than ten bytes');
}

// Walks one message's fields; calls visit(field, wire, start, valueStart, end)
// for each, where start..end covers the whole field (key included).
function eachField(bytes, begin, end, visit) {
  let pos = begin;
  while (pos < end) {
    const start = pos;
    let key;
    [key, pos] = readVarint(bytes, pos, end);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw new OnnxLayoutError('a field number is zero');
    const valueStart = pos;
    if (wire === WIRE_VARINT) {
      [, pos] = readVarint(bytes, pos, end);
    } else if (wire === WIRE_I64) {
      pos += 8;
    } else if (wire === WIRE_I32) {
      pos += 4;
    } else if (wire === WIRE_LEN) {
      let length;
      [length, pos] = readVarint(bytes, pos, end);
      pos += length;
    } else {
      throw new OnnxLayoutError(`unsupported wire type ${wire}`);
    }
    if (pos > end) throw new OnnxLayoutError('a field runs past the end of its message');
    visit(field, wire, start, valueStart, pos);
  }
}

function lengthPrefixedStart(bytes, valueStart, end) {
  const [, dataStart] = readVarint(bytes, valueStart, end);
  return dataStart;
}

function varintBytes(value) {
  const out = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const encoder = new TextEncoder();

function lenField(field, payload) {
  return [...varintBytes(field * 8 + WIRE_LEN), ...varintBytes(payload.length), ...payload];
}

function externalEntry(key, value) {
  return lenField(TENSOR_EXTERNAL_DATA, [
    ...lenField(1, encoder.encode(key)),
    ...lenField(2, encoder.encode(value)),
  ]);
}

// Pieces of the output: either [start, end) slices of the input or new bytes.
class Pieces {
  constructor(source) {
    this.source = source;
    this.parts = [];
    this.length = 0;
  }
  slice(start, end) {
    if (end > start) {
      this.parts.push(this.source.subarray(start, end));
      this.length += end - start;
    }
  }
  bytes(array) {
    this.parts.push(Uint8Array.from(array));
    this.length += array.length;
  }
  append(other) {
    for (const part of other.parts) this.parts.push(part);   // no spread: a graph has many parts
    this.length += other.length;
  }
  join() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

function rewriteTensor(bytes, begin, end, location) {
  let raw = null;
  let alreadyExternal = false;
  eachField(bytes, begin, end, (field, wire, start, valueStart, stop) => {
    if (field === TENSOR_RAW_DATA && wire === WIRE_LEN) {
      const dataStart = lengthPrefixedStart(bytes, valueStart, stop);
      raw = { start, stop, offset: dataStart, length: stop - dataStart };
    } else if (field === TENSOR_DATA_LOCATION || field === TENSOR_EXTERNAL_DATA) {
      alreadyExternal = true;
    }
  });
  if (!raw || alreadyExternal || raw.length < MIN_EXTERNAL_BYTES) return null;
  const tail = [
    ...externalEntry('location', location),
    ...externalEntry('offset', String(raw.offset)),
    ...externalEntry('length', String(raw.length)),
    ...varintBytes(TENSOR_DATA_LOCATION * 8 + WIRE_VARINT),
    LOCATION_EXTERNAL,
  ];
  return { raw, tail };
}

/**
 * Returns { graph, externalBytes, tensors }: `graph` is a new, small ONNX file
 * whose large initializers refer to `location` at their offsets in `bytes`.
 * Pass `bytes` itself to ORT as the external data named `location`.
 * Throws OnnxLayoutError when the bytes are not a well-formed protobuf.
 */
export function externalizeWeights(bytes, location = 'weights.bin') {
  const out = new Pieces(bytes);
  let externalBytes = 0;
  let tensors = 0;
  let sawGraph = false;
  eachField(bytes, 0, bytes.length, (field, wire, start, valueStart, stop) => {
    if (field !== MODEL_GRAPH || wire !== WIRE_LEN) {
      out.slice(start, stop);
      return;
    }
    sawGraph = true;
    const graphStart = lengthPrefixedStart(bytes, valueStart, stop);
    const graph = new Pieces(bytes);
    eachField(bytes, graphStart, stop, (gField, gWire, gStart, gValueStart, gStop) => {
      if (gField !== GRAPH_INITIALIZER || gWire !== WIRE_LEN) {
        graph.slice(gStart, gStop);
        return;
      }
      const tensorStart = lengthPrefixedStart(bytes, gValueStart, gStop);
      const rewrite = rewriteTensor(bytes, tensorStart, gStop, location);
      if (!rewrite) {
        graph.slice(gStart, gStop);
        return;
      }
      const tensor = new Pieces(bytes);
      tensor.slice(tensorStart, rewrite.raw.start);
      tensor.slice(rewrite.raw.stop, gStop);
      tensor.bytes(rewrite.tail);
      graph.bytes([...varintBytes(GRAPH_INITIALIZER * 8 + WIRE_LEN), ...varintBytes(tensor.length)]);
      graph.append(tensor);
      externalBytes += rewrite.raw.length;
      tensors += 1;
    });
    out.bytes([...varintBytes(MODEL_GRAPH * 8 + WIRE_LEN), ...varintBytes(graph.length)]);
    out.append(graph);
  });
  if (!sawGraph) throw new OnnxLayoutError('the file has no graph');
  return { graph: out.join(), externalBytes, tensors };
}
