"""``presstune export``: one variant of a run as a plain Hugging Face checkpoint — adapter merged,
tokenizer with its chat template, a model card with the run's numbers — that transformers (or
vLLM) load without presstune."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from presstune.models.checkpoints import ModelSourceError, load_model, resolve_variant
from presstune.records import metrics_document
from presstune.report.data import SUMMARY, format_value, read_json
from presstune.rundir import RunDir, atomic_write_text


class ExportError(RuntimeError):
    """The variant cannot be exported; the message names it."""


def _json(path: Path) -> dict[str, Any]:
    doc = read_json(path)
    return doc if isinstance(doc, dict) else {}


def model_card(run_dir: Path, variant: str, source: dict[str, Any], config: Any) -> str:
    """README.md for the exported folder: what the model is and the run's measured numbers."""
    run = RunDir(run_dir)
    measured = _json(run.metric(variant))
    metrics = metrics_document(run.metric(variant), measured).metrics if measured else {}
    plan = _json(run.variant(variant) / "variant.json")
    train = _json(run.checkpoint(variant) / "train_result.json")
    manifest = _json(run.manifest_path)
    lines = [
        "---",
        "library_name: transformers",
        "pipeline_tag: text-generation",
        "tags: [presstune]",
        "---",
        "",
        f"# {variant} (presstune run `{run_dir.name}`)",
        "",
        f"Exported by `presstune export` from `{run_dir}`: variant **{variant}** ({source.get('kind')}), "
        "adapter merged, a plain checkpoint for `AutoModelForCausalLM.from_pretrained`.",
        "",
        f"- base model: `{(manifest.get('resolved') or {}).get('model') or source.get('model')}`",
    ]
    if plan:
        lines.append(f"- layers removed from the base: {plan.get('removed_layers')}")
    if train:
        lines.append(
            f"- fine-tuning: {train.get('method')}, {train.get('global_step')} steps, "
            f"{train.get('epochs')} epochs, final train loss {train.get('final_train_loss')}, "
            f"best eval loss {train.get('best_eval_loss')}"
        )
    if manifest.get("demo_scale"):
        lines += [
            "",
            "**Demo scale**: a tiny model from presstune's offline demo; it shows the pipeline works, "
            "nothing about the quality of a real model.",
        ]
    lines += ["", "## Measured in the run (metrics/" + variant + ".json)", ""]
    shown = [c for c in SUMMARY if c.key in metrics]
    if shown:
        lines += ["| metric | value | definition |", "|---|---:|---|"]
        for column in shown:
            m = metrics[column.key]
            definition = str(m.get("definition", "")).replace("|", "\\|") if isinstance(m, dict) else ""
            lines.append(f"| {column.title} | {format_value(m, column.fmt)} | {definition} |")
    else:
        lines.append("Not evaluated (run `presstune evaluate`).")
    lines += [
        "",
        "## Use",
        "",
        "```python",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "",
        'model = AutoModelForCausalLM.from_pretrained("PATH")',
        'tokenizer = AutoTokenizer.from_pretrained("PATH")',
        "```",
        "",
    ]
    return "\n".join(lines)


def export_variant(run_dir: str | Path, variant: str, out_dir: str | Path, config: Any) -> Path:
    """Write ``out_dir`` (which must not exist or be empty) whole, or not at all."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ExportError(f"{out_dir} exists and is not empty: choose a new --out")
    try:
        source = resolve_variant(run_dir, variant, config)
        model, tokenizer = load_model(source, config.evaluate, config)
    except (ModelSourceError, OSError, ValueError) as exc:
        raise ExportError(f"cannot export variant {variant!r} of {run_dir}: {exc}") from exc
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)  # tokenizer files and chat_template.jinja
        atomic_write_text(tmp / "README.md", model_card(run_dir, variant, source, config))
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        tmp.rename(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
