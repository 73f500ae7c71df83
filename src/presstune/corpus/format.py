"""Rows in the three styles (instruct, article, qa), token lengths, the dataset card.

Chat rows are stored as messages (prompt/completion), which TRL's SFTTrainer renders through
the tokenizer's own chat template; token lengths here are measured the same way, never with
hand-written special tokens.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from typing import Any

from presstune.portal import PRESSCLUB, Prompts
from presstune.prompts import chat_prompt
from presstune.records import RowMeta, TrainingRow
from presstune.rundir import atomic_write_bytes

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“„])")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember"
)

#: (pattern, English question, German question) -- the answer is the sentence stating the fact.
QA_TEMPLATES = [
    (
        re.compile(r"\d[\d,.]*\s*kW\b"),
        'How much power is stated in the press release "{title}"?',
        "Welche Leistung nennt die Pressemitteilung „{title}“?",
    ),
    (
        re.compile(r"€\s?\d|\d[\d.,]*\s*Euro\b"),
        'Which price or amount does the press release "{title}" give?',
        "Welchen Preis oder Betrag nennt die Pressemitteilung „{title}“?",
    ),
    (
        re.compile(rf"\b\d{{1,2}}\.?\s+(?:{_MONTHS})\s+\d{{4}}"),
        'Which date is given in the press release "{title}"?',
        "Welches Datum nennt die Pressemitteilung „{title}“?",
    ),
    (
        re.compile(r"\b\d[\d,.]*\s*km\b"),
        'What range or distance does the press release "{title}" mention?',
        "Welche Reichweite nennt die Pressemitteilung „{title}“?",
    ),
    (
        re.compile(r"\b\d[\d,.]*\s*(?:percent|per cent|%|Prozent)"),
        'Which percentage is reported in "{title}"?',
        "Welcher Prozentwert wird in „{title}“ genannt?",
    ),
    (
        re.compile(r"\b(?:said|says|sagt|sagte)\s+[A-ZÄÖÜ]"),
        'Who is quoted in the press release "{title}", and what did they say?',
        "Wer wird in der Pressemitteilung „{title}“ zitiert, und was wurde gesagt?",
    ),
    (
        re.compile(r"\b(?:Plant|Werk)\s+[A-ZÄÖÜ]"),
        'Which plant is named in the press release "{title}"?',
        "Welches Werk nennt die Pressemitteilung „{title}“?",
    ),
]


def _lang(doc: dict[str, Any]) -> str:
    return "de" if str(doc.get("language", "")).startswith("de") else "en"


def _date_phrase(doc: dict[str, Any], lang: str) -> str:
    d = (doc.get("date") or "")[:10]
    if not d:
        return ""
    return f", published on {d}" if lang == "en" else f", veröffentlicht am {d}"


def meta(doc: dict[str, Any], style: str) -> RowMeta:
    return {
        "id": doc["id"],
        "family_id": doc["family_id"],
        "language": doc["language"],
        "date": (doc.get("date") or "")[:10],
        "title": doc["title"],
        "source": doc["source"],
        "style": style,
    }


def qa_pairs(doc: dict[str, Any], limit: int) -> list[tuple[str, str]]:
    """Questions templated from the article's own sentences; the answer is that sentence."""
    lang = _lang(doc)
    sentences = [s.strip() for p in doc["body"].split("\n") for s in _SENT.split(p) if len(s.strip()) > 20]
    out: list[tuple[str, str]] = []
    used: set[str] = set()
    for rx, q_en, q_de in QA_TEMPLATES:
        for s in sentences:
            if s not in used and rx.search(s):
                out.append(((q_en if lang == "en" else q_de).format(title=doc["title"]), s))
                used.add(s)
                break
        if len(out) >= limit:
            break
    if not out and sentences:  # nothing to template: ask for the lead
        q = (
            'What is the main announcement of the press release "{title}"?'
            if lang == "en"
            else "Was ist die Kernaussage der Pressemitteilung „{title}“?"
        )
        out.append((q.format(title=doc["title"]), sentences[0]))
    return out[:limit]


def full_text(doc: dict[str, Any]) -> str:
    """The release as written: the teaser once, then the body."""
    teaser = doc.get("teaser") or ""
    return f"{teaser}\n\n{doc['body']}" if teaser else doc["body"]


def rows_for(
    doc: dict[str, Any], style: str, system_prompt: str, qa_per_article: int, prompts: Prompts = PRESSCLUB.prompts
) -> list[TrainingRow]:
    """The document's rows in ``style``; an instruct row asks with the portal's prompt (``prompts``)."""
    lang = _lang(doc)
    if style == "article":
        return [{"text": f"{doc['title']}\n\n{full_text(doc)}", **meta(doc, style)}]
    if style == "instruct":
        user = prompts.instruct[lang].format(title=doc["title"], date=_date_phrase(doc, lang))
        return [
            {
                "prompt": chat_prompt(system_prompt, user),
                "completion": [{"role": "assistant", "content": full_text(doc)}],
                **meta(doc, style),
            }
        ]
    rows: list[TrainingRow] = []
    for q, a in qa_pairs(doc, qa_per_article):
        rows.append(
            {
                "prompt": chat_prompt(system_prompt, q),
                "completion": [{"role": "assistant", "content": a}],
                **meta(doc, style),
            }
        )
    return rows


def token_length(row: TrainingRow, tokenizer) -> int:
    """Tokens of the row as the trainer sees it: chat rows through the chat template."""
    if "text" in row:
        return len(tokenizer(row["text"], add_special_tokens=False)["input_ids"])
    ids = tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=True, enable_thinking=False)
    if isinstance(ids, dict) or hasattr(ids, "keys"):
        ids = ids["input_ids"]
    return len(ids)


def histogram_png(path, lengths: dict[str, list[int]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    for name, values in lengths.items():
        if values:
            ax.hist(values, bins=40, alpha=0.6, label=f"{name} (n={len(values)})")
    ax.set_xlabel("tokens per row (chat template applied)")
    ax.set_ylabel("rows")
    ax.legend()
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def _pct(values: list[int], q: float) -> int:
    if not values:
        return 0
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def card(stats: dict[str, Any]) -> str:
    """The dataset card (dataset/README.md)."""
    s = stats
    lines = [
        "# presstune dataset",
        "",
        f"Built {s['built']} by `presstune corpus` · style **{s['style']}** · tokenizer `{s['tokenizer']}`.",
        "",
        "## Counts",
        "",
        "| split | documents | rows | tokens (sum) | tokens p50 | p90 | max |",
        "|---|---|---|---|---|---|---|",
    ]
    for split in ("train", "eval"):
        t = s["tokens"][split]
        lines.append(
            f"| {split} | {s['documents'][split]} | {s['rows'][split]} | {sum(t)} | "
            f"{_pct(t, 0.5)} | {_pct(t, 0.9)} | {max(t) if t else 0} |"
        )
    lines += [
        "",
        "![token lengths](lengths.png)",
        "",
        "## Sources",
        "",
        "| source | documents |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in sorted(s["sources"].items())],
        "",
        "Languages: " + ", ".join(f"{k} {v}" for k, v in sorted(s["languages"].items())),
        "",
        "## Dropped",
        "",
        "| reason | documents |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in sorted(s["dropped"].items())],
        "",
        "Per-document reasons: `dropped.jsonl` (filters), `../cleaned/report.json` (extraction/cleaning).",
        "",
        "## Split",
        "",
        f"Method **{s['split']}** (train ratio {s['train_ratio']}, seed {s['seed']}): whole families go to one side. "
        "A family is the union of documents sharing the 7-digit release number (language versions) and "
        f"near-duplicate pairs (MinHash/LSH, word {s['shingle_size']}-shingles, Jaccard ≥ {s['near_dup_threshold']}); "
        f"{s['near_duplicate_pairs']} near-duplicate pairs found, {s['families']} families. "
        f"Documents with matching normalised headlines published within {s['headline_window_days']:g} days "
        f"(similarity ≥ {s['headline_similarity']}) are one family too (regional republications): "
        f"{s['headline_pairs']} headline pairs, {s['families_joined_by_headline']} of them joined families "
        "that release numbers and MinHash had kept apart.",
        "",
        f"Leak check (independent of the families: every train × eval pair re-tested for matching headlines "
        f"within the window or word-shingle Jaccard ≥ {s['leak_jaccard']}): **{s['leaks']} pairs**"
        + (" (listed in `stats.json` as `leak_pairs`)." if s["leaks"] else "."),
        "",
        "## Teaser and personal data",
        "",
        f"Teaser (subtitle) kept once, as the first paragraph of each row: {s['teaser']['documents_with_teaser']} "
        f"documents have one; in {s['teaser']['body_repeats_removed']} the body repeated it and the repeat "
        f"was removed from the body; in {s['teaser'].get('teasers_inside_body', 0)} the body's opening holds the "
        "whole teaser (a cut prefix of the lead, or the lead behind a dateline), so the body keeps it and the "
        "teaser is left out.",
        "",
        _pii_line(s.get("pii_scrubbed")),
        "",
        "## Files",
        "",
        "- `train.jsonl`, `eval.jsonl`: rows for TRL's SFTTrainer (prompt/completion messages, or text)"
        " + flat metadata.",
        "- `documents.jsonl`: one row per kept document with its cleaned body and split.",
        "- `qa_valid.jsonl`: held-out generated questions about trained facts (`id, question, answer, aliases,"
        " fact_kind`), in no training row (`corpus.augment.valid_share`).",
        "- `stats.json`: these numbers; `lengths.png`: token-length histogram.",
        "",
    ]
    return "\n".join(lines)


def _pii_line(counts: dict[str, int] | None) -> str:
    if counts is None:
        return "PII scrub: off (`corpus.scrub_pii: false`)."
    return (
        f"PII scrubbed right before writing (every row and document): {counts.get('phone', 0)} phone numbers, "
        f"{counts.get('email', 0)} e-mail addresses replaced by placeholders."
    )


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def count_reasons(dropped: list[dict[str, Any]]) -> Counter:
    return Counter(d["reason"] for d in dropped)
