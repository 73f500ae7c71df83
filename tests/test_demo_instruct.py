"""The demo base's instruction data: conversations about its own older articles only."""

from __future__ import annotations

import pytest

from presstune.config import Config
from presstune.models.tinybase import article_fields, demo_cutoff
from presstune.pipeline import demo_instruction_chats
from presstune.replica.site import Site
from presstune.retrieval import RAG_INSTRUCTION


@pytest.fixture(scope="module")
def built():
    cfg = Config()
    site = Site(articles=60, seed=3)
    cutoff = demo_cutoff(site, 0.6)
    return cfg, site, cutoff, demo_instruction_chats(site, cutoff, cfg)


def test_only_older_articles_and_never_a_fact_sheet_question(built):
    cfg, site, cutoff, chats = built
    older, newer = {}, {}
    for article in site.articles():
        title, _, paragraphs, date, ident = article_fields(article)
        (older if date < cutoff else newer)[title] = ("\n\n".join(paragraphs), article)
    users = [c[1]["content"] for c in chats]
    assert chats and all(c[0]["content"] == cfg.corpus.system_prompt for c in chats)
    assert not any(f'"{title}"' in u for u in users for title in newer if title not in older)
    sheet_questions = {qa["question"] for _, (_, a) in {**older, **newer}.items() for qa in a.qa}
    assert not sheet_questions & {u.removeprefix(cfg.evaluate.qa_instruction).strip() for u in users}


def test_answers_are_in_the_article_or_the_passages(built):
    cfg, site, cutoff, chats = built
    bodies = {}
    for article in site.articles():
        title, _, paragraphs, date, _ = article_fields(article)
        if date < cutoff:
            bodies.setdefault(title, []).append(" ".join(" ".join(paragraphs).split()))  # titles repeat
    reading = [c for c in chats if RAG_INSTRUCTION in c[1]["content"]]
    closed = [c for c in chats if RAG_INSTRUCTION not in c[1]["content"] and c[1]["content"].startswith("Answer")]
    assert reading and closed
    titled = [(title, body) for title, group in bodies.items() for body in group]
    for chat in closed:  # the answer stands in an older article
        answer, user = chat[2]["content"].rstrip("."), chat[1]["content"]
        assert any(answer in body for title, body in titled), user
    for chat in reading:
        user = chat[1]["content"]
        assert user.startswith(cfg.evaluate.qa_instruction) and "\n\nQuestion: " in user
        passages = user.split("\n\nQuestion: ")[0]
        assert chat[2]["content"].rstrip(".") in " ".join(passages.split())
    # about the configured share of the older articles get a reading conversation
    n_older = sum(len(b) for b in bodies.values())
    assert 0.1 * n_older <= len(reading) <= 0.6 * n_older


def test_switched_off_and_deterministic(built):
    cfg, site, cutoff, chats = built
    assert demo_instruction_chats(site, cutoff, cfg) == chats
    cfg2 = Config()
    cfg2.demo_base.reading_share = 0.0
    assert not any(RAG_INSTRUCTION in c[1]["content"] for c in demo_instruction_chats(site, cutoff, cfg2))


def test_several_wordings_per_fact_ask_the_same_sampled_facts(built):
    """instruction_phrasings: 3 gives each sampled fact in up to three wordings (same answer, other
    questions), for the same number of facts per article; 1 gives one wording each (as before)."""
    cfg, site, cutoff, chats = built

    def closed_book(chats):
        return [c for c in chats if RAG_INSTRUCTION not in c[1]["content"] and c[1]["content"].startswith("Answer")]

    cfg3 = Config()
    cfg3.demo_base.instruction_phrasings = 3
    one, three = closed_book(chats), closed_book(demo_instruction_chats(site, cutoff, cfg3))
    assert 2 * len(one) <= len(three) <= 3 * len(one)
    by_answer: dict[str, set[str]] = {}
    for chat in three:
        by_answer.setdefault(chat[2]["content"], set()).add(chat[1]["content"])
    assert sum(len(questions) >= 2 for questions in by_answer.values()) >= len(one) // 2


def test_a_run_without_system_prompt_gives_the_base_no_system_turn():
    """configs/demo.yaml trains and asks without a system turn: the base's conversations match."""
    cfg = Config.model_validate({"corpus": {"system_prompt": ""}})
    site = Site(articles=30, seed=3)
    chats = demo_instruction_chats(site, demo_cutoff(site, 0.6), cfg)
    assert chats and all(c[0]["role"] == "user" and c[-1]["role"] == "assistant" for c in chats)
    assert not [m for c in chats for m in c if m["role"] == "system"]
