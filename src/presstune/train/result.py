"""``checkpoints/<variant>/train_result.json``: what a finished training run did, read back by
resumed runs and by a reduced variant's tuned teacher."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULT_FILE = "train_result.json"


@dataclass
class TrainResult:
    variant: str
    method: str
    output_dir: str
    status: str = "done"
    skipped: bool = False
    global_step: int = 0
    epochs: float = 0.0
    tokens_seen: int = 0
    train_seconds: float = 0.0
    final_train_loss: float | None = None
    best_eval_loss: float | None = None
    best_checkpoint: str | None = None
    stopped_early: bool = False
    resumed_from: str | None = None
    #: train.select: the kept point (step, epoch, knowledge, general) and why; None when off.
    selection: dict[str, Any] | None = None
    #: The WiSE-FT alpha the saved weights carry (1: the tuned model as is).
    wise_ft_alpha: float = 1.0
    trainable_params: int = 0
    total_params: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    variant_info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def read_result(output_dir: str | Path) -> TrainResult | None:
    path = Path(output_dir) / RESULT_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in dataclasses.fields(TrainResult)}
        return TrainResult(**{k: v for k, v in data.items() if k in known})
    except (json.JSONDecodeError, TypeError):
        return None
