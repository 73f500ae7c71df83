"""Knowledge on real releases: one recipe on the PressClub dev set (``../shared/realdev``), or a summary of runs.

Run mode prepares a run directory from the dev set and runs ``presstune run --from corpus`` in it:

* ``articles.jsonl``: the dev set's 100 real releases (``--articles N``: the first N, for a dry run);
* ``facts.jsonl``: the dev set's 160 natural questions in ``evaluate.facts_file`` form, each with the
  ``aliases`` of ``questions.jsonl`` (written into the run directory, never into the repository);
* the variants ``original`` (the recipe's default mix) and ``original_seed`` (the seed recipe: the
  releases only, same model and settings), the base measured in the same run
  (``evaluate.include_base``: ``metrics/base.json``), and every question of each QA set asked
  (``evaluate.qa_*_questions`` above the set's size) instead of the recipe's subsample;
* ``collect.base_url`` set to the portal the releases came from, so that no replica is started (a replica
  would write its own fact sheets into the run directory, which the corpus stage's audit reads first).

``--set`` arguments go after the harness's own, so they can change any of them.

How the dev set splits (``corpus.train_ratio`` 0.85, ``corpus.seed`` 0 and ``corpus.augment.probe_share``
0.2 of the recipes): the corpus stage puts whole families of releases into train or eval, and withholds the
generated QA of a seeded 20 % of the train articles (probe QA: their text, restatements and fact lists are
trained, their questions are not). The dev set's 160 questions cover 80 of the 100 articles (two each).
Counted on 2026-12-07 (``--until corpus`` over all 100 articles; the split does not depend on the model's
tokenizer, and no article was dropped): knowledge 68 articles, 55 with questions, 110 questions; probe 17
articles, 11 with questions, 22 questions; held-out 15 articles, 14 with questions, 28 questions (the n of
the dev set README's SmolLM2 run); none left out for an answer in its question. Every question of each set
is asked (the recipes' ``qa_*_questions`` subsample 80 / 60 / 60 would drop 30 knowledge questions). That is
enough for knowledge QA (Wilson half-width <= 9.5 points at n = 110) and for held-out QA as a leak check (0
of 28 has the upper bound 12 %); the probe's 22 questions are few (half-width up to 20 points): read probe
differences between runs of under ~25 points as noise. A larger ``probe_share`` would move questions from
knowledge to probe and change what is trained, so the harness keeps the recipe's split (``--set
corpus.augment.probe_share=...`` changes it for a run). Each run prints its counts (``split: ...``) and
keeps them in ``realdev_bench.json`` and the JSON summary.

Summary mode (``--summarize RUN...``) reads finished run directories (``metrics/*.json``, ``run.json``,
``dataset/stats.json``, ``dataset/probe.json``, ``realdev_bench.json``) and prints one table of every
run and variant, then the Pareto tables of knowledge QA against general retention and against held-out
perplexity (the points no other point beats on both), and writes ``realdev-<label>.json``, ``.md`` and
``pareto-<label>.png``. Run mode ends with the same summary of its one run.

Metrics (``presstune.evaluate.runner``; values with n and the metric's 95 % interval: Wilson for the
shares, a bootstrap over documents for perplexity):

| column | metric | what |
|---|---|---|
| knowledge | ``qa_train_contains`` | closed-book questions about trained articles whose QA was trained |
| probe | ``qa_probe_contains`` | ... about trained articles whose QA was withheld |
| held-out | ``qa_contains`` | ... about eval-split articles (no variant saw them) |
| +RAG | ``rag_qa_train_contains`` | the knowledge questions with the top passages of the train articles |
| retention | ``retention_contains`` | the packaged general questions (compare with the base) |
| perplexity | ``perplexity_text`` | held-out domain perplexity: the eval articles' whole bodies |
| as-trained | ``qa_seen_contains`` | the training rows' own QA wording (facts stored vs questions understood) |
| answer words | ``retention_answer_words`` | median words of the general answers (vs the base: answer form) |
| answer words | ``qa_train_answer_words`` | median words of the knowledge answers (longer: more candidates) |

Usage:

    python benchmarks/bench_realdev.py --config configs/demo-smollm2-recipe.yaml --run-root /tmp/realdev \\
        --label recipe [--realdev ../shared/realdev] [--set train.epochs=8 ...]
    python benchmarks/bench_realdev.py --summarize /tmp/realdev/recipe /tmp/realdev/ep8 --label sweep
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from presstune.evaluate.qa import answer_in_question, facts_questions
from presstune.records import read_fact_sheets

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REALDEV = REPO.parent / "shared" / "realdev"

#: (summary name, metrics key, column header); the order of every table.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("knowledge", "qa_train_contains", "knowledge"),
    ("probe", "qa_probe_contains", "probe"),
    ("held_out", "qa_contains", "held-out"),
    ("rag", "rag_qa_train_contains", "+RAG"),
    ("retention", "retention_contains", "retention"),
    ("perplexity", "perplexity_text", "perplexity (held-out)"),
    ("seen", "qa_seen_contains", "as-trained"),
    ("retention_words", "retention_answer_words", "retention answer words"),
    ("knowledge_words", "qa_train_answer_words", "knowledge answer words"),
)
#: Shares are printed in per cent; perplexity and answer lengths as they are.
PERCENT = {name for name, key, _ in COLUMNS if key != "perplexity_text" and not key.endswith("_words")}

#: The two trade-offs the sweep is judged by: (name, x summary name, y summary name, y is better
#: higher). Knowledge QA is always better higher.
TRADE_OFFS: tuple[tuple[str, str, str, bool], ...] = (
    ("knowledge_vs_retention", "knowledge", "retention", True),
    ("knowledge_vs_perplexity", "knowledge", "perplexity", False),
)

#: Above every QA set's size: every question of the dev set is asked.
ALL_QUESTIONS = 10_000
PORTAL = "https://www.press.bmwgroup.com/global"
SEED_VARIANTS = "variants=[{name: original, kind: original}, {name: original_seed, kind: original, mix: seed}]"


# -- the dev set --------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)


def facts_with_aliases(realdev: Path, article_ids: set[str] | None = None) -> list[dict[str, Any]]:
    """``facts.jsonl`` of the dev set with each QA entry's ``aliases`` from ``questions.jsonl``
    (matched by article id and question text); only the articles in ``article_ids`` when given.
    A question of one file missing from the other is an error: the two files are one data set."""
    aliases: dict[tuple[str, str], list[str]] = {}
    for q in read_jsonl(realdev / "questions.jsonl"):
        aliases[(str(q["article_id"]), str(q["question"]).strip())] = [str(a) for a in q.get("aliases") or []]
    records, used = [], set()
    for rec in read_jsonl(realdev / "facts.jsonl"):
        aid = str(rec["id"])
        qa = []
        for entry in rec.get("qa") or []:
            key = (aid, str(entry["question"]).strip())
            if key not in aliases:
                raise ValueError(f"facts.jsonl question of {aid} not in questions.jsonl: {entry['question']!r}")
            used.add(key)
            qa.append({**entry, "aliases": aliases[key]})
        if article_ids is None or aid in article_ids:
            records.append({**rec, "qa": qa})
    missing = set(aliases) - used
    if missing:
        raise ValueError(f"{len(missing)} questions of questions.jsonl not in facts.jsonl, e.g. {sorted(missing)[0]}")
    return records


def prepare_run(realdev: Path, run: Path, articles: int | None = None) -> dict[str, Any]:
    """``articles.jsonl`` and ``facts.jsonl`` (with aliases) in ``run``; their counts and hashes."""
    for name in ("articles.jsonl", "facts.jsonl", "questions.jsonl"):
        if not (realdev / name).is_file():
            raise FileNotFoundError(f"{realdev / name} not found: pass --realdev (the dev set's folder)")
    rows = read_jsonl(realdev / "articles.jsonl")
    if articles is not None:
        rows = rows[:articles]
    ids = {str(r["id"]) for r in rows}
    facts = facts_with_aliases(realdev, ids)
    run.mkdir(parents=True, exist_ok=True)
    write_jsonl(run / "articles.jsonl", rows)
    write_jsonl(run / "facts.jsonl", facts)
    return {
        "realdev": str(realdev),
        "articles": len(rows),
        "articles_with_questions": sum(1 for f in facts if f["qa"]),
        "questions": sum(len(f["qa"]) for f in facts),
        "articles_sha256": sha256_file(run / "articles.jsonl"),
        "facts_sha256": sha256_file(run / "facts.jsonl"),
    }


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bench_overrides(facts_file: Path) -> list[str]:
    """The harness's ``--set`` arguments (see the module docstring for why each)."""
    return [
        SEED_VARIANTS,
        "evaluate.include_base=true",
        "evaluate.qa_source=facts",
        f"evaluate.facts_file={facts_file}",
        f"evaluate.qa_train_questions={ALL_QUESTIONS}",
        f"evaluate.qa_probe_questions={ALL_QUESTIONS}",
        f"evaluate.qa_questions={ALL_QUESTIONS}",
        f"collect.base_url={PORTAL}",
    ]


def split_questions(run: Path) -> dict[str, Any]:
    """After the corpus stage: the articles of each QA set and the dev-set questions they hold,
    before and after evaluation leaves out questions whose answer stands in the question."""
    split = {str(d.get("id")): d.get("split") for d in read_jsonl(run / "dataset" / "documents.jsonl")}
    probe = {str(i) for i in read_json(run / "dataset" / "probe.json").get("articles", [])}
    facts = read_jsonl(run / "facts.jsonl")
    sheets = read_fact_sheets(run / "facts.jsonl")
    with_questions = {str(f["id"]) for f in facts if f.get("qa")}
    sets = {
        "knowledge": {i for i, s in split.items() if s == "train"} - probe,
        "probe": probe,
        "held_out": {i for i, s in split.items() if s == "eval"},
        "dropped_by_corpus": {str(f["id"]) for f in facts} - set(split),
    }
    out: dict[str, Any] = {}
    for name, ids in sets.items():
        items = facts_questions(sheets, ids)
        out[name] = {
            "articles": len(ids),
            "articles_with_questions": len(ids & with_questions),
            "questions": len(items),
            "asked": sum(1 for it in items if not answer_in_question(it)),
        }
    return out


def split_line(counts: dict[str, Any]) -> str:
    return "split: " + "; ".join(
        f"{name} {c['articles']} articles ({c['articles_with_questions']} with questions), "
        f"{c['questions']} questions, {c['asked']} asked"
        for name, c in counts.items()
    )


# -- reading finished runs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One metric of one variant: its value, how many questions (documents for perplexity) it
    stands on, and its 95 % interval as the metrics file gives it."""

    value: float
    n: int | None
    interval: list[float] | None


@dataclass
class RunSummary:
    name: str
    path: str
    machine: dict[str, Any]
    date: str | None
    command: str | None
    config_hash: str | None
    split: dict[str, Any]
    variants: dict[str, dict[str, Cell | None]] = field(default_factory=dict)


def cell(metric: Any) -> Cell | None:
    if not isinstance(metric, dict) or not isinstance(metric.get("value"), (int, float)):
        return None
    n = metric.get("questions", metric.get("documents"))
    interval = metric.get("ci95")
    return Cell(
        value=float(metric["value"]),
        n=int(n) if isinstance(n, (int, float)) else None,
        interval=[float(x) for x in interval] if isinstance(interval, (list, tuple)) else None,
    )


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def config_hash(config: dict[str, Any]) -> str | None:
    """sha256 (first 16 hex digits) of the run's recorded config as canonical JSON: runs with the
    same hash trained and evaluated under the same settings."""
    if not config:
        return None
    return hashlib.sha256(json.dumps(config, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def read_run(path: Path) -> RunSummary:
    """The summary of one run directory from its small files (what the GPU sweep packs)."""
    manifest = read_json(path / "run.json")
    bench = read_json(path / "realdev_bench.json")
    files = {p.stem: read_json(p) for p in sorted((path / "metrics").glob("*.json"))}
    if not files:
        raise FileNotFoundError(f"{path}: no metrics/*.json (the run has not been evaluated)")
    order = ["base"] + [str(v.get("name")) for v in (manifest.get("config") or {}).get("variants") or []]
    names = [n for n in order if n in files] + sorted(n for n in files if n not in order)
    variants = {
        name: {summary: cell(files[name].get("metrics", {}).get(key)) for summary, key, _ in COLUMNS} for name in names
    }
    some = next(iter(files.values()))
    dates = [str(f.get("created")) for f in files.values() if f.get("created")]
    return RunSummary(
        name=path.name,
        path=str(path),
        machine=some.get("hardware") or manifest.get("hardware") or {},
        date=max(dates) if dates else None,
        command=bench.get("command"),
        config_hash=config_hash(manifest.get("config") or {}),
        split={**split_counts(path, files), **({"dev_set": bench["split"]} if "split" in bench else {})},
        variants=variants,
    )


def split_counts(path: Path, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Documents per split, probe articles, and per QA set the articles and questions asked."""
    stats = read_json(path / "dataset" / "stats.json")
    probe = read_json(path / "dataset" / "probe.json")
    out: dict[str, Any] = {
        "documents": stats.get("documents"),
        "probe_articles": len(probe["articles"]) if isinstance(probe.get("articles"), list) else None,
    }
    metrics = next(iter(files.values())).get("metrics", {})
    for summary, key in (
        ("knowledge", "qa_train_contains"),
        ("probe", "qa_probe_contains"),
        ("held_out", "qa_contains"),
    ):
        m = metrics.get(key)
        if isinstance(m, dict):
            out[summary] = {
                "articles": m.get("articles"),
                "questions": m.get("questions"),
                "answer_in_question_excluded": m.get("answer_in_question_excluded"),
            }
    return out


# -- Pareto -------------------------------------------------------------------------------------


def dominates(a: tuple[float, float], b: tuple[float, float], higher: tuple[bool, bool]) -> bool:
    """``a`` is at least as good as ``b`` on both axes and better on one."""
    signs = [1 if h else -1 for h in higher]
    at_least = all(s * x >= s * y for s, x, y in zip(signs, a, b))
    better = any(s * x > s * y for s, x, y in zip(signs, a, b))
    return at_least and better


def pareto_front(points: list[tuple[float, float]], higher: tuple[bool, bool]) -> list[bool]:
    """For each point: whether no other point dominates it (equal points are all kept)."""
    return [not any(dominates(q, p, higher) for q in points) for p in points]


def trade_off_table(runs: list[RunSummary], x: str, y: str, y_higher: bool) -> list[dict[str, Any]]:
    """Every (run, variant) with both numbers, best knowledge first, with ``front`` marking the
    non-dominated points. Variants missing either number are left out (not measured)."""
    rows = []
    for run in runs:
        for variant, cells in run.variants.items():
            cx, cy = cells.get(x), cells.get(y)
            if cx is not None and cy is not None:
                rows.append({"run": run.name, "variant": variant, x: cx.value, y: cy.value})
    front = pareto_front([(r[x], r[y]) for r in rows], (True, y_higher))
    for r, f in zip(rows, front):
        r["front"] = f
    return sorted(rows, key=lambda r: (-r[x], -r[y] if y_higher else r[y]))


def plot_pareto(tables: dict[str, list[dict[str, Any]]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import ScalarFormatter

    fig, axes = plt.subplots(1, len(TRADE_OFFS), figsize=(6.5 * len(TRADE_OFFS), 5.2))
    for ax, (name, x, y, y_higher) in zip(axes, TRADE_OFFS):
        rows = tables[name]
        scale_y = 100 if y in PERCENT else 1
        # Points at the same place (the base of every run of a sweep) get one label.
        labels: dict[tuple[float, float], list[str]] = {}
        for r in rows:
            at = (r[x] * 100, r[y] * scale_y)
            labels.setdefault(at, []).append(f"{r['run']}/{r['variant']}")
            on = r["front"]
            ax.scatter(
                *at,
                s=60 if on else 30,
                c="tab:red" if on else "tab:gray",
                marker="s" if r["variant"] == "base" else "o",
                zorder=3 if on else 2,
            )
        for at, names in labels.items():
            bases = [n for n in names if n.endswith("/base")]
            text = f"base ({len(names)} runs)" if len(bases) == len(names) > 1 else ", ".join(names)
            ax.annotate(text, at, fontsize=7, xytext=(4, 3), textcoords="offset points")
        front = sorted((r for r in rows if r["front"]), key=lambda r: r[x])
        if len(front) > 1:
            ax.plot([r[x] * 100 for r in front], [r[y] * scale_y for r in front], c="tab:red", lw=1, zorder=1)
        ax.set_xlabel("knowledge QA (%)")
        unit = " (%)" if y in PERCENT else ""
        ax.set_ylabel(f"{y.replace('_', ' ')}{unit} ({'higher' if y_higher else 'lower'} is better)")
        if not y_higher:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(ScalarFormatter())
            ax.yaxis.set_minor_formatter(ScalarFormatter())
        ax.grid(alpha=0.3)
        ax.set_title(f"knowledge vs {y}: red = not dominated, square = base", fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- printing and writing -----------------------------------------------------------------------


def fmt_cell(name: str, c: Cell | None) -> str:
    if c is None:
        return "n/a"
    if name in PERCENT:
        iv = f" [{c.interval[0] * 100:.0f}, {c.interval[1] * 100:.0f}]" if c.interval else ""
        return f"{c.value * 100:.1f} %{iv} n={c.n}"
    iv = f" [{c.interval[0]:.1f}, {c.interval[1]:.1f}]" if c.interval else ""
    return f"{c.value:.1f}{iv} n={c.n}"


def markdown(runs: list[RunSummary], tables: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["| run | variant | " + " | ".join(h for _, _, h in COLUMNS) + " |", "|---|---|" + "---:|" * len(COLUMNS)]
    for run in runs:
        for variant, cells in run.variants.items():
            lines.append(
                f"| {run.name} | {variant} | " + " | ".join(fmt_cell(n, cells.get(n)) for n, _, _ in COLUMNS) + " |"
            )
    lines.append("")
    lines.append(
        "Intervals: 95 % (Wilson for shares, bootstrap over documents for perplexity); n = questions (documents)."
    )
    for run in runs:
        s = run.split
        sets = ", ".join(
            f"{k} {s[k]['questions']} questions / {s[k]['articles']} articles"
            for k in ("knowledge", "probe", "held_out")
            if isinstance(s.get(k), dict)
        )
        lines.append(
            f"- {run.name}: documents {fmt_counts(s.get('documents'))}, "
            f"probe articles {s.get('probe_articles')}; {sets}; "
            f"config {run.config_hash}, {run.date}, {machine_line(run.machine)}"
        )
    for name, x, y, y_higher in TRADE_OFFS:
        lines += ["", f"Pareto, {x} vs {y} ({'higher' if y_higher else 'lower'} is better; * = not dominated):", ""]
        lines += [f"| | run | variant | {x} | {y} |", "|---|---|---|---:|---:|"]
        for r in tables[name]:
            vy = f"{r[y] * 100:.1f} %" if y in PERCENT else f"{r[y]:.1f}"
            lines.append(f"| {'*' if r['front'] else ''} | {r['run']} | {r['variant']} | {r[x] * 100:.1f} % | {vy} |")
    return "\n".join(lines) + "\n"


def fmt_counts(counts: Any) -> str:
    return " / ".join(f"{k} {v}" for k, v in counts.items()) if isinstance(counts, dict) else str(counts)


def machine_line(machine: dict[str, Any]) -> str:
    if not machine:
        return "machine not recorded"
    gpus = machine.get("gpus")
    return f"{', '.join(gpus) if gpus else 'CPU'}, {machine.get('cpu_count')} CPUs, Python {machine.get('python')}"


def summarize(runs: list[Path], label: str, out: Path, title: str | None = None) -> dict[str, Any]:
    """Tables on stdout and ``realdev-<label>.json`` / ``.md`` / ``pareto-<label>.png`` in ``out``."""
    summaries = [read_run(r) for r in runs]
    tables = {name: trade_off_table(summaries, x, y, hi) for name, x, y, hi in TRADE_OFFS}
    text = markdown(summaries, tables)
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    doc = {
        "label": label,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "summarized_on": platform.node(),
        "columns": {name: key for name, key, _ in COLUMNS},
        "runs": [
            {
                **{k: v for k, v in asdict(s).items() if k != "variants"},
                "variants": {
                    v: {n: asdict(c) if c is not None else None for n, c in cells.items()}
                    for v, cells in s.variants.items()
                },
            }
            for s in summaries
        ],
        "pareto": tables,
    }
    (out / f"realdev-{label}.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    (out / f"realdev-{label}.md").write_text(text, encoding="utf-8")
    plot_pareto(tables, out / f"pareto-{label}.png", title or f"real dev set: {label}")
    print(f"wrote {out / f'realdev-{label}.json'}, .md and pareto-{label}.png")
    return doc


# -- the run ------------------------------------------------------------------------------------


def run_bench(args: argparse.Namespace) -> int:
    realdev = Path(args.realdev).resolve()
    run = (Path(args.run_root) / args.label).resolve()
    try:
        prepared = prepare_run(realdev, run, args.articles)
    except FileNotFoundError as exc:
        print(f"bench_realdev: {exc}", file=sys.stderr)
        return 2
    sets = bench_overrides(run / "facts.jsonl") + list(args.set or [])
    cmd = [
        sys.executable,
        "-m",
        "presstune.cli",
        "run",
        "--config",
        str(Path(args.config).resolve()),
        "--run",
        str(run),
    ]
    cmd += ["--from", "corpus"] + (["--until", args.until] if args.until else [])
    for s in sets:
        cmd += ["--set", s]
    record = {
        "command": shlex.join(cmd),
        "bench_argv": shlex.join([sys.argv[0], *sys.argv[1:]]),
        "config": args.config,
        "sets": sets,
        **prepared,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (run / "realdev_bench.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"bench_realdev: {prepared['articles']} articles, {prepared['questions']} questions -> {run}", flush=True)
    print(record["command"], flush=True)
    rc = subprocess.call(cmd, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    record.update(finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), returncode=rc)
    (run / "realdev_bench.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    if rc != 0:
        print(f"bench_realdev: presstune run exited {rc}", file=sys.stderr)
        return rc
    if (run / "dataset" / "documents.jsonl").is_file():
        record["split"] = split_questions(run)
        (run / "realdev_bench.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        print(split_line(record["split"]))
    if args.until in ("corpus", "models", "train"):
        return 0
    summarize([run], args.label, Path(args.out).resolve() if args.out else run.parent)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--summarize", nargs="+", metavar="RUN", help="summarize finished run directories instead")
    ap.add_argument("--config", help="recipe config (run mode)")
    ap.add_argument("--run-root", default="runs/realdev", help="the run goes to RUN_ROOT/LABEL")
    ap.add_argument("--label", help="run name (run mode) / summary name (default: the run's name, or 'sweep')")
    ap.add_argument("--realdev", default=str(DEFAULT_REALDEV), help="the dev set's folder (default ../shared/realdev)")
    ap.add_argument("--articles", type=int, help="only the first N articles (a dry run)")
    ap.add_argument("--until", choices=["corpus", "models", "train"], help="stop after this stage (no summary)")
    ap.add_argument("--set", action="append", help="config override k=v, after the harness's own (repeatable)")
    ap.add_argument("--out", help="where the summary files go (default: the run root / the first run's parent)")
    args = ap.parse_args(argv)
    if args.summarize:
        runs = [Path(r).resolve() for r in args.summarize]
        label = args.label or (runs[0].name if len(runs) == 1 else "sweep")
        summarize(runs, label, Path(args.out).resolve() if args.out else runs[0].parent)
        return 0
    if not args.config or not args.label:
        ap.error("run mode needs --config and --label (or use --summarize RUN...)")
    return run_bench(args)


if __name__ == "__main__":
    sys.exit(main())
