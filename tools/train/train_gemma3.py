#!/usr/bin/env python3
"""Train gemwasm's default model: a small Gemma3ForCausalLM on the Debian text from
prepare_data.py, then write everything the repo needs from it in one go (run on the device
machine; see docs/default-model.md):

  OUTDIR/hf/            the HF checkpoint in BF16 (config.json, generation_config.json,
                        safetensors shards, tokenizer.json, tokenizer_config.json,
                        special_tokens_map.json)
  OUTDIR/hf/ref_logits.npy   float32 eager logits over reference.json's input_ids, computed
                        in float32 from the bf16-rounded weights (what the file stores)
  OUTDIR/hf/reference.json   input_ids, greedy_prompt ("And it came to pass" with BOS),
                        greedy_new_tokens, argmax, held-out losses and perplexities
  OUTDIR/samples.txt    sample generations

Usage: python3 train_gemma3.py --data .traindata --out OUTDIR [--minutes M] [--epochs E] ...

To try several settings on one GPU at once (the model is far too small to fill it):
  python3 train_gemma3.py --tokenizer-only --out T                     # T/hf/tokenizer.json
  python3 train_gemma3.py --tokenizer T/hf/tokenizer.json --candidate-only --out A --dropout 0.1 ...
  (several of these in parallel; each writes A/candidate.pt with its best validation loss)
  python3 train_gemma3.py --tokenizer T/hf/tokenizer.json --from-candidate A/candidate.pt --out FINAL
"""
import argparse, json, math, os, random, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_tokenizer  # noqa: E402

CHAT_TEMPLATE = (
    "{{ bos_token }}\n{%- if messages[0]['role'] == 'system' -%}\n    {%- if messages[0]['content'] is string -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}\n    {%- else -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}\n    {%- endif -%}\n"
    "    {%- set loop_messages = messages[1:] -%}\n{%- else -%}\n    {%- set first_user_prefix = \"\" -%}\n"
    "    {%- set loop_messages = messages -%}\n{%- endif -%}\n{%- for message in loop_messages -%}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n"
    "        {{ raise_exception(\"Conversation roles must alternate user/assistant/user/assistant/...\") }}\n"
    "    {%- endif -%}\n    {%- if (message['role'] == 'assistant') -%}\n        {%- set role = \"model\" -%}\n"
    "    {%- else -%}\n        {%- set role = message['role'] -%}\n    {%- endif -%}\n"
    "    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else \"\") }}\n"
    "    {%- if message['content'] is string -%}\n        {{ message['content'] | trim }}\n"
    "    {%- elif message['content'] is iterable -%}\n        {%- for item in message['content'] -%}\n"
    "            {%- if item['type'] == 'text' -%}\n                {{ item['text'] | trim }}\n"
    "            {%- endif -%}\n        {%- endfor -%}\n    {%- else -%}\n"
    "        {{ raise_exception(\"Invalid content type\") }}\n    {%- endif -%}\n"
    "    {{ '<end_of_turn>\n' }}\n{%- endfor -%}\n{%- if add_generation_prompt -%}\n"
    "    {{'<start_of_turn>model\n'}}\n{%- endif -%}\n")

BOS, EOS, PAD = 2, 1, 0


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)


def read_docs(path):
    return [json.loads(l)["text"] for l in open(path, encoding="utf-8")]


def stream(tok, docs):
    """[BOS] doc [EOS] for each document, concatenated."""
    out = []
    for e in tok.encode_batch(docs, add_special_tokens=False):
        out.append(BOS)
        out.extend(e.ids)
        out.append(EOS)
    return torch.tensor(out, dtype=torch.long)


def chunks_with_bos(ids, L):
    """Non-overlapping chunks of L tokens, each prefixed with BOS: [n, L+1]."""
    n = (len(ids) - 1) // L
    body = ids[: n * L].view(n, L)
    return torch.cat([torch.full((n, 1), BOS, dtype=torch.long), body], dim=1)


@torch.no_grad()
def eval_loss(model, ids, L, bs, dev, amp=True):
    """Token-weighted mean next-token loss over BOS-prefixed chunks (HF labels=input_ids)."""
    model.eval()
    x = chunks_with_bos(ids, L)
    tot, cnt = 0.0, 0
    for i in range(0, len(x), bs):
        b = x[i:i + bs].to(dev)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            loss = model(input_ids=b, labels=b).loss
        n = b.numel() - b.shape[0]
        tot += loss.float().item() * n
        cnt += n
    model.train()
    return tot / cnt


@torch.no_grad()
def llama_ppl(model, ids, n_ctx, dev):
    """Perplexity as llama.cpp's `perplexity` computes it: whole text tokenized with BOS,
    chunks of n_ctx tokens, first token of each chunk replaced by BOS, only the second half
    of each chunk scored.  Returns (ppl, err, n_chunks, per-chunk running estimates)."""
    model.eval()
    n_chunk = len(ids) // n_ctx
    first = n_ctx // 2
    nll, nll2, count, running = 0.0, 0.0, 0, []
    for c in range(n_chunk):
        x = ids[c * n_ctx:(c + 1) * n_ctx].clone()
        x[0] = BOS
        logits = model(input_ids=x[None].to(dev)).logits[0].float()
        lp = F.log_softmax(logits, dim=-1)
        tgt = ids[c * n_ctx + first + 1:(c + 1) * n_ctx].to(dev)
        v = -lp[first:n_ctx - 1].gather(1, tgt[:, None])[:, 0].double()
        nll += v.sum().item()
        nll2 += (v * v).sum().item()
        count += len(v)
        running.append(math.exp(nll / count))
    mean = nll / count
    var = nll2 / count - mean * mean
    err = math.sqrt(var / (count - 1)) * math.exp(mean) if count > 1 and var > 0 else 0.0
    return math.exp(mean), err, n_chunk, running


def load_reference_model(hf, dev):
    """The float32 eager model for the reference outputs: the checkpoint's bf16 weights, and
    its floating buffers (embedding normalizer, rope inverse frequencies) rounded to bf16 as
    transformers holds them for a bf16 model; our converter reproduces exactly this for a
    bf16 checkpoint ({arch}.embedding_scale, {arch}.rope.inv_freq_bf16)."""
    from transformers import Gemma3ForCausalLM
    ref = Gemma3ForCausalLM.from_pretrained(hf, dtype=torch.float32, attn_implementation="eager").to(dev).eval()
    for name, buf in ref.named_buffers():
        if buf.is_floating_point():
            before = buf.detach().clone()
            buf.data.copy_(buf.to(torch.bfloat16).float())
            log(f"buffer {name} {tuple(buf.shape)} rounded to bf16: max change {(buf - before).abs().max().item():.3g}, "
                f"first {before.flatten()[:2].tolist()} -> {buf.flatten()[:2].tolist()}")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return ref


@torch.no_grad()
def reference_outputs(ref, tok, hf, data_dir, fixture_text_path, L, dev):
    """Writes hf/ref_logits.npy; returns reference.json's fields (without "training")."""
    held_docs = read_docs(os.path.join(data_dir, "heldout.jsonl"))
    valid_ids = stream(tok, read_docs(os.path.join(data_dir, "valid.jsonl")))
    held_ids = stream(tok, held_docs)
    # 64 tokens of held-out text (Revelation 21), BOS first
    rev = [d for d in held_docs if d.startswith("Revelation 1\n")][0]
    passage = rev[rev.index("Revelation 21\n") + len("Revelation 21\n"):]
    input_ids = [BOS] + tok.encode(passage, add_special_tokens=False).ids[:63]
    logits = ref(input_ids=torch.tensor([input_ids], device=dev)).logits[0].float().cpu().numpy()
    np.save(os.path.join(hf, "ref_logits.npy"), logits.astype(np.float32))
    prompt = tok.encode("And it came to pass").ids
    assert prompt[0] == BOS
    g = ref.generate(torch.tensor([prompt], device=dev), do_sample=False, max_new_tokens=32, pad_token_id=PAD)
    new = g[0, len(prompt):].tolist()
    held_loss = eval_loss(ref, held_ids, L, 16, dev, amp=False)
    valid_loss = eval_loss(ref, valid_ids, L, 16, dev, amp=False)
    fixture_ids = torch.tensor(tok.encode(open(fixture_text_path, encoding="utf-8").read()).ids)
    heldout_txt_ids = torch.tensor(tok.encode(open(os.path.join(data_dir, "heldout.txt"), encoding="utf-8").read()).ids)
    ppl_fix = llama_ppl(ref, fixture_ids, 128, dev)
    ppl_held = llama_ppl(ref, heldout_txt_ids, 512, dev)
    ppl_held128 = llama_ppl(ref, heldout_txt_ids, 128, dev)
    refj = {
        "arch": "Gemma3ForCausalLM",
        "note": "float32 eager transformers forward of the bf16 weights with bf16-rounded buffers (embedding normalizer, rope inverse frequencies)",
        "input_ids": input_ids,
        "input_text": tok.decode(input_ids[1:]),
        "greedy_prompt": prompt,
        "greedy_prompt_text": "And it came to pass",
        "greedy_new_tokens": new,
        "greedy_text": tok.decode(new),
        "argmax": logits.argmax(-1).tolist(),
        "heldout": {
            "hf_loss_fp32": held_loss, "hf_ppl_fp32": math.exp(held_loss),
            "note": "mean next-token loss (labels=input_ids) over BOS-prefixed 512-token chunks of the held-out documents ([BOS] doc [EOS] concatenated)",
            "valid_loss_fp32": valid_loss,
            "llama_ppl_fixture_ctx128": {"ppl": ppl_fix[0], "err": ppl_fix[1], "chunks": ppl_fix[2], "running": ppl_fix[3], "tokens": len(fixture_ids)},
            "llama_ppl_heldout_txt_ctx512": {"ppl": ppl_held[0], "err": ppl_held[1], "chunks": ppl_held[2], "tokens": len(heldout_txt_ids)},
            "llama_ppl_heldout_txt_ctx128": {"ppl": ppl_held128[0], "err": ppl_held128[1], "chunks": ppl_held128[2]},
        },
    }
    log("reference:", json.dumps(refj["greedy_text"]), json.dumps(refj["heldout"])[:900])
    return refj


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".traindata")
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--hidden", type=int, default=384)
    ap.add_argument("--inter", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=1)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--max-pos", type=int, default=2048)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--epochs", type=float, default=20)
    ap.add_argument("--minutes", type=float, default=6.0, help="wall-clock cap on the training loop")
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--fixture-text", default="tests/fixtures/default-model/heldout.txt")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--dropout", type=float, default=0.0,
                    help="training-only dropout on embeddings and on each residual branch")
    ap.add_argument("--tokenizer", help="use this tokenizer.json instead of training one")
    ap.add_argument("--tokenizer-only", action="store_true")
    ap.add_argument("--candidate-only", action="store_true",
                    help="train, save OUT/candidate.pt (best state + validation loss), stop")
    ap.add_argument("--from-candidate", help="skip training: load this candidate.pt, then save and reference")
    args = ap.parse_args()

    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, GenerationConfig
    from tokenizers import Tokenizer

    t0 = time.time()
    random.seed(args.seed); torch.manual_seed(args.seed)
    dev = "cuda"
    hf = os.path.join(args.out, "hf")
    os.makedirs(hf, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = True

    # ---- tokenizer
    tok_path = os.path.join(hf, "tokenizer.json")
    if args.tokenizer:
        with open(args.tokenizer, encoding="utf-8") as f, open(tok_path, "w", encoding="utf-8") as g:
            g.write(f.read())
    else:
        train_tokenizer.train(os.path.join(args.data, "train.jsonl"), tok_path, args.vocab)
    if args.tokenizer_only:
        return
    tok = Tokenizer.from_file(tok_path)
    V = tok.get_vocab_size()
    log(f"tokenizer: vocab {V} ({time.time() - t0:.1f}s)")
    train_ids = stream(tok, read_docs(os.path.join(args.data, "train.jsonl")))
    valid_ids = stream(tok, read_docs(os.path.join(args.data, "valid.jsonl")))
    held_ids = stream(tok, read_docs(os.path.join(args.data, "heldout.jsonl")))
    log(f"tokens: train {len(train_ids)}  valid {len(valid_ids)}  heldout {len(held_ids)}")

    # ---- model
    n_layers = args.layers
    layer_types = ["full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(n_layers)]
    if "full_attention" not in layer_types:
        layer_types[-1] = "full_attention"
    cfg = Gemma3TextConfig(
        vocab_size=V, hidden_size=args.hidden, intermediate_size=args.inter,
        num_hidden_layers=n_layers, num_attention_heads=args.heads,
        num_key_value_heads=args.kv_heads, head_dim=args.head_dim,
        max_position_embeddings=args.max_pos, sliding_window=args.window,
        layer_types=layer_types, query_pre_attn_scalar=args.head_dim,
        rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
                         "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}},
        rms_norm_eps=1e-6, hidden_activation="gelu_pytorch_tanh",
        tie_word_embeddings=True, bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD,
        attn_logit_softcapping=None, final_logit_softcapping=None, use_cache=True)
    cand = torch.load(args.from_candidate, map_location="cpu", weights_only=False) if args.from_candidate else None
    if cand is not None:
        cfg = Gemma3TextConfig.from_dict(cand["config"])
    model = Gemma3ForCausalLM(cfg).to(dev)
    layer_types = cfg.layer_types
    if args.dropout > 0:  # training-only regularisation; nothing of it is saved
        def drop(m, inp, out):
            return F.dropout(out, args.dropout, m.training)
        model.model.embed_tokens.register_forward_hook(drop)
        for layer in model.model.layers:
            layer.post_attention_layernorm.register_forward_hook(drop)
            layer.post_feedforward_layernorm.register_forward_hook(drop)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params / 1e6:.2f}M parameters, layers {layer_types}")

    # ---- training
    L, B = args.seq, args.batch
    steps_per_epoch = max(1, len(train_ids) // (L * B))
    total_steps = int(args.epochs * steps_per_epoch)
    warmup = min(200, total_steps // 10)
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.ndim < 2 else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8, fused=True)

    def lr_at(s, elapsed=0.0):
        # cosine to 10% over the planned steps or the time cap, whichever runs out first
        if s < warmup:
            return args.lr * (s + 1) / warmup
        q = max((s - warmup) / max(1, total_steps - warmup), elapsed / (args.minutes * 60))
        q = min(1.0, q)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * q)))

    log(f"training: seq {L} batch {B} ({L * B} tokens/step), {steps_per_epoch} steps/epoch, "
        f"{total_steps} steps planned ({args.epochs} epochs), cap {args.minutes} min")
    train_gpu = train_ids.to(dev)
    bos_col = torch.full((B, 1), BOS, dtype=torch.long, device=dev)
    best = (float("inf"), -1, None)
    t_train = time.time()
    step, tokens_seen, run_loss = 0, 0, 0.0
    model.train()
    if cand is not None:
        total_steps = 0
        best = (cand["valid"], cand["step"], cand["state"])
        step, tokens_seen = cand["steps_total"], cand["tokens_seen"]
    while step < total_steps:
        starts = torch.randint(0, len(train_gpu) - L, (B,), device=dev)
        idx = starts[:, None] + torch.arange(L, device=dev)[None, :]
        x = torch.cat([bos_col, train_gpu[idx]], dim=1)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, time.time() - t_train)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=x, labels=x).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        tokens_seen += B * L
        run_loss += loss.detach()
        last = step == total_steps or (time.time() - t_train) > args.minutes * 60
        if step % args.eval_every == 0 or last:
            tl = (run_loss / (args.eval_every if step % args.eval_every == 0 else (step % args.eval_every))).item()
            run_loss = 0.0
            vl = eval_loss(model, valid_ids, L, 64, dev)
            hl = eval_loss(model, held_ids, L, 64, dev)
            el = time.time() - t_train
            log(f"step {step:5d}  epoch {tokens_seen / len(train_ids):6.2f}  lr {lr_at(step, el):.2e}  "
                f"train {tl:.4f}  valid {vl:.4f}  heldout {hl:.4f}  ({el:.0f}s, {tokens_seen / el / 1e3:.0f}k tok/s)")
            if vl < best[0]:
                best = (vl, step, {k: v.detach().clone() for k, v in model.state_dict().items()})
        if last:
            break
    train_time = time.time() - t_train if cand is None else cand["train_seconds"]
    log(f"trained {step} steps, {tokens_seen} tokens in {train_time:.0f}s; best valid {best[0]:.4f} at step {best[1]}")
    if args.candidate_only:
        torch.save({"state": {k: v.cpu() for k, v in best[2].items()}, "valid": best[0], "step": best[1],
                    "steps_total": step,
                    "tokens_seen": tokens_seen, "train_seconds": train_time, "config": cfg.to_dict(),
                    "args": vars(args)}, os.path.join(args.out, "candidate.pt"))
        return
    model.load_state_dict(best[2])
    final_train_loss = eval_loss(model, train_ids[: 400 * L], L, 64, dev)

    # ---- round to bf16 and save
    model = model.to(torch.bfloat16)
    model.config.dtype = torch.bfloat16
    gen_cfg = GenerationConfig(bos_token_id=BOS, eos_token_id=[EOS, 5], pad_token_id=PAD,
                               do_sample=False)
    model.generation_config = gen_cfg
    model.save_pretrained(hf, max_shard_size="10MB", safe_serialization=True)
    added = {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                      "single_word": False, "special": True}
             for i, t in enumerate(train_tokenizer.SPECIALS)}
    tc = {"add_bos_token": True, "add_eos_token": False, "added_tokens_decoder": added,
          "additional_special_tokens": ["<start_of_turn>", "<end_of_turn>"],
          "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
          "chat_template": CHAT_TEMPLATE, "clean_up_tokenization_spaces": False,
          "model_max_length": args.max_pos, "padding_side": "left",
          "spaces_between_special_tokens": False, "tokenizer_class": "GemmaTokenizer"}
    json.dump(tc, open(os.path.join(hf, "tokenizer_config.json"), "w"), indent=2, ensure_ascii=False)
    stm = {"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
           "additional_special_tokens": ["<start_of_turn>", "<end_of_turn>"]}
    json.dump(stm, open(os.path.join(hf, "special_tokens_map.json"), "w"), indent=2)
    try:  # check that transformers loads it and agrees with `tokenizers`
        from transformers import AutoTokenizer
        at = AutoTokenizer.from_pretrained(hf)
        probe = "And it came to pass, that  Jesus\n\nsaid: caf\u00e9 \u2603!"
        log("AutoTokenizer:", type(at).__name__, at(probe)["input_ids"] == tok.encode(probe).ids,
            repr(at.apply_chat_template([{"role": "user", "content": "Hi"}], tokenize=False,
                                        add_generation_prompt=True)))
    except Exception as e:  # informative only
        log("AutoTokenizer check failed:", repr(e))
    log("saved", sorted(os.listdir(hf)))

    # ---- reference: float32 eager from the bf16-rounded weights and buffers
    ref = load_reference_model(hf, dev)
    refj = reference_outputs(ref, tok, hf, args.data, args.fixture_text, L, dev)
    refj["heldout"]["train_loss_fp32_sample"] = final_train_loss
    refj.update({
        "training": {
            "params": n_params, "vocab": V, "steps_total": step, "tokens_seen_total": tokens_seen,
            "tokens_at_best": best[1] * L * B,
            "train_tokens": len(train_ids), "train_seconds": train_time, "best_step": best[1],
            "seq": L, "batch": B, "args": cand["args"] if cand is not None else vars(args),
            "device": torch.cuda.get_device_name(0), "torch": torch.__version__,
            "transformers": __import__("transformers").__version__,
            "tokenizers": __import__("tokenizers").__version__,
        },
    })
    json.dump(refj, open(os.path.join(hf, "reference.json"), "w"), indent=1)
    log("reference:", json.dumps({k: refj[k] for k in ("greedy_text",)}), json.dumps(refj["heldout"])[:900])

    # ---- samples
    with open(os.path.join(args.out, "samples.txt"), "w", encoding="utf-8") as f:
        for p in ["And it came to pass", "In the beginning", "And the LORD spake unto Moses, saying,",
                  "Blessed are", "A fool", "The computer", "Love is",
                  "<start_of_turn>user\nRead me Psalms 23.<end_of_turn>\n<start_of_turn>model\n",
                  "<start_of_turn>user\nTell me a fortune.<end_of_turn>\n<start_of_turn>model\n",
                  "<start_of_turn>user\nWho was Moses?<end_of_turn>\n<start_of_turn>model\n",
                  "<start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\n"]:
            ids = torch.tensor([tok.encode(p).ids], device=dev)
            for mode in ("greedy", "sample"):
                torch.manual_seed(7)
                kw = dict(do_sample=False) if mode == "greedy" else dict(do_sample=True, temperature=0.8, top_k=40)
                with torch.no_grad():
                    o = ref.generate(ids, max_new_tokens=60, pad_token_id=PAD, **kw)
                s = tok.decode(o[0, 1:].tolist())
                f.write(f"--- {mode}: {p!r}\n{s}\n")
                log(f"{mode} {p!r}: {s!r}")
    log(f"done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
