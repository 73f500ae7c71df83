"""Build ``report/index.html`` (self-contained: inline CSS, plots as base64 data URIs) and
``report/README.md`` (plots under ``report/plots/``) from a run directory's files.

Reads only files: ``run.json``, ``metrics/<variant>.json``, ``metrics/generations/*.jsonl``,
``checkpoints/<variant>/loss_curve.json``, ``models/importance.json`` (+ ``importance.png``),
``dataset/stats.json`` or the dataset files. Anything missing is reported as missing, never
invented.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
from pathlib import Path
from typing import Any

from presstune.rundir import RunDir, atomic_write_bytes, atomic_write_text, read_jsonl

#: (metric key, column title, formatter name, lower is better?)
COLUMNS: list[tuple[str, str, str, bool | None]] = [
    ("layers", "Layers", "int", None),
    ("parameters", "Params", "count", None),
    ("checkpoint_bytes", "Size", "bytes", None),
    ("prefill_tokens_per_s", "Prefill tok/s", "num", False),
    ("decode_tokens_per_s", "Decode tok/s", "num", False),
    ("peak_memory", "Peak mem", "bytes", True),
    ("perplexity_assistant", "PPL assistant", "ci", True),
    ("perplexity_text", "PPL text", "ci", True),
    ("bpb_text", "bpb text", "f3", True),
    ("semantic_entropy", "SE", "f3", True),
    ("semantic_entropy_discrete", "SE discrete", "f3", True),
    ("qa_train_contains", "Knowledge QA contains", "pct", False),
    ("qa_train_exact_match", "Knowledge QA exact", "pct", False),
    ("qa_train_answer_logprob_per_token", "Knowledge QA logp/tok", "f3", False),
    ("qa_contains", "Held-out QA contains", "pct", False),
    ("qa_exact_match", "Held-out QA exact", "pct", False),
    ("qa_answer_logprob_per_token", "Held-out QA logp/tok", "f3", False),
]

#: (metric prefix, name, what the set measures, remark when its source is the replica's fact
#: sheets): one line each under the variants table.
QA_SETS: list[tuple[str, str, str, str]] = [
    (
        "qa_train_",
        "Knowledge QA",
        "closed-book questions about train-split articles, the news the variants were fine-tuned on: did "
        "fine-tuning put it into the weights? Compare each variant with base, which is asked the same questions.",
        "",
    ),
    (
        "qa_",
        "Held-out QA",
        "the same kind of questions about eval-split articles no variant was trained on: a generalisation / leak "
        "check.",
        " The replica's facts are random per article, so about 0% is the honest value here.",
    ),
]


def _value(metric: Any) -> Any:
    if isinstance(metric, dict):
        if "value" in metric:
            return metric["value"]
        if "peak_bytes" in metric:
            return metric["peak_bytes"]
    return metric


def _fmt(metric: Any, kind: str) -> str:
    v = _value(metric)
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
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
        return f"{100 * v:.1f}%"
    if kind == "f3":
        return f"{v:.3f}"
    if kind == "ci":
        ci = metric.get("ci95") if isinstance(metric, dict) else None
        text = f"{v:.3g}" if v < 1000 else f"{v:.4g}"
        return text + (f" [{ci[0]:.3g}, {ci[1]:.3g}]" if ci else "")
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def load_metrics(run: RunDir, order: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((run / "metrics").glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue
        if isinstance(doc, dict) and "metrics" in doc:
            out[path.stem] = doc
    rank = {name: i for i, name in enumerate(["base", *order])}
    return dict(sorted(out.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


# -- plots ----------------------------------------------------------------------------------


def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _loss(row: dict[str, Any]) -> Any:
    # the trainer exports "train_loss"; older/other exports may call it "loss"
    return row.get("train_loss", row.get("loss"))


def training_rows(run: RunDir, names: list[str]) -> list[dict[str, Any]]:
    """One row per trained variant from ``checkpoints/<v>/train_result.json`` (written last)."""
    rows = []
    for name in names:
        path = run / "checkpoints" / name / "train_result.json"
        if not path.is_file():
            continue
        try:
            res = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
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


def settings_differences(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Training settings that differ between variants ({key: {variant: value}}); empty = comparable."""
    keys = sorted({k for r in rows for k in r.get("settings", {})})
    diffs = {}
    for key in keys:
        values = {r["variant"]: r.get("settings", {}).get(key) for r in rows}
        if len({json.dumps(v, sort_keys=True, default=str) for v in values.values()}) > 1:
            diffs[key] = values
    return diffs


def _checkpoint_step(path: str) -> int | None:
    try:
        return int(str(path).rstrip("/").rsplit("-", 1)[-1])
    except ValueError:
        return None


def loss_plot(curves: dict[str, list[dict[str, Any]]], resumed: dict[str, int] | None = None) -> bytes | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not curves:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name, rows in curves.items():
        train = [(r["step"], _loss(r)) for r in rows if _loss(r) is not None and r.get("step") is not None]
        evals = [
            (r["step"], r["eval_loss"]) for r in rows if r.get("eval_loss") is not None and r.get("step") is not None
        ]
        color = None
        if train:
            color = axes[0].plot(*zip(*train), label=name)[0].get_color()
        if evals:
            color = axes[1].plot(*zip(*evals), marker="o", label=name, color=color)[0].get_color()
        step = (resumed or {}).get(name)
        if step is not None:
            # a killed run resumed here: the curve continues from this checkpoint
            for ax in axes:
                ax.axvline(step, color=color, linestyle=":", linewidth=1)
            axes[0].annotate(
                f"{name} resumed",
                (step, 0.98),
                xycoords=("data", "axes fraction"),
                fontsize=7,
                rotation=90,
                va="top",
                ha="right",
                color=color,
            )
    for ax, title in zip(axes, ("training loss", "eval loss")):
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.set_ylabel("loss (nats/token)")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    data = _png(fig)
    plt.close(fig)
    return data


def _importance_values(doc: Any) -> list[float] | None:
    """Per-layer scores from models/importance.json (tolerant of its layout)."""
    if isinstance(doc, list) and doc and all(isinstance(x, (int, float)) for x in doc):
        return [float(x) for x in doc]
    if isinstance(doc, dict):
        for key in ("angular_distance", "block_influence", "importance", "scores", "layers", "per_layer"):
            vals = doc.get(key)
            if isinstance(vals, list) and vals:
                if all(isinstance(x, (int, float)) for x in vals):
                    return [float(x) for x in vals]
                if all(isinstance(x, dict) for x in vals):
                    for sub in ("score", "importance", "block_influence", "angular_distance"):
                        if all(isinstance(x.get(sub), (int, float)) for x in vals):
                            return [float(x[sub]) for x in vals]
    return None


def importance_plot(values: list[float]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 3.5))
    ax.bar(range(len(values)), values)
    ax.set_xlabel("layer")
    ax.set_ylabel("importance")
    ax.set_title("layer importance")
    data = _png(fig)
    plt.close(fig)
    return data


# -- data gathering -------------------------------------------------------------------------


def data_counts(run: RunDir) -> dict[str, Any]:
    stats = run / "dataset" / "stats.json"
    counts: dict[str, Any] = {}
    for name in ("train", "eval"):
        path = run / "dataset" / f"{name}.jsonl"
        if path.is_file():
            counts[f"{name}_rows"] = len(read_jsonl(path))
    docs = read_jsonl(run / "dataset" / "documents.jsonl")
    if docs:
        counts["documents"] = len(docs)
        counts["eval_documents"] = sum(1 for d in docs if d.get("split") == "eval")
    articles = run / "articles.jsonl"
    if articles.is_file():
        counts["articles_collected"] = len(read_jsonl(articles))
    if stats.is_file():
        try:
            counts["stats.json"] = json.loads(stats.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            pass
    return counts


def generations_by_prompt(run: RunDir, variants: list[str]) -> list[dict[str, Any]]:
    prompts: dict[str, dict[str, Any]] = {}
    for name in variants:
        for row in read_jsonl(run / "metrics" / "generations" / f"{name}.jsonl"):
            entry = prompts.setdefault(
                str(row.get("prompt_id")),
                {"prompt": row.get("prompt"), "reference": row.get("reference", ""), "outputs": {}},
            )
            entry["outputs"][name] = row.get("output", "")
    return [{"prompt_id": k, **v} for k, v in prompts.items()]


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, list):
        return "\n".join(f"[{m.get('role')}] {m.get('content')}" for m in prompt if m.get("role") != "system")
    return str(prompt or "")


def demo_banner(manifest: dict[str, Any], metrics: dict[str, dict[str, Any]]) -> str | None:
    cfg = manifest.get("config") or {}
    params = [_value(m["metrics"].get("parameters")) for m in metrics.values() if m["metrics"].get("parameters")]
    largest = max((p for p in params if isinstance(p, (int, float))), default=None)
    flagged = (
        manifest.get("demo")
        or manifest.get("scale") == "demo"
        or "demo" in str(cfg.get("run", {}).get("name", "")).lower()
        or (cfg.get("model") or {}).get("random_init")
    )
    if flagged or (largest is not None and largest < 50_000_000):
        size = f" (largest variant: {_fmt(largest, 'count')} parameters)" if largest else ""
        return (
            f"DEMO SCALE{size}: a tiny model on a small corpus. These numbers show that the pipeline works; "
            "they say nothing about the quality of a real model."
        )
    return None


# -- rendering ------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1480px;color:#1d232a;padding:0 1rem}
h1{margin-bottom:.2rem} h2{border-bottom:2px solid #e3e7eb;padding-bottom:.3rem;margin-top:2.2rem}
.banner{background:#fff3cd;border:2px solid #e0a800;color:#6b4e00;padding:.8rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0}
table{border-collapse:collapse;width:100%;font-size:.86rem;margin:.6rem 0}
.wide{overflow-x:auto} #variants{font-size:.78rem}
th,td{border:1px solid #d5dbe1;padding:.35rem .5rem;text-align:right;vertical-align:top}
th{background:#f2f5f8;position:sticky;top:0} td.name,th.name{text-align:left;font-weight:600}
td.best{background:#e3f6e8;font-weight:600}
table.gen td{text-align:left;white-space:pre-wrap;font-size:.8rem;max-width:28rem}
.muted{color:#66717d;font-size:.85rem} img{max-width:100%;border:1px solid #e3e7eb}
pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.78rem;max-height:28rem}
details{margin:.4rem 0} dl.defs dt{font-weight:600;margin-top:.4rem} dl.defs dd{margin-left:1rem}
"""


def _best(metrics: dict[str, dict[str, Any]], key: str, lower: bool | None) -> str | None:
    if lower is None or len(metrics) < 2:
        return None
    vals = {n: _value(d["metrics"].get(key)) for n, d in metrics.items()}
    vals = {n: v for n, v in vals.items() if isinstance(v, (int, float)) and math.isfinite(v)}
    if len(vals) < 2:
        return None
    best = (min if lower else max)(vals.values())
    winners = [n for n, v in vals.items() if v == best]
    return winners[0] if len(winners) == 1 else None  # a tie marks nobody


def _table_rows(metrics: dict[str, dict[str, Any]]) -> list[list[str]]:
    rows = []
    for name, doc in metrics.items():
        kind = (doc.get("source") or {}).get("kind", "")
        rows.append([name, kind, *[_fmt(doc["metrics"].get(k), f) for k, _, f, _ in COLUMNS]])
    return rows


def _definitions(metrics: dict[str, dict[str, Any]]) -> dict[str, str]:
    defs: dict[str, str] = {}
    for doc in metrics.values():
        for key, m in doc["metrics"].items():
            if isinstance(m, dict) and m.get("definition") and key not in defs:
                sizes = ", ".join(
                    f"{k}={m[k]}"
                    for k in ("tokens", "documents", "questions", "articles", "bytes", "samples_per_question")
                    if k in m
                )
                defs[key] = m["definition"] + (f" (sample: {sizes})" if sizes else "")
    return defs


def qa_set_lines(metrics: dict[str, dict[str, Any]]) -> list[str]:
    """One line per QA set: what it measures and its sample (questions, articles, source), read
    from the metrics files; a set no variant has is said to be missing."""
    lines = []
    for prefix, name, what, facts_remark in QA_SETS:
        found = [d["metrics"].get(f"{prefix}contains") for d in metrics.values()]
        found = [m for m in found if isinstance(m, dict)]
        if not found:
            lines.append(f"{name}: {what} Not measured in this run (no {prefix}* metrics).")
            continue

        def counts(key: str) -> str:
            vals = sorted({m.get(key) for m in found if m.get(key) is not None})
            return "/".join(str(v) for v in vals) if vals else "?"

        sample = f"{counts('questions')} questions from {counts('articles')} articles, source {counts('source')}"
        if any(m.get("pool_questions") is not None for m in found):
            sample += f", of {counts('pool_questions')} available"
        if any(m.get("ambiguous_questions") for m in found):
            sample += (
                f"; {counts('ambiguous_questions')} of them ambiguous (asked word for word of another article "
                "of the split, with a different answer)"
            )
        remark = facts_remark if {m.get("source") for m in found} == {"facts"} else ""
        lines.append(f"{name}: {what}{remark} Sample: {sample}.")
    return lines


def render_html(title: str, ctx: dict[str, Any]) -> str:
    e = html.escape
    metrics = ctx["metrics"]
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
        f"<style>{CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p class='muted'>Run <code>{e(ctx['run_name'])}</code> · generated {e(ctx['generated'])}</p>",
    ]
    if ctx["banner"]:
        parts.append(f"<div class='banner' id='demo-banner'>{e(ctx['banner'])}</div>")
    parts.append("<h2>Variants</h2>")
    if metrics:
        head = "".join(f"<th>{e(t)}</th>" for _, t, _, _ in COLUMNS)
        # 20+ columns: the table scrolls sideways inside the page instead of running off it
        parts.append(
            f"<div class='wide'><table id='variants'><thead><tr><th class='name'>Variant</th><th class='name'>Kind</th>{head}</tr></thead><tbody>"
        )
        best = {k: _best(metrics, k, lower) for k, _, _, lower in COLUMNS}
        for row, name in zip(_table_rows(metrics), metrics):
            cells = [f"<td class='name'>{e(row[0])}</td>", f"<td class='name'>{e(row[1])}</td>"]
            for (key, _, _, _), cell in zip(COLUMNS, row[2:]):
                cls = " class='best'" if best.get(key) == name else ""
                cells.append(f"<td{cls}>{e(cell)}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(
            "</tbody></table></div><p class='muted'>Green = best of the column. PPL with bootstrap 95% interval "
            "over documents. Speed and memory measured identically for every variant "
            f"(device: {e(', '.join(sorted({str(d.get('device')) for d in metrics.values()})))}).</p>"
        )
        parts.append(
            "<ul class='muted' id='qa-sets'>"
            + "".join(f"<li>{e(line)}</li>" for line in qa_set_lines(metrics))
            + "</ul>"
        )
        defs = _definitions(metrics)
        parts.append(
            "<details><summary>Definitions and sample sizes</summary><dl class='defs'>"
            + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in defs.items())
            + "</dl></details>"
        )
        errs = {n: d.get("errors") for n, d in metrics.items() if d.get("errors")}
        if errs:
            parts.append(
                "<details><summary>Evaluation warnings</summary><ul>"
                + "".join(f"<li><b>{e(n)}</b>: {e(x)}</li>" for n, xs in errs.items() for x in xs)
                + "</ul></details>"
            )
    else:
        parts.append("<p>No metrics found (run <code>presstune evaluate</code> first).</p>")
    parts.append("<h2>Training</h2>")
    if ctx["training"]:
        heads = [
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
        parts.append(
            "<table id='training'><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr></thead><tbody>"
        )
        for row in _training_cells(ctx["training"]):
            parts.append(
                "<tr>"
                + "".join(f"<td{' class=name' if i < 2 else ''}>{e(c)}</td>" for i, c in enumerate(row))
                + "</tr>"
            )
        parts.append("</tbody></table>")
        diffs = settings_differences(ctx["training"])
        if diffs:
            parts.append(
                "<p><b>Training settings differ between variants:</b></p><ul id='settings-diff'>"
                + "".join(f"<li><code>{e(k)}</code>: {e(json.dumps(v, default=str))}</li>" for k, v in diffs.items())
                + "</ul>"
            )
        else:
            parts.append(
                f"<p class='muted' id='settings-same'>All {len(ctx['training'])} variants were trained with identical "
                "settings (train_result.json); only the model differs. Loss in nats per scored token.</p>"
            )
    else:
        parts.append("<p class='muted'>No training results found (checkpoints/*/train_result.json).</p>")
    for heading, key, missing in (
        ("Training and eval loss", "loss_png", "No loss curves found (checkpoints/*/loss_curve.json)."),
        ("Layer importance", "importance_png", "No layer importance found (models/importance.json)."),
    ):
        parts.append(f"<h2>{heading}</h2>")
        if ctx.get(key):
            b64 = base64.b64encode(ctx[key]).decode()
            parts.append(f"<img alt='{e(heading)}' src='data:image/png;base64,{b64}'>")
        else:
            parts.append(f"<p class='muted'>{e(missing)}</p>")
    parts.append("<h2>Generations</h2>")
    gens = ctx["generations"]
    if gens:
        names = list(metrics) or sorted({n for g in gens for n in g["outputs"]})
        parts.append(
            "<table class='gen' id='generations'><thead><tr><th>Prompt</th><th>Reference</th>"
            + "".join(f"<th>{e(n)}</th>" for n in names)
            + "</tr></thead><tbody>"
        )
        for g in gens:
            parts.append(
                "<tr>"
                + f"<td>{e(_prompt_text(g['prompt']))}</td><td>{e(_clip(g['reference'], ctx['clip']))}</td>"
                + "".join(f"<td>{e(_clip(g['outputs'].get(n, '–'), ctx['clip']))}</td>" for n in names)
                + "</tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append("<p class='muted'>No generations found.</p>")
    parts.append("<h2>Provenance</h2>")
    for label, obj in (
        ("Data counts", ctx["counts"]),
        ("Hardware", ctx["manifest"].get("hardware")),
        ("Versions", ctx["manifest"].get("versions")),
        ("Stages", ctx["manifest"].get("stages")),
        ("Configuration", ctx["manifest"].get("config")),
    ):
        parts.append(
            f"<details{' open' if label == 'Data counts' else ''}><summary>{e(label)}</summary>"
            f"<pre>{e(json.dumps(obj, indent=2, ensure_ascii=False, default=str))}</pre></details>"
        )
    parts.append(f"<p class='muted'>git commit: {e(str(ctx['manifest'].get('git_commit')))}</p></body></html>")
    return "\n".join(parts)


def _training_cells(rows: list[dict[str, Any]]) -> list[list[str]]:
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


def _clip(text: str, limit: int = 1200) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[:limit] + " …"


def render_markdown(title: str, ctx: dict[str, Any]) -> str:
    metrics = ctx["metrics"]
    lines = [f"# {title}", "", f"Run `{ctx['run_name']}`, generated {ctx['generated']}.", ""]
    if ctx["banner"]:
        lines += [f"> **{ctx['banner']}**", ""]
    lines += ["## Variants", ""]
    if metrics:
        heads = ["Variant", "Kind", *[t for _, t, _, _ in COLUMNS]]
        lines += ["| " + " | ".join(heads) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * len(COLUMNS)) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in _table_rows(metrics)]
        lines += ["", *[f"- {line}" for line in qa_set_lines(metrics)]]
        lines += ["", "Definitions and sample sizes:", ""]
        lines += [f"- **{k}**: {v}" for k, v in _definitions(metrics).items()]
    else:
        lines.append("No metrics found.")
    lines += ["", "## Training", ""]
    if ctx["training"]:
        heads = [
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
        lines += ["| " + " | ".join(heads) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(heads) - 2)) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in _training_cells(ctx["training"])]
        diffs = settings_differences(ctx["training"])
        lines += [
            "",
            (
                "Training settings differ between variants: "
                + "; ".join(f"`{k}`: {json.dumps(v, default=str)}" for k, v in diffs.items())
            )
            if diffs
            else f"All {len(ctx['training'])} variants were trained with identical settings; only the model differs.",
        ]
    else:
        lines.append("No training results found.")
    lines += [
        "",
        "## Training and eval loss",
        "",
        "![loss curves](plots/loss.png)" if ctx.get("loss_png") else "No loss curves found.",
        "",
        "## Layer importance",
        "",
        "![layer importance](plots/importance.png)" if ctx.get("importance_png") else "No layer importance found.",
        "",
        "## Generations",
        "",
    ]
    for g in ctx["generations"]:
        lines += [f"### Prompt {g['prompt_id']}", "", "```text", _prompt_text(g["prompt"]), "```", ""]
        for name, out in [("reference", g["reference"]), *g["outputs"].items()]:
            lines += [f"**{name}**:", "", "```text", _clip(out, ctx["clip"] // 2), "```", ""]
    lines += [
        "## Provenance",
        "",
        f"- git commit: `{ctx['manifest'].get('git_commit')}`",
        f"- hardware: `{json.dumps(ctx['manifest'].get('hardware'), default=str)}`",
        f"- versions: `{json.dumps({k: v for k, v in (ctx['manifest'].get('versions') or {}).items() if v}, default=str)}`",
        f"- data: `{json.dumps({k: v for k, v in ctx['counts'].items() if k != 'stats.json'}, default=str)}`",
        "- configuration: see `run.json` (`config`).",
        "",
    ]
    return "\n".join(lines)


def build_report(run_dir: str | Path, title: str | None = None) -> dict[str, Path]:
    """Write report/index.html, report/README.md and report/plots/*.png; returns their paths."""
    run = RunDir(run_dir)
    manifest = run.read_manifest()
    cfg = manifest.get("config") or {}
    rcfg = cfg.get("report") or {}
    title = title or rcfg.get("title") or "presstune report"
    order = [v.get("name") for v in cfg.get("variants") or [] if isinstance(v, dict)]
    metrics = load_metrics(run, order)
    names = list(metrics) or ["base", *order]
    curves = {}
    for name in sorted({*names, *(p.name for p in (run / "checkpoints").glob("*") if p.is_dir())}):
        path = run / "checkpoints" / name / "loss_curve.json"
        if path.is_file():
            try:
                rows = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                continue
            if isinstance(rows, list):
                curves[name] = [r for r in rows if isinstance(r, dict)]
    importance_png = None
    imp_json = run / "models" / "importance.json"
    if (run / "models" / "importance.png").is_file():
        importance_png = (run / "models" / "importance.png").read_bytes()
    elif imp_json.is_file():
        try:
            values = _importance_values(json.loads(imp_json.read_text(encoding="utf-8")))
        except json.JSONDecodeError:
            values = None
        if values:
            importance_png = importance_plot(values)
    training = training_rows(run, [n for n in names if n != "base"] or sorted(curves))
    resumed = {r["variant"]: r["resumed_at_step"] for r in training if r.get("resumed_at_step") is not None}
    ctx = {
        "training": training,
        "run_name": (cfg.get("run") or {}).get("name") or run.path.name,
        "generated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "manifest": manifest,
        "metrics": metrics,
        "banner": demo_banner(manifest, metrics),
        "loss_png": loss_plot(curves, resumed),
        "importance_png": importance_png,
        "generations": generations_by_prompt(run, names)[: int(rcfg.get("max_prompts", 8))],
        "counts": data_counts(run),
        "clip": int(rcfg.get("clip_chars", 1200)),
    }
    out = run / "report"
    paths = {}
    for key, fname in (("loss_png", "loss.png"), ("importance_png", "importance.png")):
        if ctx[key]:
            paths[fname] = atomic_write_bytes(out / "plots" / fname, ctx[key])
    paths["index.html"] = atomic_write_text(out / "index.html", render_html(title, ctx))
    paths["README.md"] = atomic_write_text(out / "README.md", render_markdown(title, ctx))
    return paths
