"""Duplicate detection, families and the leakage-free split (used by the steps in steps.py).

A *family* is the union-find closure of (same 7-digit release number: EN/DE versions of one
release) and (near-duplicate pairs from MinHash/LSH on word shingles: EN_US/EN_GB
republications, updated re-releases). The split assigns whole families to train or eval, so
no eval document has a near duplicate in train.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Any

_WORD = re.compile(r"\w+", re.U)
_NUMBER = re.compile(r"^T?(\d{7})")


def release_number(doc_id: str) -> str | None:
    m = _NUMBER.match(doc_id)
    return m.group(1) if m else None


def normalized_hash(text: str) -> str:
    words = [w.casefold() for w in _WORD.findall(text)]
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def detect_language(text: str) -> str:
    import py3langid

    lang, _ = py3langid.classify(text[:3000])
    return lang


def shingles(text: str, k: int) -> set[str]:
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def near_duplicate_pairs(
    docs: list[dict[str, Any]], threshold: float, k: int, num_perm: int, seed: int = 1
) -> list[tuple[str, str, float]]:
    """(id_a, id_b, estimated Jaccard) for every pair above ``threshold`` (MinHash LSH)."""
    from datasketch import MinHash, MinHashLSH

    # LSH needs at least two bands; very high thresholds are applied on the exact estimate below.
    lsh = MinHashLSH(threshold=min(threshold, 0.9), num_perm=num_perm)
    hashes: dict[str, MinHash] = {}
    for doc in docs:
        mh = MinHash(num_perm=num_perm, seed=seed)
        sh = shingles(doc["body"], k)
        mh.update_batch([s.encode() for s in sh])
        hashes[doc["id"]] = mh
        lsh.insert(doc["id"], mh)
    pairs = []
    for doc_id, mh in hashes.items():
        for other in lsh.query(mh):
            if other > doc_id:
                j = mh.jaccard(hashes[other])
                if j >= threshold:
                    pairs.append((doc_id, other, round(j, 3)))
    return sorted(pairs)


def preference(doc: dict[str, Any]) -> tuple:
    # Originals (plain EN/DE ids) before regional republications, then older first (the first
    # publication), then the id: deterministic.
    regional = "_" in doc["id"]
    return (regional, doc.get("date") or "", doc["id"])


def split_documents(docs: list[dict[str, Any]], train_ratio: float, method: str, seed: int) -> dict[str, str]:
    """id -> "train" | "eval", whole families at a time (family split seeded, date split newest to eval)."""
    families: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        families[doc["family"]].append(doc)
    if method == "date":
        order = sorted(families, key=lambda f: max(d.get("date") or "" for d in families[f]), reverse=True)
    else:
        order = sorted(families, key=lambda f: hashlib.sha256(f"{seed}:{f}".encode()).hexdigest())
    n_eval_target = round(len(docs) * (1 - train_ratio))
    if len(docs) >= 2:
        n_eval_target = max(1, min(n_eval_target, len(docs) - 1))
    out: dict[str, str] = {}
    n_eval = 0
    for fam in order:
        side = "eval" if n_eval < n_eval_target else "train"
        if side == "eval":
            n_eval += len(families[fam])
        for doc in families[fam]:
            out[doc["id"]] = side
    return out


_UPDATE_MARK = re.compile(r"^\s*(?:update[ds]?|aktualisiert)\s*:\s*|\s*\((?:updated?|aktualisiert)\)", re.I)


def normalized_headline(title: str) -> str:
    """Case, punctuation, diacritics, quote styles and "Update:"/"(updated)" marks removed."""
    import unicodedata

    text = _UPDATE_MARK.sub(" ", title or "")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(text))


def _day(doc: dict[str, Any]) -> float | None:
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(str(doc.get("date"))).timestamp() / 86400
    except ValueError:
        return None


def _headlines_match(a: str, b: str, similarity: float) -> float | None:
    from rapidfuzz import fuzz

    if not a or not b:
        return None
    score = 1.0 if a == b else fuzz.ratio(a, b) / 100
    return score if score >= similarity else None


def headline_pairs(docs: list[dict[str, Any]], window_days: float, similarity: float) -> list[tuple[str, str, float]]:
    """(id_a, id_b, headline similarity) for documents dated within ``window_days`` of each other
    whose normalised headlines match; documents without a date are not paired."""
    dated = sorted(
        (day, normalized_headline(d.get("title") or ""), d["id"]) for d in docs if (day := _day(d)) is not None
    )
    pairs = []
    for i, (day, head, doc_id) in enumerate(dated):
        for day_b, head_b, other in dated[i + 1 :]:
            if day_b - day > window_days:
                break
            score = _headlines_match(head, head_b, similarity)
            if score is not None:
                pairs.append((min(doc_id, other), max(doc_id, other), round(score, 3)))
    return sorted(pairs)


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def cross_split_pairs(
    train: list[dict[str, Any]],
    eval_docs: list[dict[str, Any]],
    window_days: float,
    similarity: float,
    min_jaccard: float,
    k: int,
) -> list[dict[str, Any]]:
    """Every train x eval pair tested directly, without the family builder's pairs or MinHash:
    headlines matching within the window, or exact word-shingle Jaccard >= ``min_jaccard``.
    Found pairs: {"train", "eval", "headline", "jaccard"}."""
    train_sh = [(d, shingles(d["body"], k), normalized_headline(d.get("title") or ""), _day(d)) for d in train]
    found = []
    for e in eval_docs:
        e_sh, e_head, e_day = shingles(e["body"], k), normalized_headline(e.get("title") or ""), _day(e)
        for d, d_sh, d_head, d_day in train_sh:
            near_in_time = e_day is not None and d_day is not None and abs(e_day - d_day) <= window_days
            head = _headlines_match(e_head, d_head, similarity) if near_in_time else None
            jac = jaccard(e_sh, d_sh)
            if head is not None or jac >= min_jaccard:
                found.append({"train": d["id"], "eval": e["id"], "headline": head, "jaccard": round(jac, 3)})
    return found
