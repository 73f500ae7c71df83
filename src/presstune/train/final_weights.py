"""What a variant saves as its weights: the checkpoint ``train.select`` keeps, moved toward the
base by ``train.wise_ft``. Both need something from *before* ``Trainer.train`` (the base's
validation scores, the base weights), because a resumed Trainer loads the checkpoint's weights
inside ``train()``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presstune.records import TrainingRow
from presstune.train.select import Scorer, SelectionCallback, SelectionError, forget_selection, make_selection
from presstune.train.wise_ft import WiseFT, choose_alpha

__all__ = ["FinalWeights", "SelectionError"]


@dataclass
class FinalWeights:
    selection: SelectionCallback | None
    wise: WiseFT | None
    wise_ft: float | str = 1.0
    alphas: tuple[float, ...] = ()

    @classmethod
    def prepare(
        cls,
        config: Any,
        dataset_dir: Path,
        trainer: Any,
        tokenizer: Any,
        train_rows: list[TrainingRow],
        dirs: tuple[Path, Path],
        scorer: Scorer | None = None,
        *,
        resuming: bool = False,
    ) -> FinalWeights:
        """Measure the base and add the selection callback; copy the base end of WiSE-FT.

        ``resuming``: training continues from a checkpoint, so the points measured before it
        stopped (``selection.json``) and the kept weights still hold; a fresh start drops them.
        """
        t = config.train
        if t.select.metric is None and t.wise_ft == 1.0:
            return cls(None, None)
        if getattr(trainer, "is_fsdp_enabled", False):
            raise SelectionError("train.select and train.wise_ft need the whole model in each process; FSDP shards it")
        output_dir, logs_dir = dirs
        if not resuming and trainer.is_world_process_zero():
            forget_selection(output_dir)
        selection = make_selection(
            config,
            dataset_dir,
            train_rows,
            tokenizer,
            output_dir,
            autocast="bfloat16" if trainer.args.bf16 else ("float16" if trainer.args.fp16 else None),
            log_file=logs_dir / "train.log",
            scorer=scorer,
        )
        if selection is not None:
            selection.writes = trainer.is_world_process_zero()
            selection.measure_base(trainer.model)
            trainer.add_callback(selection)
        wise = WiseFT.before_training(trainer.model, t.method) if t.wise_ft != 1.0 else None
        return cls(selection, wise, t.wise_ft, tuple(t.wise_ft_alphas))

    def finish(self, trainer: Any) -> tuple[dict[str, Any] | None, float]:
        """Restore the kept checkpoint, then interpolate toward the base; returns the selection's
        record for train_result.json and the alpha the weights now carry."""
        alpha, wise_record = 1.0, None
        if self.selection is not None and self.selection.writes:  # only the main process saves weights
            self.selection.restore_best(trainer.model)
        if self.wise is not None:
            if self.wise_ft == "auto":
                # the config refuses wise_ft: auto without train.select, so a selection exists here
                assert self.selection is not None
                alpha, wise_record = choose_alpha(self.wise, trainer.model, list(self.alphas), self.selection)
            else:
                alpha = float(self.wise_ft)
                self.wise.apply(trainer.model, alpha)
        if self.selection is None:
            return None, alpha
        data = self.selection.write({"wise_ft": wise_record or {"chosen_alpha": alpha}})
        return {"chosen": data["chosen"], "why": data["why"], "stopped_early": data["stopped_early"]}, alpha

    def clean_up(self, trainer: Any) -> None:
        """Once the final weights are saved, the kept checkpoint's copy is redundant disk."""
        if self.selection is not None and trainer.is_world_process_zero():
            self.selection.discard_best_file()
