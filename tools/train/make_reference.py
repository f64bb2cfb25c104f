#!/usr/bin/env python3
"""Recompute the reference outputs of an existing default-model checkpoint (device machine):
ref_logits.npy and reference.json, exactly as train_gemma3.py writes them at the end of a
training run (float32 eager forward of the bf16 weights, buffers rounded to bf16), keeping
the "training" block of the checkpoint's current reference.json.

Usage: python3 tools/train/make_reference.py HF_DIR OUT_DIR [--data .traindata]
       [--fixture-text tests/fixtures/default-model/heldout.txt]
"""
import argparse, json, os, shutil, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_gemma3 import load_reference_model, log, reference_outputs  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hf")
    ap.add_argument("out")
    ap.add_argument("--data", default=".traindata")
    ap.add_argument("--fixture-text", default="tests/fixtures/default-model/heldout.txt")
    ap.add_argument("--seq", type=int, default=512)
    args = ap.parse_args()
    from tokenizers import Tokenizer
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.hf):  # work on a copy: ref_logits.npy is written next to the weights
        if f.endswith((".json", ".safetensors")):
            shutil.copy(os.path.join(args.hf, f), args.out)
    old = json.load(open(os.path.join(args.hf, "reference.json")))
    tok = Tokenizer.from_file(os.path.join(args.out, "tokenizer.json"))
    ref = load_reference_model(args.out, "cuda")
    refj = reference_outputs(ref, tok, args.out, args.data, args.fixture_text, args.seq, "cuda")
    if "train_loss_fp32_sample" in old.get("heldout", {}):
        refj["heldout"]["train_loss_fp32_sample_unrounded_buffers"] = old["heldout"]["train_loss_fp32_sample"]
    refj["training"] = old.get("training", {})
    json.dump(refj, open(os.path.join(args.out, "reference.json"), "w"), indent=1)
    for p in ["And it came to pass", "In the beginning", "Blessed are", "The computer"]:
        ids = torch.tensor([tok.encode(p).ids], device="cuda")
        with torch.no_grad():
            o = ref.generate(ids, max_new_tokens=40, do_sample=False, pad_token_id=0)
        log(f"greedy {p!r}: {tok.decode(o[0, 1:].tolist())!r}")


if __name__ == "__main__":
    main()
