'use strict';
// Shared by run_onnx.js and bench_onnx.js: argument parsing, loading onnxruntime-node, building a
// deterministic CPU session, and turning .npy files into ORT feeds checked against the model's inputs.

const fs = require('fs');
const { readNpy } = require('./npy');

class UsageError extends Error {}

function loadOrt() {
  try {
    return require('onnxruntime-node');
  } catch (e) {
    throw new Error(`onnxruntime-node is not installed in ${__dirname}/node_modules (${e.code || e.message}); ` +
                    'run scripts/setup.sh, or `npm ci --ignore-scripts` in tools/');
  }
}

// Parses "--flag value" pairs. spec: { flag: {repeat?: bool, bool?: bool} }. Returns { flag: value | [values] }.
function parseArgs(argv, spec, usage) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(usage);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    let key = arg.slice(2);
    let value;
    const eq = key.indexOf('=');
    if (eq >= 0) {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    const s = spec[key];
    if (!s) throw new UsageError(`unknown option '--${key}'`);
    if (s.bool) {
      if (value !== undefined) throw new UsageError(`--${key} takes no value`);
      out[key] = true;
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${key} needs a value`);
      value = argv[++i];
    }
    if (s.repeat) (out[key] = out[key] || []).push(value);
    else if (key in out) throw new UsageError(`--${key} given twice`);
    else out[key] = value;
  }
  return out;
}

function parsePositiveInt(text, flag) {
  if (!/^\d+$/.test(String(text)) || Number(text) < 1) throw new UsageError(`--${flag} must be a positive integer, got '${text}'`);
  return Number(text);
}

const OPT_LEVELS = ['disabled', 'basic', 'extended', 'all'];

// A CPU-only session with a fixed thread count and sequential execution: the same inputs give the same
// outputs run after run (no inter-op parallelism, no thread-count-dependent partitioning between runs).
async function createSession(ort, modelPath, { threads = 1, opt = 'basic' } = {}) {
  if (!OPT_LEVELS.includes(opt)) throw new UsageError(`--opt must be one of ${OPT_LEVELS.join(', ')}, got '${opt}'`);
  if (!fs.existsSync(modelPath)) throw new Error(`${modelPath}: no such model file`);
  try {
    return await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: opt,
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
    });
  } catch (e) {
    throw new Error(`${modelPath}: ONNX Runtime cannot load the model: ${e.message}`);
  }
}

// "name=path.npy" (or just "path.npy" for a single-input model) -> { name, path }.
function parseInputSpec(spec, session) {
  const eq = spec.indexOf('=');
  if (eq > 0) return { name: spec.slice(0, eq), file: spec.slice(eq + 1) };
  if (session.inputNames.length === 1) return { name: session.inputNames[0], file: spec };
  throw new UsageError(`--input '${spec}' must be name=path.npy (model inputs: ${session.inputNames.join(', ')})`);
}

function metadataOf(session, name) {
  const list = session.inputMetadata;
  if (!list) return null;
  return list.find((m) => m.name === name) || null;
}

// Reads the .npy inputs and checks them against the model: every input given once, known names, the
// declared element type and rank, and the static dimensions.
function buildFeeds(ort, session, inputSpecs) {
  const feeds = {};
  for (const spec of inputSpecs || []) {
    const { name, file } = parseInputSpec(spec, session);
    if (!session.inputNames.includes(name)) {
      throw new UsageError(`the model has no input '${name}' (its inputs: ${session.inputNames.join(', ')})`);
    }
    if (name in feeds) throw new UsageError(`input '${name}' given twice`);
    const arr = readNpy(file);
    const meta = metadataOf(session, name);
    if (meta && meta.isTensor) {
      if (meta.type !== arr.type) {
        throw new Error(`${file}: input '${name}' is ${arr.type} but the model expects ${meta.type}`);
      }
      if (meta.shape.length > 0) {
        if (meta.shape.length !== arr.dims.length) {
          throw new Error(`${file}: input '${name}' has shape [${arr.dims}] but the model expects rank ` +
                          `${meta.shape.length} [${meta.shape}]`);
        }
        meta.shape.forEach((d, i) => {
          if (typeof d === 'number' && d >= 0 && d !== arr.dims[i]) {
            throw new Error(`${file}: input '${name}' has shape [${arr.dims}] but the model expects [${meta.shape}]`);
          }
        });
      }
    }
    feeds[name] = new ort.Tensor(arr.type, arr.data, arr.dims);
  }
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length > 0) throw new UsageError(`missing --input for model input(s): ${missing.join(', ')}`);
  return feeds;
}

// Runs main() and turns errors into "tool: message" on stderr and exit code 1 (2 for usage errors).
function runMain(tool, usage, main) {
  main().catch((e) => {
    const prefix = `${tool}: ${e instanceof UsageError ? 'usage: ' : ''}`;
    process.stderr.write(`${prefix}${e.message}\n`);
    if (e instanceof UsageError) process.stderr.write(usage);
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}

function safeFileName(name) {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

module.exports = {
  UsageError, loadOrt, parseArgs, parsePositiveInt, createSession, buildFeeds, runMain, safeFileName,
};
