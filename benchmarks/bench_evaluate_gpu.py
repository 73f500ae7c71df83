"""Evaluation throughput on the Qwen3-8B architecture (random weights), side by side in one run.

    python benchmarks/bench_evaluate_gpu.py --out $OUT            # one CUDA GPU, bf16
    python benchmarks/bench_evaluate_gpu.py --tiny --out /tmp/b   # CPU smoke run of this script

1. Perplexity: presstune's scorer (``presstune.evaluate.perplexity.score_documents``: windows
   of 4096 with stride 2048, length-sorted dynamic batches, chunked lm_head, float64
   accumulation) on synthetic documents of mixed lengths (most shorter than the window, some
   longer), vs the plain forward rate of the same model at batch 1 x 4096 (``model(input_ids)``
   with full logits). Reported: scored tokens/s and processed (forward) tokens/s.
2. Semantic-entropy sampling: presstune's ``generate_chat`` (all N samples of a question in one
   ``generate`` call with ``num_return_sequences=N``, questions batched) vs a seed-style loop
   (one ``generate`` call per sample); same prompts, same N, same max_new_tokens; sequences/s.
   The seed-style loop runs on a subset of the questions (it is a rate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import torch


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def build(tiny: bool):
    from presstune.config.models import ModelConfig
    from presstune.models.loading import load_base_model

    if tiny:
        from transformers import Qwen3Config, Qwen3ForCausalLM

        torch.manual_seed(0)
        return Qwen3ForCausalLM(
            Qwen3Config(
                vocab_size=2048,
                hidden_size=64,
                intermediate_size=128,
                num_hidden_layers=4,
                num_attention_heads=4,
                num_key_value_heads=2,
                head_dim=16,
            )
        ).eval()
    return load_base_model(
        ModelConfig(
            name_or_path="Qwen/Qwen3-8B", random_init=True, dtype="bfloat16", device="cuda", attn_implementation="sdpa"
        )
    ).eval()


def plain_forward_rate(model, seq: int, repeats: int) -> float:
    device = next(model.parameters()).device
    x = torch.randint(0, model.config.vocab_size, (1, seq), device=device)
    times = []
    with torch.inference_mode():
        for i in range(repeats + 2):
            sync()
            t0 = time.perf_counter()
            model(input_ids=x, use_cache=False)
            sync()
            if i >= 2:
                times.append(time.perf_counter() - t0)
    return seq / statistics.median(times)


def perplexity_rate(model, tiny: bool, batch_size: int = 8, max_batch_tokens: int = 32768) -> dict:
    from presstune.evaluate.perplexity import ScoredDoc, plan_windows, score_documents

    window, stride = (256, 128) if tiny else (4096, 2048)
    g = torch.Generator().manual_seed(1)
    lengths = (
        ([40, 90, 150, 200, 255, 300, 600] * 3)
        if tiny
        else ([600, 900, 1200, 1500, 1800, 2400, 3000, 3600, 4096] * 6 + [6000, 9000, 12000] * 2)
    )
    docs = [
        ScoredDoc(f"d{i}", torch.randint(0, model.config.vocab_size, (n,), generator=g).tolist())
        for i, n in enumerate(lengths)
    ]
    scored = sum(n - 1 for n in lengths)
    processed = sum(end - start for n in lengths for start, end, _ in plan_windows(n, window, stride))
    kwargs = dict(
        window=window, stride=stride, batch_size=batch_size, max_batch_tokens=max_batch_tokens, logits_chunk=1024
    )
    score_documents(model, docs[:4], **kwargs)  # warm-up
    runs = []
    for _ in range(2):
        sync()
        t0 = time.perf_counter()
        nll, count = score_documents(model, docs, **kwargs)
        sync()
        runs.append(time.perf_counter() - t0)
    assert int(count.sum()) == scored
    seconds = min(runs)
    return {
        "batch_size": batch_size,
        "max_batch_tokens": max_batch_tokens,
        "documents": len(docs),
        "scored_tokens": scored,
        "processed_tokens": processed,
        "seconds": seconds,
        "scored_per_s": scored / seconds,
        "processed_per_s": processed / seconds,
    }


def sampling_rates(model, tiny: bool, n_samples: int, questions: int, seed_questions: int, new_tokens: int) -> dict:
    from presstune.evaluate.generation import generate_chat
    from presstune.models.tinybase import train_tokenizer

    tokenizer = train_tokenizer(
        [f"Question {i}: what is the power of model {i} in kW?" for i in range(200)], vocab_size=400
    )
    prompts = [
        [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": f"Question {i}: what is the power of model {i} in kW?"},
        ]
        for i in range(questions)
    ]
    # random weights rarely emit the end-of-turn token: every sample runs to max_new_tokens on both sides
    generate_chat(model, tokenizer, prompts[:1], max_new_tokens=4, num_return_sequences=2, temperature=1.0, seed=0)
    sync()
    t0 = time.perf_counter()
    batched = generate_chat(
        model,
        tokenizer,
        prompts,
        max_new_tokens=new_tokens,
        batch_size=8,
        num_return_sequences=n_samples,
        temperature=1.0,
        seed=0,
    )
    sync()
    t_batched = time.perf_counter() - t0
    n_batched = sum(len(g) for g in batched)
    tok_batched = sum(len(s.ids) for g in batched for s in g)
    sync()
    t0 = time.perf_counter()
    n_loop = tok_loop = 0
    for p in prompts[:seed_questions]:
        for k in range(n_samples):  # the seed: one generate call per sample
            ((sample,),) = generate_chat(
                model,
                tokenizer,
                [p],
                max_new_tokens=new_tokens,
                batch_size=1,
                num_return_sequences=1,
                temperature=1.0,
                seed=k,
            )
            n_loop += 1
            tok_loop += len(sample.ids)
    sync()
    t_loop = time.perf_counter() - t0
    return {
        "samples_per_question": n_samples,
        "new_tokens": new_tokens,
        "batched": {
            "questions": questions,
            "sequences": n_batched,
            "tokens": tok_batched,
            "seconds": t_batched,
            "sequences_per_s": n_batched / t_batched,
        },
        "seed_loop": {
            "questions": seed_questions,
            "sequences": n_loop,
            "tokens": tok_loop,
            "seconds": t_loop,
            "sequences_per_s": n_loop / t_loop,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tiny", action="store_true")
    args = parser.parse_args()
    import transformers

    model = build(args.tiny)
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    head = (
        f"Machine: {gpu}; torch {torch.__version__}, transformers {transformers.__version__}; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    seq = 256 if args.tiny else 4096
    forward = plain_forward_rate(model, seq, repeats=3 if args.tiny else 10)
    print(f"plain forward bs1x{seq}: {forward:,.0f} tok/s", flush=True)
    ppl = perplexity_rate(model, args.tiny)
    print(json.dumps(ppl), flush=True)
    # a larger batch (the config's batch_size / max_batch_tokens), to see whether batching limits it
    ppl_big = perplexity_rate(model, args.tiny, batch_size=16, max_batch_tokens=65536)
    print(json.dumps(ppl_big), flush=True)
    se = sampling_rates(
        model, args.tiny, n_samples=10, questions=16, seed_questions=2, new_tokens=16 if args.tiny else 64
    )
    print(json.dumps(se), flush=True)
    ratio_se = se["batched"]["sequences_per_s"] / se["seed_loop"]["sequences_per_s"]
    window, stride = (256, 128) if args.tiny else (4096, 2048)
    se_what = (
        f"{se['samples_per_question']} samples x {se['batched']['questions']} questions, "
        f"{se['new_tokens']} new tokens; "
        f"seed loop on {se['seed_loop']['questions']} questions"
    )
    rows = [
        (
            f"perplexity, scored tokens/s (window {window}, stride {stride}, {ppl['documents']} docs, "
            f"{ppl['scored_tokens']:,} tokens) vs plain forward bs1x{seq}",
            f"{ppl['scored_per_s']:,.0f}",
            f"{forward:,.0f}",
            f"{ppl['scored_per_s'] / forward:.2f}x",
            ">= 0.8x",
        ),
        (
            "perplexity, scored tokens/s, batch 16 / max 65,536 tokens per batch (default: 8 / 32,768)",
            f"{ppl_big['scored_per_s']:,.0f}",
            f"{forward:,.0f}",
            f"{ppl_big['scored_per_s'] / forward:.2f}x",
            ">= 0.8x",
        ),
        (
            f"perplexity, processed (forward) tokens/s incl. window overlap ({ppl['processed_tokens']:,})",
            f"{ppl['processed_per_s']:,.0f}",
            f"{forward:,.0f}",
            f"{ppl['processed_per_s'] / forward:.2f}x",
            "",
        ),
        (
            f"semantic-entropy sampling, sequences/s ({se_what})",
            f"{se['batched']['sequences_per_s']:,.2f}",
            f"{se['seed_loop']['sequences_per_s']:,.2f}",
            f"{ratio_se:.1f}x",
            ">= 10x",
        ),
    ]
    table = "\n".join("| " + " | ".join(r) + " |" for r in rows)
    text = f"""{head}

| measurement | presstune | reference | ratio | goal |
|---|---:|---:|---:|---:|
{table}
"""
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_evaluate.md").write_text(text)
    (args.out / "bench_evaluate.json").write_text(
        json.dumps(
            {
                "machine": head,
                "forward_tok_s": forward,
                "perplexity": ppl,
                "perplexity_batch16": ppl_big,
                "sampling": se,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
