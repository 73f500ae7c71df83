"""Build the model a variant trains: the base model with the training dtype / attention /
device (or 4-bit for QLoRA), then the models stage's layer surgery, all in memory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from presstune.config.models import VariantSpec
from presstune.config.train import TrainConfig, tuned_teacher_name
from presstune.models.checkpoints import ModelSourceError, resolve_variant
from presstune.models.importance import read_importance
from presstune.models.loading import load_base_model, pretrained_model
from presstune.models.loading import load_tokenizer as load_model_tokenizer
from presstune.models.surgery import make_variant
from presstune.rundir import RunDir
from presstune.train.attention import resolve_attention
from presstune.train.errors import TrainSetupError
from presstune.train.result import read_result


def resolve_precision(train_cfg: TrainConfig) -> str:
    """``bf16`` / ``fp16`` / ``fp32``; ``auto`` picks bf16 on a CUDA GPU that supports it."""
    import torch

    if train_cfg.precision != "auto":
        if train_cfg.precision in ("bf16", "fp16") and not torch.cuda.is_available():
            # CPU autocast in fp16 is not supported by Trainer; bf16 on CPU is slow but works.
            if train_cfg.precision == "fp16":
                raise TrainSetupError("train.precision=fp16 needs a CUDA GPU (use bf16 or fp32 on CPU)")
        return train_cfg.precision
    if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return "bf16"
    return "fp32"


def weight_dtype(train_cfg: TrainConfig, precision: str):
    """Dtype of the loaded base weights.

    LoRA/QLoRA: frozen base weights in the compute dtype (adapters stay fp32, PEFT upcasts
    them). Full fine-tuning: fp32 master weights with bf16/fp16 autocast (mixed precision);
    pure-bf16 AdamW updates would round away most small steps.
    """
    import torch

    if train_cfg.method == "full" or precision == "fp32":
        return torch.float32
    return torch.bfloat16 if precision == "bf16" else torch.float16


def training_device() -> str:
    """This process's device: its local rank's GPU under torchrun/accelerate, else cuda/cpu."""
    import torch

    if not torch.cuda.is_available():
        return "cpu"
    return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"


def find_importance(run_dir: str | Path) -> Path | None:
    """The models stage's layer-importance file in a run directory, if any."""
    run_dir = Path(run_dir)
    for candidate in (
        run_dir / "importance" / "importance.json",
        run_dir / "importance.json",
        RunDir(run_dir).importance,
    ):
        if candidate.is_file():
            return candidate
    return None


def load_base_for_training(config: Any, train_cfg: TrainConfig, *, quantize_4bit: bool = False):
    """The base causal LM, ready to train: training dtype, attention kernel, this rank's device."""
    import torch

    precision = resolve_precision(train_cfg)
    dtype = weight_dtype(train_cfg, precision)
    device = training_device()
    attention = resolve_attention(train_cfg.attn_implementation, device)
    if train_cfg.method == "full" and os.environ.get("ACCELERATE_USE_FSDP", "").lower() in ("1", "true"):
        device = "cpu"  # FSDP shards from CPU; a full copy per GPU would not fit for 8B
    if quantize_4bit:
        if not torch.cuda.is_available():
            raise TrainSetupError("train.method=qlora needs a CUDA GPU (bitsandbytes 4-bit); use lora or full on CPU")
        try:
            import bitsandbytes  # noqa: F401
        except ImportError:
            raise TrainSetupError("train.method=qlora needs bitsandbytes: pip install 'presstune[gpu]'") from None
        if config.model.random_init:
            raise TrainSetupError("train.method=qlora cannot quantize a random_init model; use lora")
        from transformers import BitsAndBytesConfig

        bnb = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if precision != "fp16" else torch.float16,
        )
        return pretrained_model(
            config.model.name_or_path,
            quantization_config=bnb,
            dtype=dtype,
            device_map={"": device},
            attn_implementation=attention,
        )
    dtype_name = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.float16: "float16"}[dtype]
    model_cfg = config.model.model_copy(
        update={"dtype": dtype_name, "device": device, "attn_implementation": attention}
    )
    return load_base_model(model_cfg)


def build_student(config: Any, spec: VariantSpec, run_dir: str | Path) -> tuple[Any, dict[str, Any]]:
    """The variant to train, built in memory from the base model (no reduced checkpoint on disk)."""
    model = load_base_for_training(config, config.train, quantize_4bit=config.train.method == "qlora")
    importance_path = find_importance(run_dir)
    importance = read_importance(importance_path) if importance_path is not None else None
    model, info = make_variant(model, spec, importance)
    info["base_model"] = config.model.name_or_path
    return model, info


def build_teacher(config: Any, run_dir: str | Path | None = None, student: VariantSpec | None = None) -> Any:
    """The frozen teacher for distillation, in the compute dtype: the unreduced base model, or
    (``teacher: tuned``) the run's fine-tuned original variant with its adapter merged."""
    distill = config.train.distill
    qlora = config.train.method == "qlora"
    train_cfg = config.train.model_copy(update={"method": "lora"})  # frozen weights: compute dtype
    if distill.teacher == "tuned":
        if run_dir is None or student is None:
            raise TrainSetupError("train.distill.teacher=tuned needs the run directory and the student variant")
        teacher = _tuned_teacher(config, train_cfg, Path(run_dir), student, qlora)
    else:
        teacher = load_base_for_training(config, train_cfg, quantize_4bit=qlora)
    teacher.eval()
    for param in teacher.parameters():
        param.requires_grad_(False)
    return teacher


def _tuned_teacher(config: Any, train_cfg: TrainConfig, run_dir: Path, student: VariantSpec, qlora: bool) -> Any:
    """The trained ``original``-kind variant as evaluation would load it (same checkpoint
    resolution), built on the training device: base + merged adapter, or the full weights."""
    name = tuned_teacher_name(config.variants, config.train.distill.teacher_variant, student)
    trained = read_result(RunDir(run_dir).checkpoint(name))
    if trained is None or trained.status != "done":
        raise TrainSetupError(
            f"variant {student.name!r} distils from the tuned variant {name!r} (train.distill.teacher=tuned), "
            f"which is not trained yet: train {name!r} first"
        )
    try:
        source = resolve_variant(run_dir, name, config)
    except ModelSourceError as exc:
        raise TrainSetupError(f"teacher {name!r}: {exc}") from None
    if source.get("adapter") is None:  # full fine-tuning: the trained weights are the teacher
        model_cfg = config.model.model_copy(update={"name_or_path": source["model"], "random_init": False})
        return load_base_for_training(config.model_copy(update={"model": model_cfg}), train_cfg, quantize_4bit=qlora)
    from peft import PeftModel

    # Kind original: the adapter was trained on the unreduced base, which is what this loads.
    base = load_base_for_training(config, train_cfg, quantize_4bit=qlora)
    teacher = PeftModel.from_pretrained(base, source["adapter"])
    return teacher if qlora else teacher.merge_and_unload()  # merging into 4-bit weights would round them


def load_tokenizer(config: Any):
    tokenizer = load_model_tokenizer(config.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
