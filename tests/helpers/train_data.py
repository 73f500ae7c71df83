"""Train-test data: a tiny dataset in a run directory and a small config."""

from __future__ import annotations

import json
from pathlib import Path

from presstune.config import Config

FACTS = [
    ("BMW iX3", "The BMW iX3 has 340 kW and is built at the Leipzig plant."),
    ("price", "The price starts at 68,900 euros. Production begins in Debrecen in March 2026."),
    ("Zipse", "Oliver Zipse, Chairman of the Board of Management, said: This is a milestone."),
    ("range", "The power output is 250 kW. The range is 805 km (WLTP)."),
    ("Munich", "The BMW Group presents the new model in Munich."),
    ("plant", "Production begins at the Leipzig plant in March 2026."),
]


def chat_rows(n: int = 12) -> list[dict]:
    rows = []
    for i in range(n):
        title, body = FACTS[i % len(FACTS)]
        rows.append(
            {
                "prompt": [
                    {"role": "system", "content": "You are the BMW Group press office."},
                    {"role": "user", "content": f"Write the press release titled {title}."},
                ],
                "completion": [{"role": "assistant", "content": body}],
                "id": f"T{i:04d}EN",
                "family_id": f"{i:04d}",
                "language": "en",
                "date": "2025-12-05",
                "title": title,
                "source": "html",
                "style": "instruct",
            }
        )
    return rows


def text_rows(n: int = 12) -> list[dict]:
    return [
        {
            "text": f"{title}\n\n{body}",
            "id": f"A{i:04d}",
            "family_id": f"{i:04d}",
            "language": "en",
            "date": "2025-12-05",
            "title": title,
            "source": "pdf",
            "style": "article",
        }
        for i, (title, body) in enumerate(FACTS[i % len(FACTS)] for i in range(n))
    ]


def write_dataset(run_dir: Path, train: list[dict], eval_rows: list[dict] | None = None) -> Path:
    ds = run_dir / "dataset"
    ds.mkdir(parents=True, exist_ok=True)
    (ds / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train))
    if eval_rows is not None:
        (ds / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in eval_rows))
    return run_dir


def small_config(**train) -> Config:
    """A Config whose train section is sized for a few CPU steps on the tiny model."""
    defaults = dict(
        method="lora",
        max_steps=6,
        per_device_batch_size=2,
        gradient_accumulation_steps=1,
        max_seq_length=128,
        save_steps=3,
        eval_steps=3,
        logging_steps=1,
        lora_r=8,
        lora_alpha=16,
        lora_dropout=0.0,
        gradient_checkpointing=False,
        precision="fp32",
        report_to=["tensorboard"],
        early_stopping_patience=None,
        warmup_ratio=0.0,
        lr_scheduler="constant",
    )
    defaults.update(train)
    return Config.model_validate({"run": {"name": "t", "seed": 0}, "train": defaults})
