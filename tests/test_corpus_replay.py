"""Self-rehearsal replay (``corpus.mix.replay_file: base``): the base model's own answers to
general instructions, generated once, cached by their inputs, drawn into the mix at its replay
share, and kept apart from what the retention check asks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers.replica_run import write_replica_run
from presstune.config.corpus import CorpusConfig
from presstune.config.replay import GENERAL_INSTRUCTIONS, GENERAL_QA_QUESTIONS, ReplayConfig
from presstune.corpus import augment as A
from presstune.corpus.llm import TransformersBackend
from presstune.corpus.replay import self_replay_rows
from presstune.evaluate.retention import GENERAL_QUESTIONS, GENERAL_TEXTS
from presstune.rundir import read_jsonl

pytestmark = pytest.mark.slow  # generates replay rows with a model


def _grams(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _retention_answers_named_in(texts: list[str]) -> list[str]:
    """The retention answers that stand as whole words in ``texts``."""
    blob = " ".join(texts).lower()
    return [g.answer for g in GENERAL_QUESTIONS if re.search(rf"\b{re.escape(g.answer.lower())}\b", blob)]


def test_instructions_share_nothing_with_what_retention_asks():
    """Replay may keep behaviour, never rehearse the retention check: no retention answer is
    named in an instruction, and no word 4-gram of the retention questions or texts recurs."""
    assert _retention_answers_named_in(GENERAL_INSTRUCTIONS) == []
    instruction_grams = set().union(*(_grams(i, 4) for i in GENERAL_INSTRUCTIONS))
    retention_grams = set().union(*(_grams(t, 4) for t in [g.question for g in GENERAL_QUESTIONS] + GENERAL_TEXTS))
    assert instruction_grams & retention_grams == set()
    assert len(set(GENERAL_INSTRUCTIONS)) == len(GENERAL_INSTRUCTIONS)


#: Words of a question's form, which the QA replay shares with the retention questions on purpose.
_QUESTION_FORM = set(
    "what is the a an of do you call which who how many does to in on for and are people use used called "
    "name person at its as often usually known from with by".split()
)


def test_qa_questions_rehearse_the_question_form_not_the_retention_topics():
    """The QA replay keeps how the base answers a question, never what retention asks: no retention
    answer is named in a question, and no replay question shares two content words with a
    retention question (the form words aside)."""
    assert _retention_answers_named_in(GENERAL_QA_QUESTIONS) == []

    def content(text: str) -> set[str]:
        return set(re.findall(r"[a-z']+", text.lower())) - _QUESTION_FORM

    close = [
        (q, g.question)
        for q in GENERAL_QA_QUESTIONS
        for g in GENERAL_QUESTIONS
        if len(content(q) & content(g.question)) > 1
    ]
    assert close == []
    assert len(set(GENERAL_QA_QUESTIONS)) == len(GENERAL_QA_QUESTIONS)


class _Refuses:
    """A backend that must not be called (the rows are cached)."""

    name = "refuses"

    def generate(self, conversations, max_new_tokens):
        raise AssertionError("generated again although the inputs are unchanged")


def test_rows_are_the_models_answers_cached_by_their_inputs(tmp_path: Path, tiny_qwen3, tiny_tokenizer):
    cfg = ReplayConfig(model="tiny", instructions=6, max_new_tokens=12, min_chars=0, batch_size=3, keep_cut_off=True)
    backend = TransformersBackend(tiny_qwen3(), tiny_tokenizer, batch_size=3)
    rows, stats = self_replay_rows(cfg, "You are the press office.", tmp_path, backend)
    assert stats["rows"] == len(rows) and stats["too_short"] == 6 - len(rows) and stats["reused"] is False
    assert rows and all(r["kind"] == "replay" and r["completion"][0]["content"] for r in rows)
    assert [r["prompt"][-1]["content"] for r in rows] == GENERAL_INSTRUCTIONS[: len(rows)]
    assert rows[0]["prompt"][0] == {"role": "system", "content": "You are the press office."}
    # the answer is what the model generates for that conversation, greedily
    again = backend.generate([rows[0]["prompt"]], [12])[0].text.strip()
    assert rows[0]["completion"][0]["content"] == again

    reused, stats = self_replay_rows(cfg, "You are the press office.", tmp_path, _Refuses())
    assert reused == rows and stats["reused"] is True
    with pytest.raises(AssertionError, match="generated again"):  # another system prompt: new inputs
        self_replay_rows(cfg, "Another persona.", tmp_path, _Refuses())
    with pytest.raises(AssertionError, match="generated again"):  # general questions asked too: new inputs
        self_replay_rows(cfg.model_copy(update={"qa_questions": 2}), "You are the press office.", tmp_path, _Refuses())


def test_general_questions_are_asked_through_the_qa_instruction(tmp_path: Path, tiny_qwen3, tiny_tokenizer):
    cfg = ReplayConfig(model="tiny", instructions=2, qa_questions=3, max_new_tokens=8, min_chars=0, keep_cut_off=True)
    backend = TransformersBackend(tiny_qwen3(), tiny_tokenizer)
    instruction = "Answer the following question in a single brief but complete sentence."
    rows, stats = self_replay_rows(cfg, "S", tmp_path, backend, instruction)
    asked = [r["prompt"][-1]["content"] for r in rows]
    assert asked == GENERAL_INSTRUCTIONS[:2] + [f"{instruction} {q}" for q in GENERAL_QA_QUESTIONS[:3]]
    assert stats["instructions"] == 2 and stats["qa_questions"] == 3


def test_too_short_answers_are_not_replayed(tmp_path: Path, tiny_qwen3, tiny_tokenizer):
    backend = TransformersBackend(tiny_qwen3(), tiny_tokenizer)
    cfg = ReplayConfig(model="tiny", instructions=4, max_new_tokens=8, min_chars=10_000)
    rows, stats = self_replay_rows(cfg, "S", tmp_path, backend)
    assert rows == [] and stats["too_short"] == 4


def test_answers_cut_off_at_the_token_limit_are_left_out_unless_kept(tmp_path: Path, tiny_qwen3, tiny_tokenizer):
    """The random tiny model (seed 0) ends none of these turns within 8 tokens: all are cut off."""
    backend = TransformersBackend(tiny_qwen3(), tiny_tokenizer)
    cfg = ReplayConfig(model="tiny", instructions=3, max_new_tokens=8, min_chars=0)
    rows, stats = self_replay_rows(cfg, "S", tmp_path / "a", backend)
    assert rows == [] and stats["cut_off"] == 3
    kept, stats = self_replay_rows(cfg.model_copy(update={"keep_cut_off": True}), "S", tmp_path / "b", backend)
    assert len(kept) == 3 and all(r["cut_off"] for r in kept) and stats["cut_off"] == 0


def test_mix_draws_its_replay_share_from_the_base_rows():
    rows = {"article": [{"id": f"A{i}", "kind": "article", "text": "x"} for i in range(90)]}
    pool = [{"id": f"replay-{i:03d}", "kind": "replay", "text": "y"} for i in range(40)]
    weights = A.MixWeights(replay=0.1, replay_file="base")
    mixed = A.apply_mix(rows, weights, seed=0, self_replay=pool)
    assert sum(r["kind"] == "replay" for r in mixed) == 10 and len(mixed) == 100
    with pytest.raises(ValueError, match="replay_file base: no rows"):
        A.apply_mix(rows, weights, seed=0, self_replay=[])


def test_corpus_build_with_self_replay_writes_rows_and_card(tmp_path: Path, tiny_qwen3, tiny_tokenizer):
    """End to end through the corpus stage: the base model (a saved tiny model loaded by path)
    answers the instructions; the default mix carries them, the seed mix does not."""
    from presstune.corpus.pipeline import build_corpus
    from presstune.replica.site import Site

    base = tmp_path / "base"
    tiny_qwen3().save_pretrained(base)
    tiny_tokenizer.save_pretrained(base)
    run = tmp_path / "run"
    write_replica_run(Site(articles=12, seed=3), run)
    cfg = CorpusConfig(
        train_ratio=0.8,
        mix=A.MixWeights(article=1, qa=1, replay=0.2, replay_file="base"),
        replay=ReplayConfig(model=str(base), instructions=5, max_new_tokens=10, min_chars=0, keep_cut_off=True),
    )
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="no-llm")
    train = read_jsonl(run / "dataset" / "train.jsonl")
    replayed = [r for r in train if r["kind"] == "replay"]
    assert replayed and abs(len(replayed) / len(train) - 0.2) < 0.02
    assert {r["prompt"][-1]["content"] for r in replayed} <= set(GENERAL_INSTRUCTIONS[:5])
    assert not [r for r in read_jsonl(run / "dataset" / "train.seed.jsonl") if r["kind"] == "replay"]
    stats = json.loads((run / "dataset" / "stats.json").read_text())["augment"]["self_replay"]
    assert stats["model"] == str(base) and stats["instructions"] == 5
    assert "Self-rehearsal replay" in (run / "dataset" / "README.md").read_text(encoding="utf-8")
