"""How many of the replica's ground-truth facts the offline rules generator finds (issue 14).

For every English original of a generated replica, the fact sheet's answers (power, price, plant, person,
role, dates, events, ...: the strings knowledge QA scores against) are looked up among the atomic facts
``presstune.corpus.augment`` extracts from the same article text, all of them and the ones kept under
``corpus.augment.max_facts``. A fact the rules do not find never gets a training question, however the model
is trained. Model-free, seconds on a CPU:

    python benchmarks/bench_augment_recall.py [--articles 300] [--max-facts 12]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import re
from collections import Counter


def _norm(text: str) -> str:
    return re.sub(r"[\s.,’'\"]", "", text.casefold())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-facts", type=int, default=12)
    args = ap.parse_args()

    from presstune.corpus import augment
    from presstune.replica.site import Site

    total, found, kept = Counter(), Counter(), Counter()
    for article in Site(articles=args.articles, seed=args.seed).articles():
        if article.language == "de" or article.origin not in ("original", "twin"):
            continue
        facts = augment.extract_facts("\n\n".join(article.body_paragraphs))
        answers = [_norm(f.answer) for f in facts]
        under_limit = [_norm(f.answer) for f in augment.select_facts(facts, args.max_facts)]
        for item in article.qa:
            gold, key = _norm(item["answer"]), item["fact_key"]
            total[key] += 1
            found[key] += any(gold in a for a in answers)
            kept[key] += any(gold in a for a in under_limit)

    print(f"# {dt.date.today()} · {platform.machine()} · augment v{augment.AUGMENT_VERSION} · replica {args.articles}")
    print(f"| fact | n | found | kept under max_facts={args.max_facts} |")
    print("|---|---|---|---|")
    for key in sorted(total, key=lambda k: -total[k]):
        print(f"| {key} | {total[key]} | {found[key] / total[key]:.0%} | {kept[key] / total[key]:.0%} |")
    n = sum(total.values())
    print(f"| all | {n} | {sum(found.values()) / n:.1%} | {sum(kept.values()) / n:.1%} |")


if __name__ == "__main__":
    main()
