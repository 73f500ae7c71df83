"""Guards every generated pair and restatement passes (rules and model backends alike)."""

from __future__ import annotations

import re

from presstune.corpus.augment.facts import MAX_ANSWER_CHARS


def normalize_text(text: str) -> str:
    return " ".join(re.sub(r"[\"“”„’'`]", "'", text).casefold().split())


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in re.findall(r"\d[\d,.]*", text)}


def guard_qa(question: str, answer: str, body: str) -> str | None:
    """None when the pair may be trained on; else the named reason it is rejected."""
    a, q = answer.strip(), question.strip()
    if not a:
        return "empty_answer"
    if len(q) < 12 or not q.rstrip().endswith(("?", ".")):
        return "malformed_question"
    if len(a) > MAX_ANSWER_CHARS:
        return "answer_too_long"
    if normalize_text(a) not in normalize_text(body):
        return "answer_not_in_text"
    if normalize_text(a) in normalize_text(q):
        return "answer_in_question"
    return None


def guard_restatement(text: str, body: str, min_ratio: float, max_ratio: float, reference_chars: int) -> str | None:
    """A restatement may reword, never add: every number in it is in the article, and its length
    is within bounds of the fact sentences it restates."""
    t = text.strip()
    if not t:
        return "empty"
    if not _numbers(t) <= _numbers(body):
        return "invented_number"
    ratio = len(t) / max(reference_chars, 1)
    if ratio < min_ratio:
        return "too_short"
    if ratio > max_ratio:
        return "too_long"
    return None
