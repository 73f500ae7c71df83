"""Validation files and a scripted validation signal for the training selection tests."""

from __future__ import annotations

import json

import torch

from presstune.train.select import Measurement


def valid_rows(train_rows: list[dict]) -> list[dict]:
    """Two questions no training row holds, and one that a training row asks word for word."""
    trained = train_rows[0]["prompt"][-1]["content"]
    return [
        {
            "id": "T0000EN",
            "question": "Which plant builds the iX3?",
            "answer": "Leipzig",
            "aliases": [],
            "fact_kind": "place",
        },
        {
            "id": "T0001EN",
            "question": "Where does production begin?",
            "answer": "Debrecen",
            "aliases": [],
            "fact_kind": "place",
        },
        {"id": "T0000EN", "question": trained, "answer": "340 kW", "aliases": [], "fact_kind": "number"},
    ]


def write_valid(run_dir, rows: list[dict]) -> None:
    (run_dir / "dataset" / "qa_valid.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


class KnownScores:
    """A scorer whose results are a given sequence (base first), recording the weights it saw."""

    def __init__(self, scores: list[tuple[int, int]]):
        self.scores = list(scores)
        self.seen: list[dict[str, torch.Tensor]] = []

    def __call__(self, model, tokenizer) -> Measurement:
        self.seen.append({n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad})
        knowledge, general = self.scores.pop(0)
        return Measurement(knowledge, 10, general, 10)
