"""CLI commands of the train stage: ``presstune train`` and ``presstune train-diff``."""

from pathlib import Path
from typing import Annotated, Any

import typer

from presstune.cli_common import ConfigOpt, SetOpt, console, fail, load_cli_config
from presstune.config import dump_config
from presstune.rundir import RunDir
from presstune.runlock import run_lock
from presstune.train.compare import diff_configs, format_diff
from presstune.train.records import prepare_training
from presstune.train.trainer import TrainError, train_variant
from presstune.train.variant import TrainSetupError


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train(
        config: ConfigOpt = None,
        run: Annotated[Path | None, typer.Option("--run", help="Run directory (default: run.root/run.name).")] = None,
        variant: Annotated[
            list[str] | None,
            typer.Option("--variant", help="Variant name(s) to train (default: all in the config)."),
        ] = None,
        resume: Annotated[bool, typer.Option("--resume", help="Continue from the newest checkpoint exactly.")] = False,
        force: Annotated[
            bool, typer.Option("--force", help="Retrain even if checkpoints/<v> was trained on the same inputs.")
        ] = False,
        set_: SetOpt = None,
    ) -> None:
        """Fine-tune variants (LoRA / QLoRA / full) on <run>/dataset/ with TRL; see configs/train-base.yaml.

        Several GPUs: accelerate launch --config_file configs/accelerate/ddp.yaml -m presstune.cli train ...
        """
        cfg = load_cli_config(config, set_)
        run_dir = RunDir(run if run is not None else cfg.run_dir())
        specs = _selected_variants(cfg.variants, variant)
        is_main = _is_main_process()
        if is_main:
            run_dir.create()
            run_dir.record_config(dump_config(cfg), [str(config)] if config else [])
        for spec in specs:
            _train_one(cfg, spec, run_dir, resume, force, is_main)

    @app.command("train-diff")
    def train_diff(
        a: Annotated[Path, typer.Argument(help="First config file.")],
        b: Annotated[Path, typer.Argument(help="Second config file.")],
    ) -> None:
        """List every difference between two resolved configs (proves variants are trained alike)."""
        print(format_diff(diff_configs(load_cli_config(a, None), load_cli_config(b, None)), str(a), str(b)))


def _is_main_process() -> bool:
    import os

    return int(os.environ.get("RANK", "0")) == 0


def _selected_variants(specs: list[Any], names: list[str] | None) -> list[Any]:
    """The config's variants named by --variant (all without it); an unknown name fails."""
    if not names:
        return specs
    known = {s.name for s in specs}
    missing = [v for v in names if v not in known]
    if missing:
        fail(f"--variant {missing[0]!r} is not in the config's variants ({', '.join(sorted(known)) or 'none'})")
    return [s for s in specs if s.name in names]


def _train_one(cfg: Any, spec: Any, run_dir: Any, resume: bool, force: bool, is_main: bool) -> None:
    """Train one variant; the main process holds the run's lock, moves outputs trained on other
    inputs (config, variant plan, dataset) to stale/ first, records the stage and reports."""
    try:
        if is_main:
            with run_lock(run_dir.path, "train"):
                plan = prepare_training(cfg, spec, run_dir, force)
                console.print(f"{spec.name}: {plan['action']} ({plan['reason']})")
                with run_dir.stage(f"train:{spec.name}", method=cfg.train.method, **plan) as details:
                    result = train_variant(cfg, spec, run_dir.path, resume=resume)
                    details.update(
                        best_eval_loss=result.best_eval_loss,
                        global_step=result.global_step,
                        skipped=result.skipped,
                    )
        else:
            result = train_variant(cfg, spec, run_dir.path, resume=resume)
    except (TrainError, TrainSetupError) as exc:
        fail(f"train {spec.name}: {exc}")
    if not is_main:
        return
    if result.skipped:
        console.print(f"{spec.name}: already trained ({result.output_dir}/train_result.json); skipped")
    else:
        console.print(
            f"{spec.name}: {result.global_step} steps, {result.tokens_seen:,} tokens, "
            f"final train loss {result.final_train_loss}, best eval loss {result.best_eval_loss} "
            f"-> {result.output_dir}"
        )
