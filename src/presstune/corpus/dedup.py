"""Filters (language, length, exact and near duplicates), families and the leakage-free split.

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


def filter_documents(
    docs: list[dict[str, Any]], cfg
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Apply the filters; returns (kept, dropped with 'reason', info with families and pairs)."""
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    allowed = {lang.split("_")[0].lower() for lang in cfg.languages}
    for doc in docs:
        detected = detect_language(doc["body"]) if doc["body"].strip() else "?"
        doc["detected_language"] = detected
        if len(doc["body"]) < cfg.min_chars:
            dropped.append({**doc, "reason": "too_short", "detail": f"{len(doc['body'])} < {cfg.min_chars} chars"})
        elif detected not in allowed:
            dropped.append({**doc, "reason": "language", "detail": f"detected {detected}, allowed {sorted(allowed)}"})
        else:
            kept.append(doc)
    # Exact duplicates (normalised text): keep the first in a stable preference order.
    kept.sort(key=_preference)
    seen: dict[str, str] = {}
    unique = []
    uf = UnionFind()
    for doc in kept:
        h = normalized_hash(doc["body"])
        if h in seen:
            uf.union(doc["id"], seen[h])
            dropped.append({**doc, "reason": "exact_duplicate", "detail": f"of {seen[h]}"})
            continue
        seen[h] = doc["id"]
        unique.append(doc)
    pairs = near_duplicate_pairs(unique, cfg.near_dup_threshold, cfg.shingle_size, cfg.minhash_perm)
    by_number: dict[str, list[str]] = defaultdict(list)
    for doc in unique:
        uf.find(doc["id"])
        num = release_number(doc["id"])
        if num:
            by_number[num].append(doc["id"])
    for ids in by_number.values():
        for other in ids[1:]:
            uf.union(ids[0], other)
    near = UnionFind()
    for a, b, _ in pairs:
        uf.union(a, b)
        near.union(a, b)
    final = unique
    if cfg.drop_near_duplicates:
        final = []
        keeper: dict[str, str] = {}
        for doc in unique:  # preference order: the first of each near-duplicate cluster stays
            root = near.find(doc["id"])
            if root in keeper:
                dropped.append({**doc, "reason": "near_duplicate", "detail": f"of {keeper[root]}"})
                continue
            keeper[root] = doc["id"]
            final.append(doc)
    for doc in final:
        doc["family"] = uf.find(doc["id"])
    info = {"near_duplicate_pairs": pairs}
    return final, dropped, info


def _preference(doc: dict[str, Any]) -> tuple:
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
