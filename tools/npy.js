'use strict';
// NumPy .npy reading and writing for the ONNX Runtime tools.
//
// Written by hand rather than taken from npm: the format is a 10- or 12-byte preamble, a Python-dict header
// and the raw little-endian data, and the tools stay at one npm dependency (onnxruntime-node), so the
// checker pulls in no third-party parser whose bugs could hide a parity failure.
//
// Read: format 1.0, 2.0 and 3.0; dtypes float32 ('<f4'), int32 ('<i4'), int64 ('<i8'); C order only.
// Write: format 1.0 (2.0 only when the header does not fit 1.0's 16-bit length), the same dtypes.
// Anything else (big-endian, Fortran order, other dtypes, truncated data) is an Error naming the file.

const fs = require('fs');

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);  // \x93NUMPY

// descr -> ORT tensor type, typed-array constructor, bytes per element
const DTYPES = {
  '<f4': { type: 'float32', Ctor: Float32Array, size: 4 },
  '<i4': { type: 'int32', Ctor: Int32Array, size: 4 },
  '<i8': { type: 'int64', Ctor: BigInt64Array, size: 8 },
};
const DESCR_OF_TYPE = { float32: '<f4', int32: '<i4', int64: '<i8' };

class NpyError extends Error {}

function fail(source, message) {
  throw new NpyError(`${source}: ${message}`);
}

// Parses the header dict, e.g. "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 32, 10), }".
function parseHeader(text, source) {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) fail(source, `malformed .npy header ${JSON.stringify(text.trim())}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const parsed = dims.map((d) => {
    if (!/^\d+$/.test(d)) fail(source, `malformed shape entry '${d}' in .npy header`);
    return Number(d);
  });
  return { descr: descr[1], fortranOrder: fortran[1] === 'True', shape: parsed };
}

// Decodes .npy bytes into { type, dims, data } with data a fresh (aligned) typed array.
function decodeNpy(bytes, source = '<buffer>') {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) fail(source, 'not a .npy file (bad magic)');
  const major = bytes[6];
  const minor = bytes[7];
  let headerLen;
  let offset;
  if (major === 1) {
    headerLen = bytes.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(source, 'truncated .npy preamble');
    headerLen = bytes.readUInt32LE(8);
    offset = 12;
  } else {
    fail(source, `unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  }
  if (offset + headerLen > bytes.length) fail(source, 'truncated .npy header');
  const header = parseHeader(bytes.subarray(offset, offset + headerLen).toString(major === 3 ? 'utf8' : 'latin1'),
                             source);
  offset += headerLen;
  const dt = DTYPES[header.descr];
  if (!dt) {
    let why = '';
    if (header.descr.startsWith('>')) why = ' (big-endian data is not supported)';
    fail(source, `unsupported dtype '${header.descr}'${why}; float32 '<f4', int32 '<i4' and int64 '<i8' are read`);
  }
  if (header.fortranOrder) fail(source, 'Fortran-order arrays are not supported (C order only)');
  const count = header.shape.reduce((a, b) => a * b, 1);
  const need = count * dt.size;
  const have = bytes.length - offset;
  if (have < need) fail(source, `truncated data: shape [${header.shape}] needs ${need} bytes, file has ${have}`);
  if (have > need) fail(source, `${have - need} trailing bytes after the data of shape [${header.shape}]`);
  // Copy into a fresh buffer: the data offset in the file need not be aligned for the typed array.
  const ab = new ArrayBuffer(need);
  new Uint8Array(ab).set(bytes.subarray(offset, offset + need));
  return { type: dt.type, dims: header.shape, data: new dt.Ctor(ab) };
}

function readNpy(path) {
  let bytes;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new NpyError(`${path}: cannot read (${e.code || e.message})`);
  }
  return decodeNpy(bytes, path);
}

// Encodes a typed array of the given dims as .npy bytes (format 1.0; 2.0 only for huge headers).
function encodeNpy(type, dims, data) {
  const descr = DESCR_OF_TYPE[type];
  if (!descr) throw new NpyError(`cannot write .npy of type '${type}' (float32, int32 and int64 are written)`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new NpyError(`data has ${data.length} elements, shape [${dims}] needs ${count}`);
  const shapeText = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy pads with spaces so that preamble + header (ending in '\n') is a multiple of 64 bytes.
  let major = 1;
  let pre = 10;
  let total = pre + dict.length + 1;
  let padded = Math.ceil(total / 64) * 64;
  if (padded - pre > 0xffff) {
    major = 2;
    pre = 12;
    total = pre + dict.length + 1;
    padded = Math.ceil(total / 64) * 64;
  }
  dict = dict + ' '.repeat(padded - total) + '\n';
  const head = Buffer.alloc(pre);
  MAGIC.copy(head, 0);
  head[6] = major;
  head[7] = 0;
  if (major === 1) head.writeUInt16LE(dict.length, 8);
  else head.writeUInt32LE(dict.length, 8);
  // Typed arrays are in host byte order; every platform onnxruntime-node ships for is little-endian.
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([head, Buffer.from(dict, 'latin1'), body]);
}

function writeNpy(path, type, dims, data) {
  // Write to a temporary name and rename, so that a crash never leaves a half-written file.
  const tmp = `${path}.tmp${process.pid}`;
  fs.writeFileSync(tmp, encodeNpy(type, dims, data));
  fs.renameSync(tmp, path);
}

module.exports = { decodeNpy, encodeNpy, readNpy, writeNpy, NpyError };
