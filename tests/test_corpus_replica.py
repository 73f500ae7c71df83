"""Corpus on the replica: no eval article has a near-duplicate (or language twin) in train."""

from __future__ import annotations

import json
import re

import pytest

from helpers.replica_run import write_replica_run
from presstune.replica.site import Site

pytestmark = pytest.mark.slow  # builds the corpus of an 80-article replica


@pytest.fixture(scope="module")
def replica_run(tmp_path_factory):
    site = Site(articles=80, seed=3)
    run = tmp_path_factory.mktemp("replica_run")
    write_replica_run(site, run)
    return site, run


def _related(site) -> list[tuple[str, str]]:
    """Ground-truth pairs that must not be split: language twins, regional copies, updates."""
    pairs = []
    for a in site.articles():
        if a.source_id:
            pairs.append((a.id, a.source_id))
    return pairs


@pytest.mark.parametrize("drop_near", [False, True])
@pytest.mark.parametrize("method", ["family", "date"])
def test_no_eval_article_has_a_near_duplicate_in_train(replica_run, tiny_tokenizer, drop_near, method):
    from presstune.config.corpus import CorpusConfig
    from presstune.corpus.pipeline import build_corpus

    site, run = replica_run
    cfg = CorpusConfig(languages=["en", "de"], drop_near_duplicates=drop_near, split=method, train_ratio=0.7)
    build_corpus(cfg, run, tokenizer=tiny_tokenizer)
    docs = {json.loads(l)["id"]: json.loads(l) for l in (run / "dataset" / "documents.jsonl").read_text().splitlines()}
    related = [(a, b) for a, b in _related(site) if a in docs and b in docs]
    if not drop_near:
        assert len(related) >= 4  # the replica planted twins, regional copies and updates
    for a, b in related:
        assert docs[a]["split"] == docs[b]["split"], (a, b)
        assert docs[a]["family_id"] == docs[b]["family_id"]
    assert {d["split"] for d in docs.values()} == {"train", "eval"}
    if drop_near:  # planted updates / regional copies are gone (kept: one per cluster)
        planted = [a.id for a in site.articles() if a.origin in ("regional", "near_duplicate")]
        assert sum(1 for i in planted if i in docs) == 0
    stats = json.loads((run / "dataset" / "stats.json").read_text())
    assert stats["leaks"] == 0


def test_fidelity_and_rerun_skip(replica_run, tiny_tokenizer):
    from rapidfuzz import fuzz

    from presstune.config.corpus import CorpusConfig
    from presstune.corpus.pipeline import build_corpus

    site, run = replica_run
    cfg = CorpusConfig(languages=["en", "de"])
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="regex")
    scores, two_column, leftovers = [], [], []
    for a in site.articles():
        doc = json.loads((run / "cleaned" / f"{a.id}.json").read_text())
        if doc["status"] == "ok" and a.body_paragraphs:
            scores.append(fuzz.ratio(doc["body"], a.ground_truth_body) / 100)
            if doc["source"] == "pdf" and a.pdf_kind == "two_column":
                two_column.append(scores[-1])
            # Contact lines, the company paragraph and the disclaimer must be gone.
            block = "\n".join(a.contact_paragraphs)
            marks = re.findall(r"[\w.+-]+@[\w.-]+", block) + re.findall(r"\+[\d ()./-]{8,}\d", block)
            marks += ["www.bmw.de/wltp", "four brands"]
            leftovers += [(a.id, m) for m in marks if m in doc["body"] and m not in a.ground_truth_body]
    scores.sort()
    assert scores[len(scores) // 2] >= 0.98
    # Two-column prints (title block above the columns, long lines near the gutter) read right.
    assert len(two_column) >= 3 and min(two_column) >= 0.9, two_column
    assert not leftovers
    summary = build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="regex")
    assert summary["extract"]["counts"] == {"skipped": len(site.articles())}
    assert summary["clean"]["counts"]["skipped"] == len(site.articles())


def test_the_real_teaser_and_figure_forms_keep_the_lead_and_the_news(replica_run, tiny_tokenizer):
    """A page teaser that is the lead's opening cut mid-sentence leaves the lead whole (and is not
    trained twice); a news sentence that also carries the consumption figures keeps its news."""
    from presstune.config.corpus import CorpusConfig
    from presstune.corpus.pipeline import build_corpus
    from presstune.replica.pdf import pdf_safe

    site, run = replica_run
    build_corpus(CorpusConfig(languages=["en", "de"]), run, tokenizer=tiny_tokenizer, phase="regex")
    leads = sentences = 0
    for a in site.articles():
        doc = json.loads((run / "cleaned" / f"{a.id}.json").read_text())
        if doc["status"] != "ok" or not a.body_paragraphs:
            continue
        # A PDF prints what its font has ("Dvořák" -> "Dvorák"): compare with that.
        truth = [pdf_safe(p) if doc["source"] == "pdf" else p for p in a.body_paragraphs]
        body = doc["body"].split("\n\n")
        if a.quirks.get("lead_teaser"):
            assert a.subtitle.endswith(" ...") and a.subtitle[:-4] in a.body_paragraphs[0]
            assert body[0] == truth[0] and doc["teaser"] == "", a.id
            leads += 1
        if a.quirks.get("inline_figures") == "in_sentence":
            page = next(p for p, t in zip(a.page_paragraphs, a.body_paragraphs) if p != t)
            news = truth[a.page_paragraphs.index(page)]
            assert news in body, (a.id, page)
            sentences += 1
    assert leads >= 5 and sentences >= 5


@pytest.mark.parametrize("style", ["instruct", "qa", "article"])
def test_dataset_loads_and_renders_through_the_chat_template(replica_run, tiny_tokenizer, style):
    import datasets

    from presstune.config.corpus import CorpusConfig
    from presstune.corpus.pipeline import build_corpus

    site, run = replica_run
    build_corpus(CorpusConfig(style=style), run, tokenizer=tiny_tokenizer, phase="format")
    ds = datasets.load_dataset(
        "json", data_files={"train": str(run / "dataset" / "train.jsonl"), "eval": str(run / "dataset" / "eval.jsonl")}
    )
    assert ds["train"].num_rows > 0 and ds["eval"].num_rows > 0
    row = ds["train"][0]
    assert row["style"] == style and len(row["family_id"]) == 7
    if style == "article":
        assert row["text"].startswith(row["title"])
    else:
        rendered = tiny_tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=False)
        assert "<|im_start|>assistant" in rendered and row["completion"][0]["content"] in rendered
        if style == "qa":  # the answer is a sentence of that article's cleaned body
            body = {json.loads(l)["id"]: json.loads(l)["body"] for l in (run / "dataset" / "documents.jsonl").open()}
            assert row["completion"][0]["content"] in body[row["id"]]
    card = (run / "dataset" / "README.md").read_text()
    assert "## Dropped" in card and (run / "dataset" / "lengths.png").stat().st_size > 1000
    assert "Leak check" in card and "**0 pairs**" in card and "PII scrubbed" in card and "Teaser" in card
    from presstune.corpus.pii import scrub

    for name in ("train.jsonl", "eval.jsonl", "documents.jsonl"):  # no personal data in any row
        assert scrub((run / "dataset" / name).read_text())[1] == {}, name
