"""The format phase's steps: filters, the exclusion writer, the step list in the config."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from presstune.corpus import steps
from presstune.corpus.config import CorpusConfig


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
