#!/usr/bin/env node
'use strict';
// Runs an ONNX file whose inputs and outputs are FLOAT16 with ONNX Runtime (CPU), for the FP16 graph I/O
// test. tools/run_onnx.js reads and writes float32/int32/int64 .npy only, so this takes raw little-endian
// float16 files: the test writes each input as the bits of a half tensor and reads the outputs back.
//
//   node run_onnx_fp16.js TOOLS_DIR MODEL OUT_DIR name=file.f16:d0,d1,... [...]
// prints one line per output: "<name> <type> <d0,d1,...>" and writes OUT_DIR/<name>.f16.

const fs = require('fs');
const path = require('path');

async function main() {
  const [toolsDir, model, outDir, ...specs] = process.argv.slice(2);
  if (!toolsDir || !model || !outDir || specs.length === 0) {
    throw new Error('usage: run_onnx_fp16.js TOOLS_DIR MODEL OUT_DIR name=file.f16:d0,d1,... [...]');
  }
  const ort = require(path.join(toolsDir, 'node_modules', 'onnxruntime-node'));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1,
    executionMode: 'sequential', logSeverityLevel: 3,
  });
  const feeds = {};
  for (const spec of specs) {
    const m = /^([^=]+)=(.+):([0-9,]+)$/.exec(spec);
    if (!m) throw new Error(`bad input spec '${spec}'`);
    const dims = m[3].split(',').map(Number);
    const buf = fs.readFileSync(m[2]);
    const count = dims.reduce((a, b) => a * b, 1);
    if (buf.length !== 2 * count) throw new Error(`${m[2]}: ${buf.length} bytes for ${count} float16 values`);
    const data = new Uint16Array(count);
    for (let i = 0; i < count; i++) data[i] = buf.readUInt16LE(2 * i);
    feeds[m[1]] = new ort.Tensor('float16', data, dims);
  }
  const results = await session.run(feeds);
  fs.mkdirSync(outDir, { recursive: true });
  for (const name of session.outputNames) {
    const t = results[name];
    const bits = new Uint16Array(t.data.buffer, t.data.byteOffset, t.data.length);
    const out = Buffer.alloc(2 * bits.length);
    for (let i = 0; i < bits.length; i++) out.writeUInt16LE(bits[i], 2 * i);
    fs.writeFileSync(path.join(outDir, `${name}.f16`), out);
    process.stdout.write(`${name} ${t.type} ${t.dims.join(',')}\n`);
  }
  await session.release();
}

main().catch((e) => {
  process.stderr.write(`run_onnx_fp16: ${e.message}\n`);
  process.exit(1);
});
