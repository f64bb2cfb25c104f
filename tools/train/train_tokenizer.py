#!/usr/bin/env python3
"""Train the default model's tokenizer: a byte-fallback BPE shaped exactly like Gemma 3's
tokenizer.json (needs the `tokenizers` Python package; run on the device machine).

Ids: <pad>=0 <eos>=1 <bos>=2 <unk>=3 <start_of_turn>=4 <end_of_turn>=5, the 256 byte tokens
<0x00>..<0xFF> = 6..261, then the characters and the merges.  The saved JSON has Gemma 3's
normalizer (Replace ' ' -> '\u2581'), pre_tokenizer (Split ' ' MergedWithPrevious, a no-op
after the normalizer), BOS post-processor, decoder (Replace '\u2581' -> ' ', ByteFallback,
Fuse) and a BPE model with byte_fallback and fuse_unk.  While training, words are split
before each '\u2581' (SentencePiece style), so no merge ever crosses a word boundary and the
whole-text encoding that Gemma's pre_tokenizer implies gives the same pieces.

Usage: python3 train_tokenizer.py TRAIN.jsonl OUT_tokenizer.json [VOCAB_SIZE]
"""
import json, sys

SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"]
BYTES = [f"<0x{i:02X}>" for i in range(256)]


def gemma_shape(tok_json):
    """Rewrite a trained tokenizers JSON into Gemma 3's exact pipeline shape."""
    t = json.loads(tok_json)
    m = t["model"]
    t["added_tokens"] = [
        {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for i, s in enumerate(SPECIALS)
    ]
    t["normalizer"] = {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}
    t["pre_tokenizer"] = {"type": "Split", "pattern": {"String": " "},
                          "behavior": "MergedWithPrevious", "invert": False}
    t["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                   {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                 {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "<bos>", "type_id": 1}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}},
    }
    t["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"}]}
    merges = m["merges"]
    if merges and isinstance(merges[0], str):
        merges = [mm.split(" ", 1) for mm in merges]
    t["model"] = {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": m["vocab"], "merges": merges}
    t["truncation"] = None
    t["padding"] = None
    return t


def train(train_jsonl, out_path, vocab_size=8192):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    texts = [json.loads(l)["text"] for l in open(train_jsonl, encoding="utf-8")]
    # the chat documents' turn markers are added tokens of the final tokenizer: keep them
    # out of the merges
    for sp in SPECIALS:
        texts = [t.replace(sp, "\n") for t in texts]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Replace(" ", "\u2581")
    tok.pre_tokenizer = pre_tokenizers.Split("\u2581", behavior="merged_with_next")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2,
                                  special_tokens=SPECIALS + BYTES, limit_alphabet=150,
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    shaped = gemma_shape(tok.to_str())
    v = shaped["model"]["vocab"]
    for i, s in enumerate(SPECIALS + BYTES):
        assert v[s] == i, (s, v.get(s), i)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(shaped, f, ensure_ascii=False, indent=1)
    # self-checks: the Gemma-shaped tokenizer encodes like the training one, and round-trips
    final = Tokenizer.from_file(out_path)
    for s in texts[:50] + texts[-200:]:
        a = final.encode(s, add_special_tokens=False).ids
        b = tok.encode(s, add_special_tokens=False).ids
        assert a == b, f"shape mismatch on {s[:60]!r}"
        assert final.decode(a) == s, f"round trip failed on {s[:60]!r}"
    assert final.encode("hi").ids[0] == 2
    return final


if __name__ == "__main__":
    vs = int(sys.argv[3]) if len(sys.argv) > 3 else 8192
    t = train(sys.argv[1], sys.argv[2], vs)
    print("vocab", t.get_vocab_size())
