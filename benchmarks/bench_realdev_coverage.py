"""How many of the real dev set's natural questions the offline generator writes a QA pair for (issue 32).

Runs the knowledge augmentation the way a user's run does — the corpus stage's body cleaning
(:func:`presstune.corpus.clean.clean_html`) on each ``ArticleRecord`` of ``articles.jsonl``, then
:func:`presstune.corpus.augment.augment_documents` with the ``corpus.augment`` settings of
``configs/demo-smollm2-recipe.yaml`` — and compares the dev questions' gold answers (and their
aliases), normalised as evaluation normalises answers (:func:`presstune.evaluate.qa.normalize_answer`),
with the answers of the generated QA pairs of the same article:

* **exact**: a generated answer equals the gold answer or an alias;
* **lenient**: one contains the other as whole words;
* **restatement**: the gold answer (or an alias) stands in a generated restatement of the article.

The dev questions are read only here, never by the generator. Model-free, seconds to a minute on a CPU:

    python benchmarks/bench_realdev_coverage.py [--realdev ../shared/realdev] [--json OUT] [--sample 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from presstune.config import load_config
from presstune.corpus import augment
from presstune.corpus.clean import clean_html
from presstune.evaluate.qa import normalize_answer

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "demo-smollm2-recipe.yaml"


def whole_words_in(outer: str, inner: str) -> bool:
    return bool(inner) and re.search(rf"(?<!\w){re.escape(inner)}(?!\w)", outer) is not None


@dataclass
class Coverage:
    """How many dev questions a generator's rows answer, per question kind and ``"all"`` (the
    module docstring's exact / lenient / restatement), and the questions no QA pair has (lenient)."""

    total: Counter[str] = field(default_factory=Counter)
    exact: Counter[str] = field(default_factory=Counter)
    lenient: Counter[str] = field(default_factory=Counter)
    restatement: Counter[str] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def share(self, hits: Counter[str], key: str) -> float:
        return round(hits[key] / self.total[key], 4) if self.total[key] else 0.0


def coverage(questions: list[dict[str, Any]], generated: dict[str, dict[str, Any]]) -> Coverage:
    """The dev ``questions`` (``questions.jsonl`` rows, with aliases) against the ``generated`` rows
    per article id (``augment_documents``' QA pairs and restatements), answers normalised as
    evaluation normalises them."""
    answers = {d: [normalize_answer(p["answer"]) for p in g["qa"]] for d, g in generated.items()}
    restated = {d: normalize_answer(" ".join(p["text"] for p in g["paraphrase"])) for d, g in generated.items()}
    out = Coverage()
    for q in questions:
        golds = [g for g in (normalize_answer(a) for a in [q["answer"], *q.get("aliases", [])]) if g]
        have = answers.get(q["article_id"], [])
        hit_exact = any(g == a for g in golds for a in have)
        hit_lenient = hit_exact or any(whole_words_in(a, g) or whole_words_in(g, a) for g in golds for a in have)
        hit_restated = any(whole_words_in(restated.get(q["article_id"], ""), g) for g in golds)
        for key in (q.get("kind", "other"), "all"):
            out.total[key] += 1
            out.exact[key] += hit_exact
            out.lenient[key] += hit_lenient
            out.restatement[key] += hit_restated
        if not hit_lenient:
            out.misses.append(q)
    return out


#: A question that opens with its wh-phrase (after a preposition at most), as readers ask:
#: "When did ...", "At which plant is ...", "How many cars ..."; not "The plant builds how many cars?".
WH_FIRST = re.compile(
    r"^(?:(?:In|On|At|For|From|By|With|To|Since|During|After|Before)\s+)?(?:Who|Whom|Whose|What|Which|When|Where|How|Why)\b"
)


def wh_first_shares(generated: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Share of the generated QA pairs that open with their wh-phrase, and of the asked facts with
    at least one such wording (a fact is an article's ``fact`` index)."""
    pairs = [p for g in generated.values() for p in g["qa"]]
    facts: dict[tuple[str, Any], bool] = {}
    for d, g in generated.items():
        for p in g["qa"]:
            key = (d, p.get("fact"))
            facts[key] = facts.get(key, False) or bool(WH_FIRST.match(p["question"]))
    return {
        "pairs": round(sum(bool(WH_FIRST.match(p["question"])) for p in pairs) / len(pairs), 4) if pairs else 0.0,
        "facts": round(sum(facts.values()) / len(facts), 4) if facts else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdev", type=Path, default=ROOT.parent / "shared" / "realdev")
    ap.add_argument("--config", type=Path, default=CONFIG)
    ap.add_argument("--set", action="append", default=[], help="config overrides, as `presstune run --set`")
    ap.add_argument("--json", type=Path, default=None, help="write a summary here")
    ap.add_argument("--sample", type=int, default=30, help="generated questions to print")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--misses", action="store_true", help="print the dev answers no QA pair has")
    args = ap.parse_args()
    if not (args.realdev / "articles.jsonl").is_file():
        print(f"SKIP: no real dev set at {args.realdev} (articles.jsonl, questions.jsonl); pass --realdev PATH")
        sys.exit(0)

    aug = load_config(args.config, args.set).corpus.augment
    docs = []
    for line in (args.realdev / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        body = clean_html(rec.get("body") or "", rec.get("title"), rec.get("subtitle")).body
        docs.append({"id": rec["id"], "title": rec.get("title") or "", "date": rec.get("date") or "", "body": body})
    questions = [json.loads(x) for x in (args.realdev / "questions.jsonl").read_text(encoding="utf-8").splitlines()]

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        generated, _ = augment.augment_documents(docs, aug, Path(tmp) / "augment")
    seconds = time.perf_counter() - started

    cov = coverage(questions, generated)

    facts = [g.get("atomic_facts") or 0 for g in generated.values()]
    found = [len(augment.extract_facts(d["body"])) for d in docs]  # before corpus.augment.max_facts
    qa = [len(g["qa"]) for g in generated.values()]
    print(
        f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {platform.machine()} · augment v{augment.AUGMENT_VERSION} "
        f"· backend {aug.backend} · {args.config.name} · {len(docs)} articles, {len(questions)} questions"
    )
    print(
        f"generation: {seconds:.1f} s; per article: {sum(found) / len(found):.1f} facts found, "
        f"{sum(facts) / len(facts):.1f} asked (max_facts {aug.max_facts}), {sum(qa) / len(qa):.1f} QA pairs, "
        f"{sum(len(g['paraphrase']) for g in generated.values()) / len(docs):.1f} restatements"
    )
    wh_first = wh_first_shares(generated)
    print(
        f"asked with the wh-phrase first: {wh_first['pairs']:.1%} of QA pairs, "
        f"{wh_first['facts']:.1%} of asked facts in at least one wording"
    )
    print("| kind | n | exact | lenient | in a restatement |")
    print("|---|---|---|---|---|")
    for key in sorted(cov.total, key=lambda k: (k == "all", -cov.total[k])):
        n = cov.total[key]
        print(
            f"| {key} | {n} | {cov.exact[key] / n:.1%} | {cov.lenient[key] / n:.1%} | {cov.restatement[key] / n:.1%} |"
        )
    rng = random.Random(args.seed)
    pool = [(d, p) for d, g in sorted(generated.items()) for p in g["qa"]]
    print(f"\nA sample of {min(args.sample, len(pool))} generated QA pairs (seed {args.seed}):")
    for d, p in rng.sample(pool, min(args.sample, len(pool))):
        print(f"  [{d} {p['fact_kind']}] {p['question']}  ->  {p['answer']}")
    if args.misses:
        print("\nDev answers no QA pair has (lenient):")
        for q in cov.misses:
            print(f"  [{q['article_id']} {q['kind']}] {q['answer']!r} | {q['evidence'][:160]}")
    if args.json:
        summary = {
            "augment_version": augment.AUGMENT_VERSION,
            "config": args.config.name,
            "overrides": args.set,
            "articles": len(docs),
            "questions": len(questions),
            "seconds": round(seconds, 2),
            "max_facts": aug.max_facts,
            "facts_found_per_article": round(sum(found) / len(found), 2),
            "facts_per_article": round(sum(facts) / len(facts), 2),
            "qa_per_article": round(sum(qa) / len(qa), 2),
            "wh_first": wh_first,
            "coverage": {
                k: {
                    "n": cov.total[k],
                    "exact": cov.share(cov.exact, k),
                    "lenient": cov.share(cov.lenient, k),
                    "restatement": cov.share(cov.restatement, k),
                }
                for k in cov.total
            },
            "missed": defaultdict(int, Counter(q["kind"] for q in cov.misses)),
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
