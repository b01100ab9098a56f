#!/usr/bin/env node
'use strict';
// Latency of one ONNX file under ONNX Runtime (CPU execution provider) on given .npy inputs:
// warm-up runs, then N timed runs of session.run (inputs already in memory), median / p90 / min / mean in ms.
// Numbers for docs/benchmarks.md; say the machine and its load next to them.

const common = require('./ort_common');

const USAGE = `Usage: node tools/bench_onnx.js --model M.onnx --input name=path.npy [--input ...]
                              [--threads N] [--runs N] [--warmup N] [--opt disabled|basic|extended|all] [--json]
  --threads  intra-op threads of the CPU execution provider (default 1)
  --runs     timed runs (default 20)
  --warmup   untimed runs first (default 3)
  --opt      graph optimisation level (default all, as a deployment would use)
  --json     print one JSON object instead of the text line
`;

function percentile(sorted, p) {
  // nearest-rank percentile of an ascending array
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

async function main() {
  const args = common.parseArgs(process.argv.slice(2), {
    model: {}, input: { repeat: true }, threads: {}, runs: {}, warmup: {}, opt: {}, json: { bool: true },
  }, USAGE);
  if (!args.model) throw new common.UsageError('--model is required');
  const threads = args.threads ? common.parsePositiveInt(args.threads, 'threads') : 1;
  const runs = args.runs ? common.parsePositiveInt(args.runs, 'runs') : 20;
  const warmup = args.warmup !== undefined ? Number(args.warmup) : 3;
  if (!Number.isInteger(warmup) || warmup < 0) throw new common.UsageError(`--warmup must be >= 0, got '${args.warmup}'`);
  const opt = args.opt || 'all';
  const ort = common.loadOrt();
  const session = await common.createSession(ort, args.model, { threads, opt });
  const feeds = common.buildFeeds(ort, session, args.input);
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await session.release();
  const sorted = [...times].sort((a, b) => a - b);
  const result = {
    model: args.model,
    inputs: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, Array.from(t.dims)])),
    threads, opt, warmup, runs,
    median_ms: percentile(sorted, 50),
    p90_ms: percentile(sorted, 90),
    min_ms: sorted[0],
    mean_ms: times.reduce((a, b) => a + b, 0) / times.length,
    ort_version: require('onnxruntime-node/package.json').version,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const shapes = Object.entries(result.inputs).map(([k, d]) => `${k}[${d.join(',')}]`).join(' ');
    process.stdout.write(`${args.model}  ${shapes}  threads=${threads} opt=${opt}  runs=${runs}  ` +
                         `median=${result.median_ms.toFixed(3)} ms  p90=${result.p90_ms.toFixed(3)} ms  ` +
                         `min=${result.min_ms.toFixed(3)} ms  mean=${result.mean_ms.toFixed(3)} ms\n`);
  }
}

common.runMain('bench_onnx', USAGE, main);
