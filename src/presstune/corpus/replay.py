"""Self-rehearsal replay: the base model's own answers to general instructions, mixed into the
training rows so that fine-tuning on the news keeps what the base could do (``corpus.mix.replay``
with ``replay_file: base``).

Why the base's own answers (self-synthesised rehearsal, Huang et al., ACL 2024) rather than a
general instruction set: the machines presstune runs on offline have none, and the base's answers
are exactly the behaviour to keep -- they cannot teach it anything it did not already do, so the
retention check (``presstune.evaluate.retention``) still measures what fine-tuning lost, not what
replay taught. The instructions below are our own wording, open tasks (explain, write, rewrite,
reason, plan), and share no topic with the retention questions and texts (a test checks it).

Generated once per (model, instructions, settings) into ``dataset/replay/base.jsonl`` with its
inputs key in ``dataset/replay/inputs.json``; a later corpus build with the same inputs reuses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from presstune.cache import digest, read_record
from presstune.config.replay import GENERAL_INSTRUCTIONS, GENERAL_QA_QUESTIONS, ReplayConfig
from presstune.console import step
from presstune.corpus.llm import TransformersBackend
from presstune.prompts import chat_prompt, qa_prompt
from presstune.records import TrainingRow
from presstune.rundir import atomic_write_json, read_jsonl, write_jsonl


def replay_requests(cfg: ReplayConfig, qa_instruction: str) -> list[str]:
    """The user turns the base answers: the open instructions, then the general questions asked
    through the QA instruction, as evaluation and the QA rows ask."""
    questions = [qa_prompt(qa_instruction, q) for q in GENERAL_QA_QUESTIONS[: cfg.qa_questions]]
    return GENERAL_INSTRUCTIONS[: cfg.instructions] + questions


def _inputs(cfg: ReplayConfig, system_prompt: str, requests: list[str]) -> dict[str, Any]:
    """What the rows depend on: the model, the requests asked and the generation settings."""
    return {
        "model": cfg.model,
        "instructions": requests,
        "max_new_tokens": cfg.max_new_tokens,
        "min_chars": cfg.min_chars,
        "keep_cut_off": cfg.keep_cut_off,
        "system_prompt": system_prompt,
    }


def self_replay_rows(
    cfg: ReplayConfig, system_prompt: str, out_dir: Path, backend: Any = None, qa_instruction: str = ""
) -> tuple[list[TrainingRow], dict[str, Any]]:
    """The base model's answers as chat rows (kind ``replay``), generated or reused; and what
    was done (for the dataset card). ``backend``: a :class:`presstune.corpus.llm.Backend`
    (tests); by default a transformers backend of ``cfg.model``. ``qa_instruction``: the QA
    rows' instruction, in front of ``cfg.qa_questions`` general questions."""
    instructions = replay_requests(cfg, qa_instruction)
    key = digest(_inputs(cfg, system_prompt, instructions))
    rows_path, record_path = out_dir / "base.jsonl", out_dir / "inputs.json"
    record = read_record(record_path) or {}
    if record.get("key") == key and rows_path.is_file():
        reused = cast(list[TrainingRow], read_jsonl(rows_path))  # this stage's own file, written below
        return reused, {**record.get("stats", {}), "reused": True}
    if backend is None:
        backend = TransformersBackend.from_pretrained(cfg.model, cfg.batch_size)
    conversations = [chat_prompt(system_prompt, q) for q in instructions]
    answers = []
    with step(f"self-rehearsal replay ({cfg.model})", total=len(conversations), unit="answers") as bar:
        for start in range(0, len(conversations), cfg.batch_size):  # one batch at a time: progress
            chunk = conversations[start : start + cfg.batch_size]
            answers += backend.generate(chunk, [cfg.max_new_tokens] * len(chunk))
            bar.advance(len(chunk))
    if len(answers) != len(conversations):
        raise ValueError(f"replay model {cfg.model}: {len(answers)} answers for {len(conversations)} instructions")
    rows: list[TrainingRow] = []
    dropped, cut_off = 0, 0
    for i, answer in enumerate(answers):
        text = answer.text.strip()
        if answer.finish_reason == "error" or len(text) < cfg.min_chars:
            dropped += 1
            continue
        if answer.finish_reason == "length" and not cfg.keep_cut_off:
            cut_off += 1
            continue
        rows.append(
            {
                "prompt": conversations[i],
                "completion": [{"role": "assistant", "content": text}],
                "id": f"replay-{i:03d}",
                "source": "replay",
                "kind": "replay",
                "cut_off": answer.finish_reason == "length",
            }
        )
    stats = {
        "model": cfg.model,
        "instructions": cfg.instructions,
        "qa_questions": cfg.qa_questions,
        "rows": len(rows),
        "too_short": dropped,
        "cut_off": cut_off,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(rows_path, rows)
    atomic_write_json(record_path, {"key": key, "stats": stats})  # written last: marks the rows complete
    return rows, {**stats, "reused": False}
