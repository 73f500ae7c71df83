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
