"""CLI commands of the models stage: params, importance, variant, tokenize."""

from pathlib import Path
from typing import Annotated

import typer

from presstune.cli_common import fail
from presstune.config.models import ModelConfig, VariantSpec
from presstune.models.importance import compute_importance, load_calibration_texts, read_importance, write_importance
from presstune.models.loading import load_base_model, load_tokenizer, pretrained_tokenizer
from presstune.models.params import count_params, format_report, report_json, resolve_config
from presstune.models.surgery import SurgeryError, make_variant, num_layers, save_variant
from presstune.rundir import RunDir
from presstune.runlock import run_lock

ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="Hub id (e.g. Qwen/Qwen3-8B), local checkpoint folder, or a named offline model (smollm2-135m-instruct).",
    ),
]
DtypeOpt = Annotated[str, typer.Option("--dtype", help="auto, bfloat16, float16 or float32.")]
DeviceOpt = Annotated[str, typer.Option("--device", help="auto (cuda if available), cpu, cuda, cuda:1 ...")]
RandomOpt = Annotated[
    bool, typer.Option("--random-init", help="Random weights from the config (no download; benchmarking).")
]
TokenizerOpt = Annotated[str | None, typer.Option("--tokenizer", help="Tokenizer id/path if not the model's.")]


def _model_cfg(model: str, dtype: str, device: str, random_init: bool, tokenizer: str | None):
    from pydantic import ValidationError

    try:
        return ModelConfig(name_or_path=model, dtype=dtype, device=device, random_init=random_init, tokenizer=tokenizer)
    except ValidationError as exc:
        err = exc.errors()[0]
        fail(f"--{err['loc'][0]}: {err['msg']}")


def _load(model_cfg, need_tokenizer: bool):
    try:
        model = load_base_model(model_cfg)
        tokenizer = load_tokenizer(model_cfg, required=need_tokenizer)
    except (OSError, ValueError) as exc:
        fail(f"cannot load {model_cfg.name_or_path}: {str(exc).splitlines()[0]}")
    return model, tokenizer


def params(
    model: ModelOpt = "Qwen/Qwen3-8B",
    detailed: Annotated[bool, typer.Option("--detailed", help="Add a per-component table.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    prune_to: Annotated[
        int | None, typer.Option("--prune-to", help="Layers the pruned variant keeps (default 2/3).")
    ] = None,
) -> None:
    """Exact parameter counts from the config alone (meta device: no weights, no download for Qwen3)."""
    try:
        config, source = resolve_config(model)
    except (OSError, ValueError) as exc:
        fail(f"no config for {model!r}: {str(exc).splitlines()[0]}")
    report = count_params(config, model=model, source=source)
    if prune_to is not None and not 1 <= prune_to < report.num_layers:
        fail(f"--prune-to {prune_to}: must be in 1..{report.num_layers - 1}")
    print(report_json(report, prune_to) if as_json else format_report(report, prune_to, detailed))


def importance(
    model: ModelOpt,
    data: Annotated[Path, typer.Option("--data", help="A run's dataset/ folder (reads train.jsonl) or a .jsonl file.")],
    samples: Annotated[int, typer.Option("--samples", min=1)] = 64,
    max_length: Annotated[int, typer.Option("--max-length", min=2)] = 512,
    block_size: Annotated[
        int | None, typer.Option("--block-size", help="n for the block recommendation (default: layers - 2/3).")
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 4,
    allow_last: Annotated[
        bool, typer.Option("--allow-last", help="Let the drop recommendation pick the last layer.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: the run's models/).")] = None,
    dtype: DtypeOpt = "auto",
    device: DeviceOpt = "auto",
    random_init: RandomOpt = False,
    tokenizer: TokenizerOpt = None,
) -> None:
    """Layer importance on calibration text: Block Influence per layer and block angular distances."""
    model_cfg = _model_cfg(model, dtype, device, random_init, tokenizer)
    dataset_dir = data if data.is_dir() else data.parent
    out_dir = out or dataset_dir.parent / "models"
    net, tok = _load(model_cfg, need_tokenizer=True)
    try:
        texts, errors = load_calibration_texts(data, tok, samples)
    except FileNotFoundError as exc:
        fail(str(exc))
    for line in errors[:10]:
        print(line)
    if len(errors) > 10:
        print(f"... and {len(errors) - 10} more skipped records")
    if not texts:
        fail(f"{data}: no usable calibration records")
    L = num_layers(net)
    if block_size is not None and not 1 <= block_size <= L - 2:
        fail(f"--block-size {block_size}: must be in 1..{L - 2} (the last layer is kept)")
    run = RunDir(dataset_dir.parent)
    record_stage = out is None and run.manifest_path.exists()

    def work() -> dict:
        res = compute_importance(
            net,
            tok,
            texts,
            max_length=max_length,
            batch_size=batch_size,
            block_size=block_size,
            allow_last=allow_last,
            model_name=model,
        )
        res["skipped_records"] = len(errors)
        write_importance(res, out_dir)
        return res

    if record_stage:
        with run_lock(run.path, "models"), run.stage("importance", model=model) as details:
            result = work()
            details.update(samples=result["samples"], tokens=result["tokens"], recommendation=result["recommendation"])
    else:
        result = work()
    rec = result["recommendation"]
    print(
        f"{result['samples']} samples, {result['tokens']} tokens, {result['num_layers']} layers, {result['seconds']} s"
    )
    print("block influence: " + " ".join(f"{i}:{v:.3f}" for i, v in enumerate(result["block_influence"])))
    print(f"drop: layer {rec['drop_layer']} (BI {result['block_influence'][rec['drop_layer']]:.4f})")
    if "block" in rec:
        b = rec["block"]
        print(
            f"remove block of {b['n']}: layers {b['start']}..{b['end']} (angular distance {b['angular_distance']:.4f})"
        )
    print(f"wrote {out_dir / 'importance.json'} and {out_dir / 'importance.png'}")


def variant(
    kind: Annotated[str, typer.Option("--kind", help="original, dropped or pruned.")],
    model: ModelOpt,
    out: Annotated[Path, typer.Option("--out", help="Folder of the new checkpoint.")],
    layer: Annotated[
        int | None, typer.Option("--layer", help="dropped: the layer to remove (default: by importance).")
    ] = None,
    keep: Annotated[int | None, typer.Option("--keep", help="pruned: layers to keep (default 2/3).")] = None,
    strategy: Annotated[
        str, typer.Option("--strategy", help="pruned: 'first' (keep the first N) or 'block'.")
    ] = "block",
    importance_file: Annotated[
        Path | None, typer.Option("--importance", help="importance.json from `presstune importance`.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Variant name for the model card (default: the kind).")
    ] = None,
    dtype: DtypeOpt = "auto",
    device: DeviceOpt = "cpu",
    random_init: RandomOpt = False,
    tokenizer: TokenizerOpt = None,
) -> None:
    """Make a variant (original, one layer dropped, or pruned to N layers) and save a plain HF checkpoint."""
    from pydantic import ValidationError

    try:
        spec = VariantSpec(name=name or kind, kind=kind, layer=layer, keep_layers=keep, strategy=strategy)
    except ValidationError as exc:
        err = exc.errors()[0]
        fail(f"--{err['loc'][0]}: {err['msg']} (got {err.get('input')!r})")
    imp = None
    if importance_file is not None:
        try:
            imp = read_importance(importance_file)
        except (OSError, ValueError) as exc:
            fail(str(exc))
    model_cfg = _model_cfg(model, dtype, device, random_init, tokenizer)
    net, tok = _load(model_cfg, need_tokenizer=False)
    try:
        net, info = make_variant(net, spec, imp)
    except SurgeryError as exc:
        fail(str(exc))
    info["base_model"] = model
    save_variant(net, out, info, tokenizer=tok, base_model=model)
    print(f"{spec.name}: {info['num_layers']} of {info['original_layers']} layers; {info['reason']}")
    print(f"saved {out}")


def tokenize(
    text: Annotated[str, typer.Argument(help="The text (with --chat: the user message).")],
    model: ModelOpt = "Qwen/Qwen3-8B",
    chat: Annotated[
        bool, typer.Option("--chat", help="Render TEXT as a user turn with the chat template (generation prompt).")
    ] = False,
    system: Annotated[str | None, typer.Option("--system", help="--chat: a system message first.")] = None,
    thinking: Annotated[
        bool, typer.Option("--thinking/--no-thinking", help="--chat: Qwen3's enable_thinking (default off).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print the token ids of TEXT (and with --chat the rendered template): count tokens, check a template."""
    import json

    try:
        tok = pretrained_tokenizer(model)
    except (OSError, ValueError, ImportError) as exc:
        fail(f"no tokenizer for {model!r}: {str(exc).strip().splitlines()[0]}")
    rendered = None
    if chat:
        if not getattr(tok, "chat_template", None):
            fail(f"{model}: the tokenizer has no chat template")
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}]
        rendered = tok.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True, enable_thinking=thinking
        )
        # The template already holds every special token it needs (no BOS added twice).
        ids = tok(rendered, add_special_tokens=False)["input_ids"]
    else:
        ids = tok(text, add_special_tokens=False)["input_ids"]
    if as_json:
        print(json.dumps({"model": model, "tokens": len(ids), "ids": ids, "rendered": rendered}, ensure_ascii=False))
        return
    if rendered is not None:
        print(rendered, end="" if rendered.endswith("\n") else "\n")
        print("---")
    print(ids)
    print(f"{len(ids)} tokens")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the root app."""
    app.command("params")(params)
    app.command("importance")(importance)
    app.command("variant")(variant)
    app.command("tokenize")(tokenize)
