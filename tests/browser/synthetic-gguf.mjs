// synthetic-gguf.mjs — writes a model of gemma-2b's shape (18 layers, d=2048,
// ff=16384, 8 heads / 1 KV head of 256, vocab 256000) with random Q4_0
// weights as a llama.cpp-style GGUF split set, for the memory test. No
// checkpoint needed: the bytes are noise with sane block scales (the model
// runs, its output is meaningless). Used by memory.spec.mjs; alone:
//   node tests/browser/synthetic-gguf.mjs OUT_DIR [split MiB] [layers]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const T_F32 = 0, T_Q4_0 = 2;
const ALIGN = 32;

function gemma2bTensors(nLayer = 18) {
  const d = 2048, ff = 16384, nh = 8, hd = 256, nkv = 1, vocab = 256000;
  const t = [['token_embd.weight', [d, vocab], T_Q4_0], ['output_norm.weight', [d], T_F32]];
  for (let l = 0; l < nLayer; l++) {
    const b = `blk.${l}.`;
    t.push([b + 'attn_norm.weight', [d], T_F32], [b + 'attn_q.weight', [d, nh * hd], T_Q4_0],
      [b + 'attn_k.weight', [d, nkv * hd], T_Q4_0], [b + 'attn_v.weight', [d, nkv * hd], T_Q4_0],
      [b + 'attn_output.weight', [nh * hd, d], T_Q4_0], [b + 'ffn_norm.weight', [d], T_F32],
      [b + 'ffn_gate.weight', [d, ff], T_Q4_0], [b + 'ffn_up.weight', [d, ff], T_Q4_0],
      [b + 'ffn_down.weight', [ff, d], T_Q4_0]);
  }
  const meta = [
    ['general.architecture', 'str', 'gemma'], ['general.name', 'str', 'synthetic gemma-2b q4_0'],
    ['gemma.context_length', 'u32', 8192], ['gemma.embedding_length', 'u32', d], ['gemma.block_count', 'u32', nLayer],
    ['gemma.feed_forward_length', 'u32', ff], ['gemma.attention.head_count', 'u32', nh],
    ['gemma.attention.head_count_kv', 'u32', nkv], ['gemma.attention.key_length', 'u32', hd],
    ['gemma.attention.value_length', 'u32', hd], ['gemma.attention.layer_norm_rms_epsilon', 'f32', 1e-6],
    ['tokenizer.ggml.bos_token_id', 'u32', 2], ['tokenizer.ggml.eos_token_id', 'u32', 1],
  ];
  return { tensors: t.map(([name, ne, type]) => ({ name, ne, type, nbytes: nbytesOf(ne, type) })), meta };
}

function nbytesOf(ne, type) {
  const n = ne.reduce((a, b) => a * b, 1);
  return type === T_F32 ? n * 4 : (n / 32) * 18;
}

class Buf {
  constructor() { this.parts = []; this.len = 0; }
  push(b) { this.parts.push(b); this.len += b.length; }
  u32(v) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  u16(v) { const b = Buffer.alloc(2); b.writeUInt16LE(v); this.push(b); }
  i32(v) { const b = Buffer.alloc(4); b.writeInt32LE(v); this.push(b); }
  u64(v) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  f32(v) { const b = Buffer.alloc(4); b.writeFloatLE(v); this.push(b); }
  str(s) { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.push(b); }
  get() { return Buffer.concat(this.parts); }
}

const KV_TYPE = { u16: 2, i32: 5, u32: 4, f32: 6, str: 8 };

function header(meta, tensors, offsets) {
  const h = new Buf();
  h.push(Buffer.from('GGUF'));
  h.u32(3);
  h.u64(tensors.length);
  h.u64(meta.length);
  for (const [k, t, v] of meta) {
    h.str(k);
    h.u32(KV_TYPE[t]);
    if (t === 'str') h.str(v); else h[t](v);
  }
  tensors.forEach((t, i) => {
    h.str(t.name);
    h.u32(t.ne.length);
    for (const n of t.ne) h.u64(n);
    h.u32(t.type);
    h.u64(offsets[i]);
  });
  const b = h.get();
  const pad = (ALIGN - (b.length % ALIGN)) % ALIGN;
  return Buffer.concat([b, Buffer.alloc(pad)]);
}

// A reusable block of random Q4_0 data (scales ~0.006, random nibbles).
function q4Pattern(bytes) {
  const b = Buffer.alloc(bytes);
  let s = 0x9e3779b9;
  for (let i = 0; i < bytes; i += 4) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; b.writeInt32LE(s | 0, i); }
  for (let off = 0; off < bytes; off += 18) b.writeUInt16LE(0x1e24, off); // f16 0.00635
  return b;
}

// Writes the split set into dir; returns {files, totalBytes}.
export function writeSyntheticGemma2b(dir, { splitBytes = 128 << 20, nLayer = 18 } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const { tensors, meta } = gemma2bTensors(nLayer);
  // group tensors into splits of at most splitBytes of data (a larger tensor gets its own)
  const groups = [];
  let cur = [], curBytes = 0;
  for (const t of tensors) {
    if (cur.length && curBytes + t.nbytes > splitBytes) { groups.push(cur); cur = []; curBytes = 0; }
    cur.push(t);
    curBytes += Math.ceil(t.nbytes / ALIGN) * ALIGN;
  }
  if (cur.length) groups.push(cur);
  const count = groups.length;
  const pattern = q4Pattern(18 * 65536); // 1.1 MiB of blocks, repeated
  const ones = Buffer.alloc(4 * 2048);
  for (let i = 0; i < 2048; i++) ones.writeFloatLE(1 + 0.01 * ((i % 7) - 3), i * 4);
  const files = [];
  let total = 0;
  groups.forEach((g, gi) => {
    const offsets = [];
    let off = 0;
    for (const t of g) { offsets.push(off); off += Math.ceil(t.nbytes / ALIGN) * ALIGN; }
    const m = (gi === 0 ? meta : []).concat([['split.no', 'u16', gi], ['split.count', 'u16', count],
      ['split.tensors.count', 'i32', tensors.length]]);
    const name = `synthetic-gemma-2b-q4_0-${String(gi + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`;
    const file = path.join(dir, name);
    const fd = fs.openSync(file + '.tmp', 'w');
    const hd = header(m, g, offsets);
    fs.writeSync(fd, hd);
    let written = hd.length;
    g.forEach((t, i) => {
      const src = t.type === T_F32 ? ones : pattern;
      let left = t.nbytes;
      while (left > 0) { const n = Math.min(left, src.length); fs.writeSync(fd, src, 0, n); left -= n; written += n; }
      const pad = (i + 1 < g.length ? offsets[i + 1] : off) - offsets[i] - t.nbytes;
      if (pad) { fs.writeSync(fd, Buffer.alloc(pad)); written += pad; }
    });
    fs.closeSync(fd);
    fs.renameSync(file + '.tmp', file);
    files.push(name);
    total += written;
  });
  return { files, totalBytes: total };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [dir, mib, layers] = process.argv.slice(2);
  if (!dir) { console.error('usage: node tests/browser/synthetic-gguf.mjs OUT_DIR [split MiB] [layers]'); process.exit(2); }
  const r = writeSyntheticGemma2b(dir, { splitBytes: (Number(mib) || 128) << 20, nLayer: Number(layers) || 18 });
  console.log(`wrote ${r.files.length} splits, ${(r.totalBytes / 2 ** 20).toFixed(1)} MiB to ${dir}`);
}
