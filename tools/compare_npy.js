#!/usr/bin/env node
'use strict';
// Compares .npy tensors by relative L2 error ||actual - expected|| / ||expected|| and fails above a tolerance.
// Used by scripts/verify_onnx.sh, so that the parity check needs Node and no Python.
//
//   node tools/compare_npy.js [--tolerance 1e-4] [--transform NAME=dim-autoware|rot-autoware ...]
//                             NAME=actual.npy:expected.npy[:expected2.npy ...] [...]
//
// Several expected files are concatenated on axis 1 first: `infer --dump` writes one file per head task
// (heatmap_task0.npy, heatmap_task1.npy, ...), the ONNX graph one output with the tasks' channels in order.
// Prints one line per pair: "NAME  rel_l2=<err>  max_abs=<err>  shape=[...]  ok|FAIL"; exits 1 when any pair
// is above the tolerance or differs in shape, 2 on bad usage or unreadable files.
// --transform applies the Autoware layout to the EXPECTED tensor (channels on axis 1, per head task):
//   dim-autoware: each task's (l, w, h) -> (w, l, h)       rot-autoware: each task's (sin, cos) -> (-cos, -sin)

const { readNpy } = require('./npy');
const common = require('./ort_common');

const USAGE = `Usage: node tools/compare_npy.js [--tolerance T] [--transform NAME=dim-autoware|rot-autoware ...]
                             NAME=actual.npy:expected.npy[:expected2.npy ...] [...]
`;

function toFloat64(arr) {
  const out = new Float64Array(arr.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(arr.data[i]);
  return out;
}

// Applies the Autoware channel transform to a [B, C, ...] tensor in which C is k tasks x `group` channels.
function autowareTransform(kind, arr, source) {
  const group = kind === 'dim-autoware' ? 3 : 2;
  if (arr.dims.length < 2 || arr.dims[1] % group !== 0) {
    throw new Error(`${source}: ${kind} needs channels on axis 1 in groups of ${group}, shape is [${arr.dims}]`);
  }
  const b = arr.dims[0];
  const c = arr.dims[1];
  const inner = arr.dims.slice(2).reduce((x, y) => x * y, 1);
  const src = toFloat64(arr);
  const dst = new Float64Array(src.length);
  const at = (bi, ci) => (bi * c + ci) * inner;
  for (let bi = 0; bi < b; bi++) {
    for (let g = 0; g < c; g += group) {
      // new channel j takes old channel map[j], times sign[j]
      const map = group === 3 ? [1, 0, 2] : [1, 0];
      const sign = group === 3 ? [1, 1, 1] : [-1, -1];
      for (let j = 0; j < group; j++) {
        const d = at(bi, g + j);
        const s = at(bi, g + map[j]);
        for (let k = 0; k < inner; k++) dst[d + k] = sign[j] * src[s + k];
      }
    }
  }
  return dst;
}

// Reads one or more .npy files and concatenates them on axis 1 (all else equal).
function readConcat(paths) {
  const parts = paths.map((p) => readNpy(p));
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  for (const [i, p] of parts.entries()) {
    const same = p.dims.length === first.dims.length && p.dims.length >= 2 && p.type === first.type &&
                 p.dims.every((d, k) => k === 1 || d === first.dims[k]);
    if (!same) throw new Error(`${paths[i]}: shape [${p.dims}] cannot be concatenated on axis 1 with [${first.dims}]`);
  }
  const b = first.dims[0];
  const inner = first.dims.slice(2).reduce((x, y) => x * y, 1);
  const channels = parts.reduce((n, p) => n + p.dims[1], 0);
  const data = new first.data.constructor(b * channels * inner);
  let offset = 0;
  for (let bi = 0; bi < b; bi++) {
    for (const p of parts) {
      const n = p.dims[1] * inner;
      data.set(p.data.subarray(bi * n, (bi + 1) * n), offset);
      offset += n;
    }
  }
  return { type: first.type, dims: [b, channels, ...first.dims.slice(2)], data };
}

function compare(name, actualPath, expectedPaths, transform) {
  const a = readNpy(actualPath);
  const e = readConcat(expectedPaths);
  const expectedPath = expectedPaths.join(':');
  const shapeText = `[${e.dims.join(', ')}]`;
  if (a.dims.length !== e.dims.length || a.dims.some((d, i) => d !== e.dims[i])) {
    return { ok: false, line: `${name}  shape mismatch: actual [${a.dims.join(', ')}] vs expected ${shapeText}  FAIL` };
  }
  const av = toFloat64(a);
  const ev = transform ? autowareTransform(transform, e, expectedPath) : toFloat64(e);
  let diff2 = 0;
  let ref2 = 0;
  let maxAbs = 0;
  let nonFinite = false;
  for (let i = 0; i < av.length; i++) {
    const d = av[i] - ev[i];
    if (!Number.isFinite(av[i]) || !Number.isFinite(ev[i])) nonFinite = true;
    diff2 += d * d;
    ref2 += ev[i] * ev[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  // An all-zero reference is compared absolutely (0/0 would hide a mismatch).
  const rel = ref2 > 0 ? Math.sqrt(diff2 / ref2) : Math.sqrt(diff2);
  return { rel, maxAbs, nonFinite, shapeText };
}

async function main() {
  const argv = process.argv.slice(2);
  let tolerance = 1e-4;
  const transforms = {};
  const pairs = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (arg === '--tolerance' || arg === '--transform') {
      if (i + 1 >= argv.length) throw new common.UsageError(`${arg} needs a value`);
      const v = argv[++i];
      if (arg === '--tolerance') {
        tolerance = Number(v);
        if (!Number.isFinite(tolerance) || tolerance < 0) throw new common.UsageError(`bad --tolerance '${v}'`);
      } else {
        const m = /^([^=]+)=(dim-autoware|rot-autoware)$/.exec(v);
        if (!m) throw new common.UsageError(`bad --transform '${v}' (NAME=dim-autoware or NAME=rot-autoware)`);
        transforms[m[1]] = m[2];
      }
      continue;
    }
    const m = /^([^=]+)=([^:]+)((?::[^:]+)+)$/.exec(arg);
    if (!m) throw new common.UsageError(`bad pair '${arg}' (NAME=actual.npy:expected.npy[:expected2.npy ...])`);
    pairs.push({ name: m[1], actual: m[2], expected: m[3].slice(1).split(':') });
  }
  if (pairs.length === 0) throw new common.UsageError('no NAME=actual.npy:expected.npy pair given');
  for (const name of Object.keys(transforms)) {
    if (!pairs.some((p) => p.name === name)) throw new common.UsageError(`--transform names '${name}', which is not compared`);
  }
  let failed = 0;
  const width = Math.max(...pairs.map((p) => p.name.length));
  for (const p of pairs) {
    const r = compare(p.name, p.actual, p.expected, transforms[p.name]);
    if (r.line) {
      process.stdout.write(`${r.line}\n`);
      failed++;
      continue;
    }
    const ok = !r.nonFinite && r.rel <= tolerance;
    if (!ok) failed++;
    process.stdout.write(`${p.name.padEnd(width)}  rel_l2=${r.rel.toExponential(3)}  max_abs=${r.maxAbs.toExponential(3)}` +
                         `  shape=${r.shapeText}${r.nonFinite ? '  non-finite values' : ''}  ${ok ? 'ok' : 'FAIL'}\n`);
  }
  process.stdout.write(failed === 0 ? `all ${pairs.length} outputs within tolerance ${tolerance}\n`
                                    : `${failed} of ${pairs.length} outputs above tolerance ${tolerance}\n`);
  return failed > 0 ? 1 : 0;
}

main().then((code) => process.exit(code)).catch((e) => {
  process.stderr.write(`compare_npy: ${e instanceof common.UsageError ? 'usage: ' : ''}${e.message}\n`);
  process.exit(2);
});
