"""The report's one data model, built from a run directory's documented files only.

Reads ``run.json``, ``metrics/<variant>.json``, ``metrics/qa_train/<variant>.jsonl``,
``metrics/generations/<variant>.jsonl``, ``checkpoints/<variant>/{loss_curve,train_result}.json``,
``models/importance.json`` (its documented ``block_influence`` list) and the dataset files.
Anything missing is reported as missing, never invented. Both templates (HTML, Markdown)
render the dict :func:`report_data` returns.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from presstune.evaluate.qa import question_source
from presstune.records import MetricsDocument, metrics_document, read_documents, read_question_rows
from presstune.report import plots
from presstune.report.verdict import verdicts
from presstune.rundir import RunDir, read_jsonl

#: Each variant's metrics document by variant name, the base first.
Metrics = dict[str, MetricsDocument]

#: Fields of a metric that count its sample (shown as the column's n).
N_FIELDS = ("questions", "documents", "articles", "tokens", "samples_per_question", "repeats")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    fmt: str  # int | count | bytes | pct | f3 | ci | num
    #: "higher" / "lower" when a better value exists; None when neither is better (sizes, SE).
    better: str | None = None
    #: Fields shown as n in the column's header.
    n: tuple[str, ...] = ()
    #: Show the base's value beside every other variant's (what fine-tuning changed).
    base_beside: bool = False
    #: Name what the column's questions were written from under its title.
    show_source: bool = False


KNOWLEDGE = [
    Column("qa_train_contains", "Knowledge QA", "pct", "higher", ("questions", "articles")),
    Column("qa_probe_contains", "Probe (withheld QA)", "pct", "higher", ("questions", "articles")),
    Column("qa_contains", "Held-out QA", "pct", "higher", ("questions", "articles")),
    Column("rag_qa_train_contains", "+ RAG", "pct", "higher", ("questions",)),
    Column("retention_contains", "Retention", "pct", "higher", ("questions",)),
]
KNOWLEDGE_DETAIL = [
    *KNOWLEDGE,
    Column("qa_train_exact_match", "Knowledge QA exact", "pct", "higher", ("questions",)),
    Column("qa_probe_exact_match", "Probe exact", "pct", "higher", ("questions",)),
    Column("qa_exact_match", "Held-out QA exact", "pct", "higher", ("questions",)),
    Column("rag_qa_train_exact_match", "+ RAG exact", "pct", "higher", ("questions",)),
    Column("qa_unshared_contains", "Held-out, answer in no train text", "pct", "higher", ("questions",)),
    Column("qa_seen_contains", "Asked as trained", "pct", "higher", ("questions",)),
    # neither longer nor shorter is better; far briefer than the base = answers in another form
    Column("retention_answer_words", "Retention answer words (median)", "num", None, ("questions",), base_beside=True),
    Column("qa_train_answer_logprob_per_token", "Knowledge QA logp/tok", "f3", "higher", ("questions", "tokens")),
    Column("qa_answer_logprob_per_token", "Held-out QA logp/tok", "f3", "higher", ("questions", "tokens")),
]
QUALITY = [
    Column("perplexity_assistant", "PPL assistant", "ci", "lower", ("documents", "tokens")),
    Column("perplexity_text", "PPL text", "ci", "lower", ("documents", "tokens")),
    Column("bpb_assistant", "bpb assistant", "f3", "lower", ("documents", "bytes")),
    Column("bpb_text", "bpb text", "f3", "lower", ("documents", "bytes")),
]
UNCERTAINTY = [
    # Lower semantic entropy is not better: a confidently wrong model has low SE. Its use is
    # flagging wrong answers, which the AUROC next to it measures.
    Column("semantic_entropy", "Semantic entropy", "f3", None, ("questions", "samples_per_question")),
    Column("se_auroc", "SE AUROC (wrong answers)", "f3", "higher", ("questions",)),
    Column("semantic_entropy_discrete", "SE discrete", "f3", None, ("questions", "samples_per_question")),
    Column("se_low_temperature_accuracy", "Low-T accuracy", "pct", "higher", ("questions",)),
]
COST = [
    Column("layers", "Layers", "int"),
    Column("parameters", "Params", "count"),
    Column("disk_bytes", "On disk", "bytes"),
    Column("memory_bytes", "In memory", "bytes"),
    Column("peak_memory", "Peak memory", "bytes"),
    Column("prefill_tokens_per_s", "Prefill tok/s", "num", None, ("prompt_tokens", "repeats")),
    Column("decode_tokens_per_s", "Decode tok/s", "num", None, ("new_tokens", "repeats")),
]
#: The first screen: the trade-off (what each variant learnt, what it kept of the base's general
#: answers and fluency, each with the base's number beside), then what it costs; a verdict line per
#: variant (report.verdict) under its row.
SUMMARY = [
    replace(KNOWLEDGE[0], show_source=True),
    *KNOWLEDGE[1:4],
    replace(KNOWLEDGE[4], title="Retention (general answers)", base_beside=True),
    replace(QUALITY[1], title="Domain PPL (held-out text)", base_beside=True),
    COST[1],
    COST[4],
    COST[6],
]
GROUPS = [
    ("knowledge", "Knowledge", KNOWLEDGE_DETAIL),
    ("quality", "Quality (fluency on held-out text)", QUALITY),
    ("uncertainty", "Uncertainty", UNCERTAINTY),
    ("cost", "Cost", COST),
]

#: One line each under the summary: what the knowledge sets measure.
QA_SETS = [
    (
        "qa_train_",
        "Knowledge QA",
        "closed-book questions about train-split articles, the news the variants were fine-tuned on: did "
        "fine-tuning put it into the weights? Compare each variant with base, which is asked the same questions.",
    ),
    (
        "qa_probe_",
        "Probe",
        "strict extraction: questions about train articles whose QA rows were withheld from training.",
    ),
    (
        "qa_",
        "Held-out QA",
        "the same kind of questions about eval-split articles no variant was trained on: a generalisation / leak "
        "check (the detail table also scores only those whose answer stands in no train article).",
    ),
    ("rag_qa_train_", "+ RAG", "the knowledge questions with retrieved passages from the run's corpus in the prompt."),
    ("retention_", "Retention", "general questions the base model answers: what fine-tuning must not break."),
    (
        "qa_seen_",
        "Asked as trained (detail table)",
        "a diagnostic, not knowledge: the training rows' own QA questions about the same articles, word for word. "
        "High here and low in knowledge QA: the facts are stored, the questions' other wording does not reach them; "
        "low in both: the facts were not stored.",
    ),
]
FACTS_REMARK = " The replica's facts are random per article, so about 0% is the honest value here."

TRAINING_HEADS = [
    "Variant",
    "Method",
    "Steps",
    "Epochs",
    "Tokens seen",
    "Trainable params",
    "Seconds",
    "Final train loss",
    "Best eval loss",
    "Early stop",
    "Resumed at step",
]


# -- values and formatting ------------------------------------------------------------------


def metric_value(metric: Any) -> Any:
    if isinstance(metric, dict):
        if "value" in metric:
            return metric["value"]
        if "peak_bytes" in metric:
            return metric["peak_bytes"]
    return metric


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def format_value(metric: Any, kind: str, with_ci: bool = True) -> str:
    v = _number(metric_value(metric))
    if v is None:
        return "–"
    ci = metric.get("ci95") if isinstance(metric, dict) and with_ci else None
    if kind == "int":
        return f"{int(v)}"
    if kind == "count":
        for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
            if abs(v) >= div:
                return f"{v / div:.2f}{unit}"
        return f"{int(v)}"
    if kind == "bytes":
        for unit, div in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
            if abs(v) >= div:
                return f"{v / div:.2f} {unit}"
        return f"{int(v)} B"
    if kind == "pct":
        text = f"{100 * v:.1f}%"
        return text + (f" [{100 * ci[0]:.0f}–{100 * ci[1]:.0f}]" if ci else "")
    if kind == "f3":
        return f"{v:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
    if kind == "ci":
        text = f"{v:.3g}" if v < 1000 else f"{v:.4g}"
        return text + (f" [{ci[0]:.3g}, {ci[1]:.3g}]" if ci else "")
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def separated_best(metrics: Metrics, column: Column) -> str | None:
    """The variant whose 95% interval lies wholly on the better side of every other's, else None.

    Only columns with a better direction and an interval on every value qualify: a point estimate
    (or overlapping intervals) does not show that one variant is better.
    """
    if column.better is None or len(metrics) < 2:
        return None
    spans = {}
    for name, doc in metrics.items():
        m = doc.metrics.get(column.key)
        v = _number(metric_value(m))
        ci = m.get("ci95") if isinstance(m, dict) else None
        if v is None:
            continue
        if not (isinstance(ci, list | tuple) and len(ci) == 2 and all(_number(x) is not None for x in ci)):
            return None
        spans[name] = (v, float(ci[0]), float(ci[1]))
    if len(spans) < 2:
        return None
    pick = max if column.better == "higher" else min
    best = pick(spans, key=lambda n: spans[n][0])
    _, lo, hi = spans[best]
    others = [s for n, s in spans.items() if n != best]
    if column.better == "higher":
        return best if all(lo > o_hi for _, _, o_hi in others) else None
    return best if all(hi < o_lo for _, o_lo, _ in others) else None


def _sample_sizes(metrics: Metrics, column: Column) -> str:
    """The column's n, e.g. ``questions=10, articles=8`` (values that differ by variant joined by /)."""
    parts = []
    for field in column.n:
        vals = sorted(
            {
                m[field]
                for d in metrics.values()
                if isinstance(m := d.metrics.get(column.key), dict)
                if m.get(field) is not None
            },
            key=str,
        )
        if vals:
            parts.append(f"{field}={'/'.join(str(v) for v in vals)}")
    return ", ".join(parts)


def _definition(metrics: Metrics, key: str) -> str:
    for doc in metrics.values():
        m = doc.metrics.get(key)
        if isinstance(m, dict) and m.get("definition"):
            text = str(m["definition"])
            if m.get("retriever"):
                text += f" (retriever: {m['retriever']})"
            return text
    return ""


def metric_question_source(metric: Any) -> str | None:
    """What a QA metric's questions were written from (its ``question_source``; metrics written
    before that field: the words for its ``source``)."""
    if not isinstance(metric, dict):
        return None
    if metric.get("question_source"):
        return str(metric["question_source"])
    if metric.get("source") == "facts":
        return "fact sheets (facts.jsonl)"
    return question_source(str(metric["source"])) if metric.get("source") else None


def column_source(metrics: Metrics, key: str) -> str:
    """The question source(s) of one column over the variants, joined by " / " if they differ."""
    found = {metric_question_source(d.metrics.get(key)) for d in metrics.values()} - {None}
    return " / ".join(sorted(str(x) for x in found))


def table(
    metrics: Metrics,
    columns: list[Column],
    keep_empty: bool = False,
    with_verdicts: bool = False,
) -> dict[str, Any]:
    """Header cells (title, definition, n, question source) and rows of formatted cells (with the
    base's value beside where the column asks for it, and the variant's verdict line when
    ``with_verdicts``); columns no variant has are left out unless ``keep_empty``."""
    present = [c for c in columns if keep_empty or any(c.key in d.metrics for d in metrics.values())]
    heads = [
        {
            "key": c.key,
            "title": c.title,
            "definition": _definition(metrics, c.key),
            "n": _sample_sizes(metrics, c),
            "source": column_source(metrics, c.key) if c.show_source else "",
        }
        for c in present
    ]
    best = {c.key: separated_best(metrics, c) for c in present}
    base = metrics["base"].metrics if "base" in metrics else {}
    lines = verdicts(metrics) if with_verdicts else {}
    rows = []
    for name, doc in metrics.items():
        cells = []
        for c in present:
            beside = c.base_beside and name != "base" and _number(metric_value(base.get(c.key))) is not None
            cells.append(
                {
                    "text": format_value(doc.metrics.get(c.key), c.fmt),
                    "best": best[c.key] == name,
                    "base": format_value(base.get(c.key), c.fmt, with_ci=False) if beside else "",
                }
            )
        verdict = lines.get(name)
        rows.append(
            {
                "variant": name,
                "kind": doc.source.get("kind", ""),
                "cells": cells,
                "verdict": verdict.text if verdict else "",
            }
        )
    return {"heads": heads, "rows": rows, "missing": [c.title for c in columns if c not in present]}


# -- gathering ------------------------------------------------------------------------------


def load_metrics(run: RunDir, order: list[str]) -> Metrics:
    """Every variant's ``metrics/<variant>.json``, the base first, then ``order``; a file that is
    no JSON object with a ``metrics`` object is left out (the report shows the variant as not
    measured), one whose other fields are wrong is an error naming it."""
    out: Metrics = {}
    for path in sorted(run.metrics.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue
        if isinstance(raw, dict) and isinstance(raw.get("metrics"), dict):
            doc = metrics_document(path, raw)
            m = doc.metrics
            # metrics from before disk_bytes/memory_bytes: checkpoint_bytes was on-disk unless "estimated"
            old = m.get("checkpoint_bytes")
            if "disk_bytes" not in m and isinstance(old, dict) and not old.get("estimated"):
                m["disk_bytes"] = old
            out[path.stem] = doc
    rank = {name: i for i, name in enumerate(["base", *order])}
    return dict(sorted(out.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def qa_set_lines(metrics: Metrics) -> list[str]:
    """One line per QA set: what it measures and its sample, read from the metrics files."""
    lines = []
    for prefix, name, what in QA_SETS:
        found = [m for d in metrics.values() if isinstance(m := d.metrics.get(f"{prefix}contains"), dict)]
        if not found:
            lines.append(f"{name}: {what} Not measured in this run (no {prefix}* metrics).")
            continue
        lines.append(f"{name}: {what}{FACTS_REMARK if _all_facts(prefix, found) else ''} Sample: {_sample(found)}.")
    return lines


def _all_facts(prefix: str, found: list[dict[str, Any]]) -> bool:
    """Held-out questions from the replica's fact sheets (random per article); a user's facts file
    about real articles shares people and places across articles, so there 0% is no rule."""
    return (
        prefix == "qa_"
        and {m.get("source") for m in found} == {"facts"}
        and all(str(m.get("question_source") or "replica").startswith("replica") for m in found)
    )


def _sample(found: list[dict[str, Any]]) -> str:
    def counts(key: str) -> str:
        vals = sorted({m.get(key) for m in found if m.get(key) is not None}, key=str)
        return "/".join(str(v) for v in vals) if vals else "?"

    def given(key: str) -> bool:
        return any(m.get(key) is not None for m in found)

    sample = f"{counts('questions')} questions"
    if given("articles"):
        sample += f" from {counts('articles')} articles"
    sources = sorted({s for m in found if (s := metric_question_source(m)) and m.get("source")})
    if sources:
        sample += f", written from {' / '.join(sources)}"
    if any(m.get("pool_questions") is not None for m in found):
        sample += f", of {counts('pool_questions')} available"
    if any(m.get("ambiguous_questions") for m in found):
        sample += (
            f"; {counts('ambiguous_questions')} of them ambiguous (asked word for word of another article "
            "of the split, with a different answer)"
        )
    if any(m.get("answer_in_question_excluded") for m in found):
        sample += f"; {counts('answer_in_question_excluded')} left out of the pool (the answer stands in the question)"
    if any(m.get("retriever") for m in found):
        sample += f"; retriever {counts('retriever')}"
    return sample


def read_json(path: Path) -> Any:
    """A JSON file's content; None when it is missing or not valid JSON (reported as missing)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _checkpoint_step(path: str) -> int | None:
    try:
        return int(str(path).rstrip("/").rsplit("-", 1)[-1])
    except ValueError:
        return None


def training_rows(run: RunDir, names: list[str]) -> list[dict[str, Any]]:
    """One row per trained variant from ``checkpoints/<v>/train_result.json`` (written last)."""
    rows = []
    for name in names:
        res = read_json(run.checkpoint(name) / "train_result.json")
        if not isinstance(res, dict):
            continue
        resumed = res.get("resumed_from")
        rows.append(
            {
                "variant": name,
                "method": res.get("method"),
                "steps": res.get("global_step"),
                "epochs": res.get("epochs"),
                "tokens": res.get("tokens_seen"),
                "seconds": res.get("train_seconds"),
                "final_train_loss": res.get("final_train_loss"),
                "best_eval_loss": res.get("best_eval_loss"),
                "stopped_early": res.get("stopped_early"),
                "resumed_at_step": _checkpoint_step(resumed) if resumed else None,
                "trainable_params": res.get("trainable_params"),
                "settings": res.get("settings") or {},
            }
        )
    return rows


def training_cells(rows: list[dict[str, Any]]) -> list[list[str]]:
    def num(v: Any, fmt: str) -> str:
        return "–" if v is None else format(v, fmt)

    return [
        [
            str(r["variant"]),
            str(r.get("method") or "–"),
            num(r.get("steps"), ","),
            num(r.get("epochs"), ".2f"),
            num(r.get("tokens"), ","),
            num(r.get("trainable_params"), ","),
            num(r.get("seconds"), ".1f"),
            num(r.get("final_train_loss"), ".4f"),
            num(r.get("best_eval_loss"), ".4f"),
            "yes" if r.get("stopped_early") else "no",
            num(r.get("resumed_at_step"), "d"),
        ]
        for r in rows
    ]


def settings_differences(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Training settings that differ between variants ({key: {variant: value}}); empty = comparable."""
    keys = sorted({k for r in rows for k in r.get("settings", {})})
    diffs = {}
    for key in keys:
        values = {r["variant"]: r.get("settings", {}).get(key) for r in rows}
        if len({json.dumps(v, sort_keys=True, default=str) for v in values.values()}) > 1:
            diffs[key] = values
    return diffs


def loss_curves(run: RunDir, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    curves = {}
    for name in sorted({*names, *(p.name for p in run.checkpoints.glob("*") if p.is_dir())}):
        rows = read_json(run.checkpoint(name) / "loss_curve.json")
        if isinstance(rows, list):
            curves[name] = [r for r in rows if isinstance(r, dict)]
    return curves


def importance_scores(run: RunDir) -> list[float] | None:
    """``block_influence`` of ``models/importance.json`` (one score per layer, documented in
    models/importance.py); None when the file or the list is missing."""
    doc = read_json(run.importance)
    values = doc.get("block_influence") if isinstance(doc, dict) else None
    if isinstance(values, list) and values and all(_number(x) is not None for x in values):
        return [float(x) for x in values]
    return None


def qa_examples(run: RunDir, names: list[str], limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` knowledge questions (the evaluation's seeded subsample, in its order:
    not chosen by result) with the gold answer, its other accepted forms, and each variant's
    answer and whether it was scored right."""
    by_question: dict[tuple[Any, str], dict[str, Any]] = {}
    for name in names:
        for row in read_question_rows(run.metric_rows("qa_train", name)):
            key = (row.get("article_id"), str(row.get("question")))
            # the documented row: gold + answer; rows written before that name them answer + prediction
            gold, answer = (
                (row.get("gold"), row.get("answer")) if "gold" in row else (row.get("answer"), row.get("prediction"))
            )
            aliases = [str(a) for a in row.get("aliases") or []]
            entry = by_question.setdefault(key, {"question": key[1], "gold": gold, "aliases": aliases, "answers": {}})
            entry["answers"][name] = {"text": str(answer or ""), "correct": bool(row.get("contains_answer"))}
    return list(by_question.values())[:limit]


def generations_by_prompt(run: RunDir, variants: list[str], limit: int) -> list[dict[str, Any]]:
    prompts: dict[str, dict[str, Any]] = {}
    for name in variants:
        for row in read_jsonl(run.metric_rows("generations", name)):
            entry = prompts.setdefault(
                str(row.get("prompt_id")),
                {"prompt": prompt_text(row.get("prompt")), "reference": str(row.get("reference") or ""), "outputs": {}},
            )
            entry["outputs"][name] = str(row.get("output") or "")
    return [{"prompt_id": k, **v} for k, v in prompts.items()][:limit]


def prompt_text(prompt: Any) -> str:
    if isinstance(prompt, list):
        return "\n".join(f"[{m.get('role')}] {m.get('content')}" for m in prompt if m.get("role") != "system")
    return str(prompt or "")


def data_counts(run: RunDir) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for name in ("train", "eval"):
        path = run.dataset / f"{name}.jsonl"
        if path.is_file():
            counts[f"{name}_rows"] = len(read_jsonl(path))
    docs = read_documents(run.documents)
    if docs:
        counts["documents"] = len(docs)
        counts["eval_documents"] = sum(1 for d in docs if d.get("split") == "eval")
    if run.articles.is_file():
        counts["articles_collected"] = len(read_jsonl(run.articles))
    stats = run.dataset_stats
    if stats.is_file():
        try:
            counts["stats.json"] = json.loads(stats.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            pass
    return counts


def demo_banner(manifest: dict[str, Any], metrics: Metrics) -> str | None:
    cfg = manifest.get("config") or {}
    params = [_number(metric_value(m.metrics.get("parameters"))) for m in metrics.values()]
    largest = max((p for p in params if p is not None), default=None)
    flagged = (
        manifest.get("demo")
        or manifest.get("demo_scale")
        or "demo" in str((cfg.get("run") or {}).get("name", "")).lower()
        or (cfg.get("model") or {}).get("random_init")
    )
    if flagged or (largest is not None and largest < 50_000_000):
        size = f" (largest variant: {format_value(largest, 'count')} parameters)" if largest else ""
        return (
            f"DEMO SCALE{size}: a tiny model on a small corpus. These numbers show that the pipeline works; "
            "they say nothing about the quality of a real model."
        )
    return None


def size_points(metrics: Metrics) -> list[dict[str, Any]]:
    """Per variant: parameters, knowledge QA (with interval) and perplexity, for the quality/size plot."""
    points = []
    for name, doc in metrics.items():
        m = doc.metrics
        params = _number(metric_value(m.get("parameters")))
        if params is None:
            continue
        know = found if isinstance(found := m.get("qa_train_contains"), dict) else {}
        ppl = found if isinstance(found := m.get("perplexity_text"), dict) else {}
        points.append(
            {
                "variant": name,
                "parameters": params,
                "knowledge": _number(know.get("value")),
                "knowledge_ci": know.get("ci95"),
                "rag": _number(metric_value(m.get("rag_qa_train_contains"))),
                "perplexity": _number(ppl.get("value")),
                "perplexity_ci": ppl.get("ci95"),
            }
        )
    return points


def report_data(run: RunDir, title: str | None = None) -> dict[str, Any]:
    """Everything both templates render (plots as PNG bytes, drawn by report.plots)."""
    manifest = run.read_manifest()
    cfg = manifest.get("config") or {}
    rcfg = cfg.get("report") or {}
    order = [v["name"] for v in cfg.get("variants") or [] if isinstance(v, dict) and v.get("name")]
    metrics = load_metrics(run, order)
    names = list(metrics) or ["base", *order]
    curves = loss_curves(run, names)
    training = training_rows(run, [n for n in names if n != "base"] or sorted(curves))
    resumed = {r["variant"]: r["resumed_at_step"] for r in training if r.get("resumed_at_step") is not None}
    scores = importance_scores(run)
    devices = sorted({str(d.device) for d in metrics.values() if d.device})
    return {
        "title": title or rcfg.get("title") or "presstune report",
        "run_name": (cfg.get("run") or {}).get("name") or run.path.name,
        "generated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "banner": demo_banner(manifest, metrics),
        "metrics_found": bool(metrics),
        "summary": table(metrics, SUMMARY, with_verdicts=True),
        "knowledge_source": column_source(metrics, "qa_train_contains"),
        "qa_sets": qa_set_lines(metrics) if metrics else [],
        "groups": [{"id": gid, "title": gtitle, **table(metrics, cols)} for gid, gtitle, cols in GROUPS],
        "devices": ", ".join(devices) or "unknown",
        "errors": {n: d.errors for n, d in metrics.items() if d.errors},
        "training": training,
        "training_heads": TRAINING_HEADS,
        "training_cells": training_cells(training),
        "settings_diff": settings_differences(training),
        "qa_examples": qa_examples(run, names, int(rcfg.get("qa_examples", 6))),
        "variants": names,
        "generations": generations_by_prompt(run, names, int(rcfg.get("max_prompts", 8))),
        "clip": int(rcfg.get("clip_chars", 1200)),
        "counts": data_counts(run),
        "manifest": manifest,
        "plots": {
            "quality_size": plots.quality_size_plot(size_points(metrics)),
            "loss": plots.loss_plot(curves, resumed),
            # the models stage draws its own plot (models/importance.png); drawn here only when absent
            "importance": (
                run.importance_plot.read_bytes()
                if run.importance_plot.is_file()
                else (plots.importance_plot(scores) if scores else None)
            ),
        },
    }
