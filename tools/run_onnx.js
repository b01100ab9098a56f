#!/usr/bin/env node
'use strict';
// Runs an ONNX file with ONNX Runtime (CPU) on .npy inputs and writes every output as <out-dir>/<name>.npy.
// The independent side of the export parity check: it shares no code with the C++ exporter or libtorch.

const fs = require('fs');
const path = require('path');
const { writeNpy } = require('./npy');
const common = require('./ort_common');

const USAGE = `Usage: node tools/run_onnx.js --model M.onnx --input name=path.npy [--input ...] --out-dir DIR
                            [--threads N] [--opt disabled|basic|extended|all]
  --model    the ONNX file
  --input    name=path.npy for each model input (float32/int32/int64 .npy, C order, little-endian);
             for a single-input model the name may be left out
  --out-dir  folder for the outputs, one <output name>.npy each (created if missing)
  --threads  intra-op threads of the CPU execution provider (default 1)
  --opt      ONNX Runtime graph optimisation level (default basic: constant folding and node
             elimination only, so the graph run is close to the graph exported)
`;

async function main() {
  const args = common.parseArgs(process.argv.slice(2), {
    model: {}, input: { repeat: true }, 'out-dir': {}, threads: {}, opt: {},
  }, USAGE);
  if (!args.model) throw new common.UsageError('--model is required');
  if (!args['out-dir']) throw new common.UsageError('--out-dir is required');
  const threads = args.threads ? common.parsePositiveInt(args.threads, 'threads') : 1;
  const ort = common.loadOrt();
  const session = await common.createSession(ort, args.model, { threads, opt: args.opt || 'basic' });
  const feeds = common.buildFeeds(ort, session, args.input);
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    throw new Error(`${args.model}: ONNX Runtime run failed: ${e.message}`);
  }
  const outDir = args['out-dir'];
  fs.mkdirSync(outDir, { recursive: true });
  for (const name of session.outputNames) {
    const t = results[name];
    if (!['float32', 'int32', 'int64'].includes(t.type)) {
      throw new Error(`output '${name}' is ${t.type}; only float32/int32/int64 outputs can be written as .npy`);
    }
    const file = path.join(outDir, `${common.safeFileName(name)}.npy`);
    writeNpy(file, t.type, Array.from(t.dims), t.data);
    process.stdout.write(`${name} [${t.dims.join(', ')}] ${t.type} -> ${file}\n`);
  }
  await session.release();
}

common.runMain('run_onnx', USAGE, main);
