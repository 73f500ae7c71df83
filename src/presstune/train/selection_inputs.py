"""What checkpoint selection reads, light enough for the cache records to import: the validation
file's name and the general questions selection reserves (:mod:`presstune.train.select` measures
with them during training)."""

from __future__ import annotations

from presstune.evaluate.retention import SELECTION_RESERVED, GeneralQuestion, selection_general_questions

VALID_FILE = "qa_valid.jsonl"


class SelectionError(RuntimeError):
    """Selection cannot run (no validation questions), phrased for the user."""


def general_set(count: int) -> list[GeneralQuestion]:
    """The last ``count`` general questions, reserved for selection (evaluation never asks them)."""
    if count > SELECTION_RESERVED:
        raise SelectionError(
            f"train.select.general_questions = {count}: at most {SELECTION_RESERVED} general questions are kept "
            "apart from evaluation's retention set"
        )
    return selection_general_questions(count)
