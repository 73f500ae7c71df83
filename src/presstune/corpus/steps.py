"""The format phase as a list of small steps (datatrove's shape): documents in, documents out.

A document is a dict (``id``, ``language``, ``title``, ``date``, ``source``, ``body``, ``llm``;
steps add ``family``, ``split``, ``rows`` ...). The phase reads the cleaned documents, pipes
them through the steps named in ``corpus.format_steps`` (default :data:`DEFAULT_STEPS`) and
writes the dataset card from what the steps recorded in the :class:`Context`.

Step interface
    ``run(docs, ctx) -> docs``: takes an iterable of documents, yields documents. Steps are
    chained as generators, so a document passes every streaming step before the next one
    enters (dropped documents are written in input order); a step that needs all documents
    at once (dedup, split), or what upstream steps record (``ctx.links``, ``ctx.stats``),
    reads its whole input first (``docs = list(docs)``). A step records what the card reports
    in ``ctx.stats`` and family links in ``ctx.links``.

Filter interface
    A :class:`Filter` implements ``keep(doc, ctx) -> Verdict``; a dropped document goes to
    the one exclusion writer (``ctx.exclusions`` -> ``dataset/dropped.jsonl``) with its
    reason and detail.

Rows
    ``format_rows`` attaches the training rows of a document as ``doc["rows"]``; row steps
    after it edit that list: augmentation (generated rows) goes right after it, then
    ``scrub_pii`` (every row's text, right before writing), ``measure_tokens`` and
    ``write_dataset`` (the rows and documents).

Adding a step: write the class (a ``name`` and ``run`` or ``keep``) and add it to
:data:`STEP_TYPES` and, if it runs by default, to :data:`DEFAULT_STEPS` at its place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from presstune.config.corpus import CORPUS_STEPS
from presstune.corpus.augment import build_mixes
from presstune.corpus.dedup import (
    UnionFind,
    cross_split_pairs,
    detect_language,
    headline_pairs,
    near_duplicate_pairs,
    normalized_hash,
    preference,
    release_number,
    split_documents,
)
from presstune.corpus.format import meta, rows_for, token_length
from presstune.corpus.pii import scrub
from presstune.models.loading import pretrained_tokenizer
from presstune.models.tinybase import train_tokenizer
from presstune.portal import PRESSCLUB, PortalProfile
from presstune.records import CorpusDocument, TrainingRow
from presstune.rundir import RunDir, write_jsonl

Doc = dict[str, Any]


class Verdict(NamedTuple):
    keep: bool
    reason: str | None = None
    detail: str | None = None


KEEP = Verdict(True)


class ExclusionWriter:
    """Every dropped document, with its reason, in the order the steps dropped them."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, doc: Doc, reason: str, detail: str | None = None) -> None:
        self.items.append({"id": doc["id"], "reason": reason, "detail": detail})

    def counts(self) -> Counter:
        return Counter(d["reason"] for d in self.items)

    def write(self, path: Path) -> None:
        write_jsonl(path, self.items)


@dataclass
class Context:
    """What the steps share: the config, the run, the exclusion writer and the card's numbers."""

    cfg: Any  # CorpusConfig
    run: Path
    tokenizer: Any = None
    #: The portal whose releases these are: its prompts and brand names (``portal.profile``).
    profile: PortalProfile = field(default_factory=lambda: PRESSCLUB)
    exclusions: ExclusionWriter = field(default_factory=ExclusionWriter)
    #: (id_a, id_b) pairs that must end up in one family (release numbers, near duplicates ...).
    links: list[tuple[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    #: Named training mixes (``corpus.mixes``) -> rows, written as ``train.<name>.jsonl``.
    mixes: dict[str, list[TrainingRow]] = field(default_factory=dict)
    #: Train rows of the default mix that belong to no document (general replay).
    extra_train_rows: list[TrainingRow] = field(default_factory=list)


class Step:
    name: str = ""

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        raise NotImplementedError


class Filter(Step):
    """Keeps a document or drops it with a named reason (see the module docstring)."""

    def keep(self, doc: Doc, ctx: Context) -> Verdict:
        raise NotImplementedError

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        for doc in docs:
            verdict = self.keep(doc, ctx)
            if verdict.keep:
                yield doc
            else:
                ctx.exclusions.add(doc, verdict.reason or self.name, verdict.detail)


# -- filters -------------------------------------------------------------------------------------


class LengthFilter(Filter):
    name = "length_filter"

    def keep(self, doc: Doc, ctx: Context) -> Verdict:
        n, low, high = len(doc["body"]), ctx.cfg.min_chars, ctx.cfg.max_chars
        if n < low:
            return Verdict(False, "too_short", f"{n} < {low} chars")
        if high and n > high:
            return Verdict(False, "too_long", f"{n} > {high} chars (corpus.max_chars)")
        return KEEP


class LanguageFilter(Filter):
    name = "language_filter"

    def keep(self, doc: Doc, ctx: Context) -> Verdict:
        allowed = {lang.split("_")[0].lower() for lang in ctx.cfg.languages}
        detected = detect_language(doc["body"]) if doc["body"].strip() else "?"
        if detected in allowed:
            return KEEP
        return Verdict(False, "language", f"detected {detected}, allowed {sorted(allowed)}")


class ExactDedup(Step):
    """Drops documents whose normalised text was seen before, in a stable preference order
    (originals before regional republications, older first); the kept copy and the dropped
    one stay linked, so the family of the copy's twins is the kept one's."""

    name = "exact_dedup"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        seen: dict[str, str] = {}
        for doc in sorted(docs, key=preference):
            h = normalized_hash(doc["body"])
            if h in seen:
                ctx.links.append((doc["id"], seen[h]))
                ctx.exclusions.add(doc, "exact_duplicate", f"of {seen[h]}")
                continue
            seen[h] = doc["id"]
            yield doc


class ReleaseNumberLinks(Step):
    """Links documents sharing the 7-digit release number (the EN/DE versions of one release)."""

    name = "release_links"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        first: dict[str, str] = {}
        for doc in docs:
            num = release_number(doc["id"])
            if num:
                if num in first:
                    ctx.links.append((first[num], doc["id"]))
                else:
                    first[num] = doc["id"]
            yield doc


class NearDedup(Step):
    """MinHash/LSH near-duplicate pairs (linked into one family); with
    ``corpus.drop_near_duplicates`` only the preferred document of each cluster stays."""

    name = "near_dedup"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        cfg = ctx.cfg
        docs = list(docs)
        pairs = near_duplicate_pairs(docs, cfg.near_dup_threshold, cfg.shingle_size, cfg.minhash_perm)
        ctx.stats["near_duplicate_pairs"] = pairs
        near = UnionFind()
        for a, b, _ in pairs:
            ctx.links.append((a, b))
            near.union(a, b)
        if not cfg.drop_near_duplicates:
            yield from docs
            return
        keeper: dict[str, str] = {}
        for doc in docs:  # preference order: the first of each near-duplicate cluster stays
            root = near.find(doc["id"])
            if root in keeper:
                ctx.exclusions.add(doc, "near_duplicate", f"of {keeper[root]}")
                continue
            keeper[root] = doc["id"]
            yield doc


class HeadlineLinks(Step):
    """Links documents whose normalised headlines match within ``corpus.headline_window_days``:
    regional republications get new release numbers and edited bodies (below the MinHash
    threshold) but keep the headline."""

    name = "headline_links"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        cfg = ctx.cfg
        docs = list(docs)
        pairs = headline_pairs(docs, cfg.headline_window_days, cfg.headline_similarity)
        before = UnionFind()  # the families the earlier links make: which pairs join two of them
        for a, b in ctx.links:
            before.union(a, b)
        ctx.stats["headline_pairs"] = pairs
        joined = 0
        for a, b, _ in pairs:  # merges the headline pairs make (three republications: two)
            if before.find(a) != before.find(b):
                before.union(a, b)
                joined += 1
        ctx.stats["families_joined_by_headline"] = joined
        ctx.links += [(a, b) for a, b, _ in pairs]
        yield from docs


class Families(Step):
    """``family``: the union-find closure of every link recorded so far (its smallest id);
    ``family_id``: that id's release number."""

    name = "families"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        docs = list(docs)  # every upstream step has recorded its links only once its input is read
        uf = UnionFind()
        for a, b in ctx.links:
            uf.union(a, b)
        for doc in docs:
            doc["family"] = uf.find(doc["id"])
            doc["family_id"] = release_number(doc["family"]) or doc["family"]
            yield doc


class Split(Step):
    """``split``: train or eval, whole families at a time (``corpus.split``)."""

    name = "split"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        cfg = ctx.cfg
        docs = list(docs)
        split = split_documents(docs, cfg.train_ratio, cfg.split, cfg.seed)
        for doc in docs:
            doc["split"] = split[doc["id"]]
        yield from docs


class LeakCheck(Step):
    """Independent of how families were built: every train x eval pair is re-tested directly
    (headlines within the window, exact word-shingle Jaccard of the bodies); pairs found are
    listed in stats.json and counted in the card."""

    name = "leak_check"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        cfg = ctx.cfg
        docs = list(docs)
        ctx.stats["leaks"] = cross_split_pairs(
            [d for d in docs if d["split"] == "train"],
            [d for d in docs if d["split"] == "eval"],
            cfg.headline_window_days,
            cfg.headline_similarity,
            cfg.leak_jaccard,
            cfg.shingle_size,
        )
        yield from docs


# -- rows ----------------------------------------------------------------------------------------


class FormatRows(Step):
    """``rows``: the training rows of each document in ``corpus.style``, documents by id.
    Loads the tokenizer (``corpus.tokenizer``) when the phase was given none."""

    name = "format_rows"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        cfg = ctx.cfg
        docs = list(docs)
        if ctx.tokenizer is None:  # the demo tokenizer is trained on these bodies, in this order
            ctx.tokenizer = load_tokenizer(cfg.tokenizer, [d["body"] for d in docs])
        for doc in sorted(docs, key=lambda d: d["id"]):
            doc["rows"] = rows_for(doc, cfg.style, cfg.system_prompt, cfg.qa_per_article, ctx.profile.prompts)
            yield doc


class Augment(Step):
    """Knowledge augmentation of the train documents and the training mixes
    (:mod:`presstune.corpus.augment`): each train document's rows become its share of the
    default mix (``corpus.mix``: article rows, generated QA, restatements, fact lists; probe
    articles' QA withheld); the named mixes (``corpus.mixes``) go to ``ctx.mixes``."""

    name = "augment"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        cfg = ctx.cfg
        docs = sorted(docs, key=lambda d: d["id"])
        train_docs = [d for d in docs if d["split"] == "train"]
        article_rows = [r for d in train_docs for r in d["rows"]]
        mixes, ctx.stats["augment"] = build_mixes(
            ctx.run, cfg, train_docs, article_rows, lambda d: meta(d, cfg.style), profile=ctx.profile
        )
        by_doc: dict[str, list[TrainingRow]] = {}
        train_ids = {d["id"] for d in train_docs}
        for row in mixes.pop("default"):
            if row.get("id") in train_ids and row.get("kind") != "replay":
                by_doc.setdefault(row["id"], []).append(row)
            else:
                ctx.extra_train_rows.append(row)
        for doc in train_docs:
            doc["rows"] = by_doc.get(doc["id"], [])
        ctx.mixes = mixes
        yield from docs


class MeasureTokens(Step):
    """Token length of every row through the chat template; rows over ``corpus.max_tokens``
    are dropped (counted as ``rows_over_max_tokens``)."""

    name = "measure_tokens"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        limit = ctx.cfg.max_tokens
        tokens: dict[str, list[int]] = ctx.stats.setdefault("tokens", {"train": [], "eval": []})
        too_long = 0

        def within(rows: list[TrainingRow], split: str | None) -> list[TrainingRow]:
            nonlocal too_long
            kept = []
            for row in rows:
                n = token_length(row, ctx.tokenizer)
                if limit and n > limit:
                    too_long += 1 if split else 0  # named mixes repeat the default mix's rows
                    continue
                kept.append(row)
                if split:
                    tokens[split].append(n)
            return kept

        for doc in docs:
            doc["rows"] = within(doc["rows"], doc["split"])
            yield doc
        ctx.extra_train_rows = within(ctx.extra_train_rows, "train")
        ctx.mixes = {name: within(rows, None) for name, rows in ctx.mixes.items()}
        ctx.stats["rows_over_max_tokens"] = too_long


class ScrubPii(Step):
    """Phone numbers and e-mail addresses out of every row and document text (a last line of
    defence behind the contact-block rules: personal contact data must never be trained on)."""

    name = "scrub_pii"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        counts: Counter = ctx.stats.setdefault("pii_scrubbed", Counter())
        enabled = ctx.cfg.scrub_pii
        for doc in docs:
            if enabled:
                for key in ("title", "teaser", "body"):
                    if doc.get(key):
                        doc[key], found = scrub(doc[key])
                        counts.update(found)
                for row in doc["rows"]:
                    _scrub_row(row, counts)
            yield doc
        if enabled:  # rows that belong to no document, and the named mixes (same rows are scrubbed once)
            seen: set[int] = set()
            for row in ctx.extra_train_rows + [r for rows in ctx.mixes.values() for r in rows]:
                if id(row) not in seen:
                    seen.add(id(row))
                    _scrub_row(row, counts)


def _scrub_row(row: TrainingRow, counts: Counter) -> None:
    if "text" in row:
        row["text"], found = scrub(row["text"])
        counts.update(found)
    for message in row.get("prompt", []) + row.get("completion", []):
        message["content"], found = scrub(message["content"])
        counts.update(found)


class WriteDataset(Step):
    """``train.jsonl``, ``eval.jsonl`` (the rows) and ``documents.jsonl`` (one per document)."""

    name = "write_dataset"

    def run(self, docs: Iterable[Doc], ctx: Context) -> Iterator[Doc]:
        docs = list(docs)
        layout = RunDir(ctx.run)
        rows: dict[str, list[TrainingRow]] = {"train": [], "eval": []}
        for doc in docs:
            rows[doc["split"]] += doc["rows"]
        rows["train"] += ctx.extra_train_rows
        for name, mix_rows in ctx.mixes.items():
            write_jsonl(layout.mix_rows(name), mix_rows)
        write_jsonl(layout.train_rows, rows["train"])
        write_jsonl(layout.eval_rows, rows["eval"])
        write_jsonl(layout.documents, [_document_record(d) for d in sorted(docs, key=lambda d: d["id"])])
        ctx.stats["rows"] = {s: len(rows[s]) for s in rows}
        yield from docs


def _document_record(d: Doc) -> CorpusDocument:
    return {
        "id": d["id"],
        "family_id": d["family_id"],
        "language": d["language"],
        "date": (d.get("date") or "")[:10],
        "title": d["title"],
        "split": d["split"],
        "source": d["source"],
        "chars": len(d["body"]),
        "teaser": d.get("teaser", ""),
        "body": d["body"],
    }


# -- the list ------------------------------------------------------------------------------------

STEP_TYPES: dict[str, type[Step]] = {
    cls.name: cls
    for cls in (
        LengthFilter,
        LanguageFilter,
        ExactDedup,
        ReleaseNumberLinks,
        HeadlineLinks,
        NearDedup,
        Families,
        Split,
        LeakCheck,
        FormatRows,
        Augment,
        ScrubPii,
        MeasureTokens,
        WriteDataset,
    )
}

#: The format phase's steps in order (``corpus.format_steps`` overrides it).
DEFAULT_STEPS: tuple[str, ...] = CORPUS_STEPS


def load_tokenizer(name: str, texts: list[str] | None = None):
    """The tokenizer whose chat template renders the rows; "tinybase" trains the demo's one."""
    if name == "tinybase":
        return train_tokenizer(texts or ["presstune"], vocab_size=2048)
    try:
        return pretrained_tokenizer(name)  # named offline models; Qwen/Qwen3-* rebuilt offline
    except (OSError, ValueError) as exc:
        raise RuntimeError(
            f"cannot load tokenizer {name!r} (offline? pass a local path or 'tinybase'): {exc}"
        ) from None


def build_steps(names: Iterable[str]) -> list[Step]:
    unknown = [n for n in names if n not in STEP_TYPES]
    if unknown:
        raise ValueError(f"unknown corpus step(s) {unknown}; known: {sorted(STEP_TYPES)}")
    return [STEP_TYPES[n]() for n in names]


def run_steps(docs: Iterable[Doc], steps: list[Step], ctx: Context) -> list[Doc]:
    """Chain the steps as generators and drain the chain."""
    stream: Iterable[Doc] = docs
    for step in steps:
        stream = step.run(stream, ctx)
    return list(stream)
