"""CLI commands of the evaluate stage."""

from pathlib import Path
from typing import Annotated

import typer

from presstune.cli_common import ConfigOpt, SetOpt, fail, load_cli_config
from presstune.config import ConfigError, apply_override, validate
from presstune.evaluate.data import EvaluateError
from presstune.evaluate.runner import evaluate_variant
from presstune.models.checkpoints import ModelSourceError
from presstune.rundir import RunDir
from presstune.runlock import run_lock


def run_config(run_dir: Path, config_path: Path | None, sets: list[str] | None):
    """--config (and --set) if given, else the config recorded in the run's run.json (as the
    pipeline resolved it: demo base path, tokenizer, facts file), else defaults."""
    if config_path is not None:
        return load_cli_config(config_path, sets)
    manifest = RunDir(run_dir).read_manifest()
    data = manifest.get("resolved_config") or manifest.get("config") or {}
    try:
        for assignment in sets or []:
            data = apply_override(data, assignment)
        return validate(data, f"{run_dir}/run.json")
    except ConfigError as exc:
        fail(str(exc))
        raise


def list_variants(run_dir: Path, config) -> list[str]:
    """base (if enabled) + every variant with a checkpoint or a variant folder, config order first."""
    run = RunDir(run_dir)
    names = ["base"] if config.evaluate.include_base else []
    configured = [v.name for v in config.variants]
    found = sorted(
        {
            p.name
            for folder in (run.checkpoints, run.variants)
            if folder.is_dir()
            for p in folder.iterdir()
            if p.is_dir()
        }
    )
    for name in [*configured, *found]:
        if name not in names and (run.checkpoint(name).is_dir() or run.variant(name).is_dir()):
            names.append(name)
    return names


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate(
        run: Annotated[Path, typer.Option("--run", help="Run directory (dataset/ is read, metrics/ is written).")],
        variant: Annotated[
            list[str] | None,
            typer.Option(
                "--variant", help="Variant name (repeatable); 'base' = untouched base model; 'all' = every variant."
            ),
        ] = None,
        model: Annotated[
            str | None,
            typer.Option("--model", help="Evaluate this model (local path or hub id) instead of a run variant."),
        ] = None,
        adapter: Annotated[Path | None, typer.Option("--adapter", help="LoRA adapter to merge into --model.")] = None,
        name: Annotated[
            str | None, typer.Option("--name", help="Metrics name for --model (default: its folder name).")
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Re-evaluate even if metrics with the same settings exist.")
        ] = False,
        config: ConfigOpt = None,
        set_: SetOpt = None,
    ) -> None:
        """Perplexity (assistant tokens / whole text, bits per byte), semantic entropy, closed-book QA
        (held-out and train-split knowledge), generations and cost of variants -> <run>/metrics/<variant>.json."""
        if not run.is_dir():
            fail(f"run directory not found: {run}")
        cfg = run_config(run, config, set_)
        failed = [
            job_name
            for job_name, source in _evaluate_jobs(run, cfg, variant, model, adapter, name)
            if not _evaluate_job(run, cfg, job_name, source, force)
        ]
        if failed:
            fail(f"evaluation failed for: {', '.join(failed)}")


def _evaluate_jobs(
    run: Path, cfg, variant: list[str] | None, model: str | None, adapter: Path | None, name: str | None
):
    """(metrics name, model source) per evaluation: one external model, or run variants (source
    None: resolved from the run)."""
    if model is not None:
        if variant:
            fail("give either --variant or --model, not both")
        return [
            (
                name or Path(model.rstrip("/")).name,
                {"kind": "external", "model": model, "adapter": str(adapter) if adapter else None},
            )
        ]
    names = variant or ["all"]
    if "all" in names:
        names = list_variants(run, cfg)
    if not names:
        fail(f"no variants found in {run} (checkpoints/ or variants/)")
    return [(n, None) for n in names]


def _evaluate_job(run: Path, cfg, job_name: str, source: dict | None, force: bool) -> bool:
    """Evaluate one job under the run's lock, as a recorded stage, and print its headline
    metrics; False when it failed (the error is printed, the other jobs go on)."""
    rd = RunDir(run)
    try:
        with run_lock(rd.path, "evaluate"), rd.stage(f"evaluate.{job_name}") as details:
            doc = evaluate_variant(cfg.evaluate, run, job_name, config=cfg, source=source, force=force)
            details["metrics"] = str(rd.metric(job_name).relative_to(rd.path))
            details["errors"] = doc["errors"]
            details.update(doc.get("cache", {}))
    except (EvaluateError, ModelSourceError, OSError, ValueError) as exc:
        typer.echo(f"error: {job_name}: {exc}", err=True)
        return False
    m = doc["metrics"]
    headline = (
        "perplexity_assistant",
        "perplexity_text",
        "bpb_text",
        "semantic_entropy",
        "qa_contains",
        "qa_train_contains",
    )
    show = {k: m[k]["value"] for k in headline if k in m}
    reuse = doc.get("cache", {})
    typer.echo(f"{job_name}: {'reused' if reuse.get('reused') else 'evaluated'} ({reuse.get('reason')})")
    typer.echo(
        f"{job_name}: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in show.items())
    )
    for err in doc["errors"]:
        typer.echo(f"  warning: {err}", err=True)
    return True
