"""The format phase's steps: filters, the exclusion writer, the step list in the config."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from presstune.config.corpus import CORPUS_STEPS, CorpusConfig
from presstune.corpus import steps


def _doc(doc_id: str, body: str, **kw) -> dict:
    return {"id": doc_id, "language": "en", "title": "T", "date": "2025-01-01", "source": "html", "body": body, **kw}


ENGLISH = "The new model is built at the plant in Leipzig and goes on sale in the spring of next year. " * 4
GERMAN = "Das neue Modell wird im Werk Leipzig gebaut und kommt im Frühjahr des nächsten Jahres in den Handel. " * 4


def test_filters_stream_so_dropped_documents_keep_their_input_order(tmp_path: Path):
    ctx = steps.Context(cfg=CorpusConfig(min_chars=100, languages=["en"]), run=tmp_path)
    docs = [_doc("A", GERMAN), _doc("B", "short"), _doc("C", ENGLISH), _doc("D", "tiny")]
    kept = steps.run_steps(docs, steps.build_steps(["length_filter", "language_filter"]), ctx)
    assert [d["id"] for d in kept] == ["C"]
    assert [(d["id"], d["reason"]) for d in ctx.exclusions.items] == [
        ("A", "language"),
        ("B", "too_short"),
        ("D", "too_short"),
    ]
    assert ctx.exclusions.items[1]["detail"] == "5 < 100 chars"


def test_exact_duplicates_are_dropped_and_linked_into_the_kept_copys_family(tmp_path: Path):
    ctx = steps.Context(cfg=CorpusConfig(), run=tmp_path)
    docs = [
        _doc("T0000005EN", ENGLISH),
        _doc("T0000003EN_GB", ENGLISH.upper()),
        _doc("T0000005DE", GERMAN),
        _doc("T0000007EN", GERMAN + "x"),
    ]
    kept = steps.run_steps(docs, steps.build_steps(["exact_dedup", "release_links", "families"]), ctx)
    # Originals before regional republications: T0000003EN_GB (same words) is the duplicate.
    assert [d["id"] for d in kept] == ["T0000005DE", "T0000005EN", "T0000007EN"]
    assert ctx.exclusions.items == [{"id": "T0000003EN_GB", "reason": "exact_duplicate", "detail": "of T0000005EN"}]
    # The family is the smallest id of the linked documents, the dropped copy included.
    family = {d["id"]: d["family"] for d in kept}
    assert family == {"T0000005DE": "T0000003EN_GB", "T0000005EN": "T0000003EN_GB", "T0000007EN": "T0000007EN"}


def test_unknown_step_names_are_rejected_by_the_config():
    with pytest.raises(ValidationError, match="unknown corpus step"):
        CorpusConfig(format_steps=["length_filter", "no_such_step"])
    assert CorpusConfig(format_steps=list(steps.DEFAULT_STEPS)).format_steps == list(steps.DEFAULT_STEPS)


REPUBLICATION = [
    # (id, date, headline): a regional republication, same or nearly the same headline, days later
    ("T0450001EN", "2025-03-10T09:00:00+01:00", "The new BMW iX5: world premiere at the Geneva show."),
    ("T0450077EN_GB", "2025-03-12T11:00:00+01:00", "The new BMW iX5: world premiere at the Geneva show (UK)."),
    ("T0450090EN_US", "2025-03-11T15:00:00-05:00", "The New BMW iX5 – World Premiere at the Geneva Show"),
    ("T0450200EN", "2025-05-20T09:00:00+01:00", "The new BMW iX5: world premiere at the Geneva show."),  # months later
    ("T0450005EN", "2025-03-10T10:00:00+01:00", "MINI opens a new plant in Oxford."),
]


def _republication_docs() -> list[dict]:
    bodies = [ENGLISH, ENGLISH.replace("Leipzig", "Oxford"), GERMAN, ENGLISH[::-1], "Totally different text. " * 9]
    return [_doc(i, body, date=d, title=t) for (i, d, t), body in zip(REPUBLICATION, bodies)]


def test_headline_links_join_republications_within_the_date_window_only(tmp_path: Path):
    ctx = steps.Context(cfg=CorpusConfig(), run=tmp_path)
    kept = steps.run_steps(_republication_docs(), steps.build_steps(["headline_links", "families"]), ctx)
    family = {d["id"]: d["family"] for d in kept}
    assert family["T0450077EN_GB"] == family["T0450090EN_US"] == family["T0450001EN"]
    assert family["T0450200EN"] == "T0450200EN"  # same headline, 71 days later: another release
    assert family["T0450005EN"] == "T0450005EN"
    assert ctx.stats["families_joined_by_headline"] == 2
    narrow = steps.Context(cfg=CorpusConfig(headline_window_days=1.0), run=tmp_path)
    kept = steps.run_steps(_republication_docs(), steps.build_steps(["headline_links", "families"]), narrow)
    assert len({d["family"] for d in kept if d["id"] != "T0450005EN"}) == 3  # the GB one is 2 days later


def test_the_leak_check_finds_related_pairs_the_family_builder_missed(tmp_path: Path):
    # Families built without the headline join: the republications are split apart, and the
    # leak check, which re-tests every train x eval pair itself, finds them.
    docs = _republication_docs()
    for d in docs:
        d["family"], d["split"] = d["id"], "eval" if d["id"].endswith(("_GB", "_US")) else "train"
    ctx = steps.Context(cfg=CorpusConfig(), run=tmp_path)
    steps.run_steps(docs, [steps.LeakCheck()], ctx)
    found = {(x["train"], x["eval"]) for x in ctx.stats["leaks"]}
    assert found == {("T0450001EN", "T0450077EN_GB"), ("T0450001EN", "T0450090EN_US")}
    # ... and by body alone: an edited body (Jaccard >= corpus.leak_jaccard) with another headline.
    edited = [dict(d) for d in docs[:2]]
    edited[1]["title"], edited[1]["date"] = "Something else entirely.", "2026-01-01"
    ctx = steps.Context(cfg=CorpusConfig(), run=tmp_path)
    steps.run_steps(edited, [steps.LeakCheck()], ctx)
    assert [x["eval"] for x in ctx.stats["leaks"]] == ["T0450077EN_GB"] and ctx.stats["leaks"][0]["headline"] is None


def test_the_default_format_steps_keep_republications_on_one_side(tmp_path: Path, tiny_tokenizer):
    ctx = steps.Context(
        cfg=CorpusConfig(languages=["en", "de"], train_ratio=0.5), run=tmp_path, tokenizer=tiny_tokenizer
    )
    kept = steps.run_steps(_republication_docs(), steps.build_steps(steps.DEFAULT_STEPS), ctx)
    side = {d["id"]: d["split"] for d in kept}
    assert side["T0450001EN"] == side["T0450077EN_GB"] == side["T0450090EN_US"]
    assert ctx.stats["leaks"] == []


def test_near_duplicate_pairs_are_measured_exactly_not_estimated():
    from presstune.corpus.dedup import jaccard, near_duplicate_pairs, shingles

    words = [f"w{i}" for i in range(400)]
    base = " ".join(words)
    docs = [{"id": "A", "body": base}]
    for n, cut in enumerate((60, 80, 100, 140)):  # true Jaccard from ~0.85 down to ~0.64
        docs.append({"id": f"B{n}", "body": " ".join(words[:cut] + ["x"] * 3 + words[cut + 40 :])})
    pairs = {(a, b): j for a, b, j in near_duplicate_pairs(docs, 0.7, 5, 128)}
    for d in docs[1:]:
        exact = jaccard(shingles(base, 5), shingles(d["body"], 5))
        assert (("A", d["id"]) in pairs) == (exact >= 0.7), (d["id"], exact)
        if exact >= 0.7:
            assert pairs[("A", d["id"])] == round(exact, 3)


def test_every_step_name_in_the_settings_is_a_registered_step():
    """``corpus.format_steps`` is validated against the settings' list of step names without
    importing the steps; the registry must hold exactly those names."""
    assert set(steps.STEP_TYPES) == set(CORPUS_STEPS)
    assert steps.DEFAULT_STEPS == CORPUS_STEPS
