"""Read ``<run>/dataset/{train,eval}.jsonl`` (see notes/DATASET.md) into datasets TRL takes as is.

Rows are either prompt/completion chats (styles instruct, qa) or plain ``text`` (article).
TRL's SFTTrainer does the rest: chat template, completion-only labels, packing. Here we only
check each row, so one bad row is reported by its line and id and skipped instead of failing
the whole run deep inside a ``datasets.map``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from presstune.records import TrainingRow

log = logging.getLogger(__name__)

Format = Literal["chat", "text"]

#: Only these columns reach the trainer; metadata is dropped (TRL would drop it anyway, but
#: ragged metadata types could make ``datasets`` fail while inferring the schema).
CHAT_COLUMNS = ("prompt", "completion")
TEXT_COLUMNS = ("text",)


class DatasetError(ValueError):
    """The dataset cannot be trained on (missing file, no valid rows, mixed formats)."""


@dataclass
class LoadedSplit:
    rows: list[TrainingRow]
    format: Format
    skipped: list[str] = field(default_factory=list)


def _check_messages(value: Any, roles: set[str], what: str) -> str | None:
    if not isinstance(value, list) or not value:
        return f"{what} must be a non-empty list of messages"
    for i, message in enumerate(value):
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            return f"{what}[{i}] must be a message with string content"
        if message.get("role") not in roles:
            return f"{what}[{i}] has role {message.get('role')!r}, expected one of {sorted(roles)}"
    return None


def row_format(row: dict[str, Any]) -> tuple[Format | None, str | None]:
    """The row's format, or None and why it is unusable."""
    if "prompt" in row or "completion" in row:
        problem = _check_messages(row.get("prompt"), {"system", "user", "assistant"}, "prompt") or _check_messages(
            row.get("completion"), {"assistant"}, "completion"
        )
        if problem:
            return None, problem
        if not any(m["content"].strip() for m in row["completion"]):
            return None, "completion is empty"
        return "chat", None
    if "text" in row:
        if not isinstance(row["text"], str) or not row["text"].strip():
            return None, "text must be a non-empty string"
        return "text", None
    return None, "row has neither prompt/completion nor text"


def jsonl_objects(path: Path, on_bad_line: Callable[[int, str], None]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each JSON object of ``path`` with its line number, blank lines skipped. A line that is no JSON
    object goes to ``on_bad_line(line_no, why)`` and is skipped: a caller that can train without
    the row records it, one whose file is a contract raises there."""
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                on_bad_line(line_no, f"invalid JSON ({exc.msg})")
                continue
            if not isinstance(row, dict):
                on_bad_line(line_no, "not a JSON object")
                continue
            yield line_no, row


def load_split(path: str | Path, max_rows: int | None = None) -> LoadedSplit:
    """Load and check one JSONL split; raises DatasetError if nothing usable is left."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"dataset file not found: {path} (run `presstune corpus` first)")
    rows: list[TrainingRow] = []
    skipped: list[str] = []
    formats: dict[Format, int] = {}
    first_line: dict[Format, int] = {}
    for line_no, row in jsonl_objects(path, lambda line_no, why: skipped.append(f"{path.name}:{line_no}: {why}")):
        fmt, problem = row_format(row)
        if fmt is None:
            skipped.append(f"{path.name}:{line_no} (id {row.get('id', '?')}): {problem}")
            continue
        formats[fmt] = formats.get(fmt, 0) + 1
        first_line.setdefault(fmt, line_no)
        columns = CHAT_COLUMNS if fmt == "chat" else TEXT_COLUMNS
        rows.append(cast(TrainingRow, {c: row[c] for c in columns}))  # checked by row_format
    for message in skipped:
        log.warning("skipping dataset row %s", message)
    if len(formats) > 1:
        raise DatasetError(
            f"{path}: mixes chat rows (first at line {first_line['chat']}) and text rows (first at line "
            f"{first_line['text']}); one split must have one format (one corpus style per run)"
        )
    if not rows:
        raise DatasetError(f"{path}: no usable rows ({len(skipped)} skipped)")
    split_format = next(iter(formats))
    if max_rows is not None:
        rows = rows[:max_rows]
    return LoadedSplit(rows=rows, format=split_format, skipped=skipped)


def to_dataset(split: LoadedSplit, enable_thinking: bool = False):
    """A ``datasets.Dataset`` for SFTTrainer.

    Chat rows carry ``chat_template_kwargs`` (TRL forwards it to ``apply_chat_template``), so
    the prompt is rendered exactly like evaluation renders it (thinking off) and the empty
    think block belongs to the prompt, not to the trained completion.
    """
    from datasets import Dataset

    rows: list[dict[str, Any]] = [dict(r) for r in split.rows]
    if split.format == "chat":
        for row in rows:
            row["chat_template_kwargs"] = {"enable_thinking": enable_thinking}
    return Dataset.from_list(rows)
