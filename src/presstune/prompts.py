"""The prompts every stage builds the same way: training rows, evaluation, checkpoint selection,
the demo base's instruction data and ``presstune ask``/``chat`` all ask through here, so a
question is always asked as it was trained."""

from __future__ import annotations

from typing import Any

from presstune.config.corpus import CorpusConfig
from presstune.records import ChatMessage


def chat_prompt(system_prompt: str, user: str) -> list[ChatMessage]:
    """A chat row's prompt turns: the system turn (none when ``corpus.system_prompt`` is empty:
    a model trained here from scratch has no use for one, and it is the same ~20 tokens in every
    row) and the user turn. Training rows, evaluation and ``presstune ask`` all build prompts here,
    so they always agree."""
    system: list[ChatMessage] = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return [*system, {"role": "user", "content": user}]


def qa_prompt(instruction: str, question: str) -> str:
    """A QA user turn: the QA instruction in front of the question (an empty instruction adds
    nothing, not a leading space). The QA rows, the demo base's reading conversations and
    evaluation all ask through here: a question is asked as it was trained."""
    return f"{instruction} {question}" if instruction else question


def run_system_prompt(config: Any) -> str:
    """The system prompt the run's training rows were built with ("" = none); the corpus
    default for a config without a corpus section."""
    corpus = getattr(config, "corpus", None)
    return (corpus if corpus is not None else CorpusConfig()).system_prompt
