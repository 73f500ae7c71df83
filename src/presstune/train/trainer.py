"""Train one variant: TRL SFTTrainer + PEFT (LoRA / QLoRA) or full fine-tuning.

Layout of a variant's outputs (readers check ``train_result.json``, written last):

    <run>/checkpoints/<variant>/checkpoint-N/     trainer checkpoints (resume, best model)
    <run>/checkpoints/<variant>/adapter_*|model*  final adapter (lora/qlora) or full weights
    <run>/checkpoints/<variant>/tokenizer*, README.md, variant.json
    <run>/checkpoints/<variant>/loss_curve.{json,csv}
    <run>/checkpoints/<variant>/train_result.json settings, tokens seen, time, best eval loss
    <run>/checkpoints/<variant>/memory_plan.json  the optimizer that runs (train.optim auto's choice) and why
    <run>/logs/<variant>/                         TensorBoard event files

What TRL does for us (and why no hand-written data code): chat rendering through the
tokenizer's template, completion-only labels for prompt/completion rows, best-fit-decreasing
packing into padding-free rows whose ``position_ids`` restart at 0 for every document, and a
chunked LM head (no ``[tokens, 152k]`` logits). transformers' ``masking_utils`` turns
restarting ``position_ids`` (with no attention_mask and no cache) into a block-diagonal causal
mask for sdpa and eager, so packed documents never attend to each other
(``tests/test_train_packing.py`` proves it against documents run one by one).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from pathlib import Path
from typing import Any

from presstune.config.models import VariantSpec
from presstune.config.train import tuned_teacher_name
from presstune.console import log as run_log
from presstune.models.importance import read_importance
from presstune.models.loading import releasing_memory
from presstune.models.offline import resolve_pretrained
from presstune.models.surgery import make_variant, num_layers
from presstune.rundir import RunDir, atomic_write_json, atomic_write_text
from presstune.train.data import DatasetError, load_split, to_dataset
from presstune.train.memory import (
    MemoryFitError,
    OptimizerChoice,
    choose_for_config,
    device_budget,
    uses_bitsandbytes,
)
from presstune.train.outputs import model_card, save_final
from presstune.train.result import RESULT_FILE, TrainResult, read_result
from presstune.train.variant import (
    TrainSetupError,
    build_student,
    build_teacher,
    find_importance,
    load_tokenizer,
    resolve_precision,
    training_device,
)


class TrainError(RuntimeError):
    """A training run that cannot start or continue, phrased for the user."""


def variant_dirs(run_dir: str | Path, variant: str) -> tuple[Path, Path]:
    run = RunDir(run_dir)
    return run.checkpoint(variant), run.train_logs(variant)


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The newest complete ``checkpoint-N`` (one with trainer_state.json) in ``output_dir``."""
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        return None
    found = []
    for path in output_dir.glob("checkpoint-*"):
        try:
            step = int(path.name.split("-")[-1])
        except ValueError:
            continue
        if (path / "trainer_state.json").is_file():
            found.append((step, path))
    return max(found)[1] if found else None


def gradient_accumulation(train_cfg: Any, world_size: int) -> int:
    """Accumulation steps: derived from ``effective_batch_tokens`` when set (packed rows are full)."""
    if train_cfg.effective_batch_tokens is None:
        return train_cfg.gradient_accumulation_steps
    per_micro = train_cfg.per_device_batch_size * train_cfg.max_seq_length * max(1, world_size)
    return max(1, round(train_cfg.effective_batch_tokens / per_micro))


def build_sft_config(config: Any, output_dir: Path, has_eval: bool, is_chat: bool, optim: str | None = None):
    """TRL ``SFTConfig`` from presstune's train section (the one place the mapping lives).

    ``optim``: the optimizer :func:`plan_optimizer` resolved (needed when ``train.optim`` is ``auto``).
    """
    from trl import SFTConfig

    t = config.train
    optim = optim or t.optim
    if optim == "auto":
        raise TrainError("train.optim auto is resolved from the model's memory estimate: pass plan_optimizer's choice")
    # train.select keeps its own best checkpoint; eval loss then neither stops nor selects.
    load_best = t.load_best_model_at_end and t.select.metric is None
    if has_eval and load_best and t.save_steps % t.eval_steps != 0:
        raise TrainError(
            f"train.save_steps ({t.save_steps}) must be a multiple of train.eval_steps ({t.eval_steps}) "
            "to keep the best checkpoint by eval loss"
        )
    precision = resolve_precision(t)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    report_to = [r for r in t.report_to if r not in ("tensorboard", "none")]  # TensorBoard: our own callback
    seed = t.seed if t.seed is not None else config.run.seed
    eval_kwargs: dict[str, Any] = {"eval_strategy": "no"}
    if has_eval:
        eval_kwargs = dict(
            eval_strategy="steps",
            eval_steps=t.eval_steps,
            per_device_eval_batch_size=t.per_device_batch_size,
            load_best_model_at_end=load_best,
            metric_for_best_model="eval_loss",
            greater_is_better=False,
        )
    kwargs = dict(
        output_dir=str(output_dir),
        run_name=f"{config.run.name}-{output_dir.name}",
        seed=seed,
        data_seed=seed,
        learning_rate=t.learning_rate,
        num_train_epochs=t.epochs,
        max_steps=t.max_steps,
        per_device_train_batch_size=t.per_device_batch_size,
        gradient_accumulation_steps=gradient_accumulation(t, world_size),
        lr_scheduler_type=t.lr_scheduler,
        warmup_steps=t.warmup_ratio,  # transformers 5: a float < 1 is a ratio of the total steps
        weight_decay=t.weight_decay,
        max_grad_norm=t.max_grad_norm,
        optim=optim,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        **_checkpointing_args(SFTConfig, bool(t.gradient_checkpointing)),
        use_liger_kernel=use_liger(t),
        torch_compile=t.torch_compile,
        logging_steps=t.logging_steps,
        logging_first_step=True,
        save_strategy="steps",
        save_steps=t.save_steps,
        save_total_limit=t.save_total_limit,
        report_to=report_to or "none",
        disable_tqdm=True,  # rich progress instead
        include_num_input_tokens_seen="non_padding",
        max_length=t.max_seq_length,
        packing=t.packing,
        packing_strategy=(("bfd" if is_chat else "bfd_split") if t.packing_strategy == "auto" else t.packing_strategy),
        eval_packing=t.packing,
        completion_only_loss=(t.completion_only_loss if is_chat else None),
        dataset_num_proc=None,
        ddp_find_unused_parameters=False,
        remove_unused_columns=True,
        dataloader_pin_memory=_cuda_available(),
        **eval_kwargs,
    )
    if precision == "bf16" and not _cuda_available() and "use_cpu" not in t.trl:
        kwargs["use_cpu"] = True  # Trainer refuses bf16 without a GPU unless told it runs on the CPU (autocast)
    return SFTConfig(**kwargs, **_trl_passthrough(SFTConfig, t.trl, set(kwargs)))


#: ``checkpoints/<variant>/memory_plan.json``: the optimizer that ran, why, and the memory estimate.
MEMORY_PLAN_FILE = "memory_plan.json"


def plan_optimizer(train_cfg: Any, model: Any, output_dir: Path | None = None) -> OptimizerChoice:
    """``train.optim`` as it will run: given, or (``auto``) chosen from the memory estimate of
    ``model`` (before PEFT wraps it) against the training device's total memory. Logged, and
    written to ``output_dir/memory_plan.json`` by the first process."""
    try:
        choice = choose_for_config(
            train_cfg, model, resolve_precision(train_cfg), use_liger(train_cfg), device_budget(training_device())
        )
    except MemoryFitError as exc:
        raise TrainError(str(exc)) from None
    if train_cfg.optim == "auto" and uses_bitsandbytes(choice.optim):
        import importlib.util

        if importlib.util.find_spec("bitsandbytes") is None:
            raise TrainError(
                f"train.optim auto needs {choice.optim} here ({choice.estimate.describe()}), which needs "
                "bitsandbytes: pip install 'presstune[gpu]'"
            )
    run_log.info("train: %s", choice.describe())
    if output_dir is not None and int(os.environ.get("RANK", "0")) == 0:
        output_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_json(output_dir / MEMORY_PLAN_FILE, choice.to_json())
    return choice


def _checkpointing_args(config_cls: Any, enabled: bool) -> dict[str, Any]:
    """Activation checkpointing under the argument name this transformers has.

    transformers renamed ``gradient_checkpointing`` to ``activation_checkpointing`` (the old name
    warns on every run); presstune supports versions on both sides of the rename.
    """
    names = {f.name for f in dataclasses.fields(config_cls)}
    name = "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"
    return {name: enabled, f"{name}_kwargs": {"use_reentrant": False} if enabled else None}


def _trl_passthrough(config_cls: Any, extra: dict[str, Any], managed: set[str]) -> dict[str, Any]:
    """``train.trl``: further SFTConfig fields, checked against SFTConfig's own fields."""
    names = {f.name for f in dataclasses.fields(config_cls) if f.init}
    unknown = sorted(set(extra) - names)
    if unknown:
        raise TrainError(
            f"train.trl: {', '.join(unknown)} {'is not a' if len(unknown) == 1 else 'are not'} TRL SFTConfig field(s)"
        )
    clash = sorted(set(extra) & managed)
    if clash:
        raise TrainError(
            f"train.trl: {', '.join(clash)} is set by presstune from its own train settings; set it there "
            "(presstune train-diff and train_result.json then show it)"
        )
    return dict(extra)


def use_liger(train_cfg: Any) -> bool:
    """Whether Liger kernels are applied: ``on`` demands them, ``auto`` takes them on CUDA."""
    import importlib.util

    if train_cfg.liger_kernel == "off":
        return False
    installed = importlib.util.find_spec("liger_kernel") is not None
    if train_cfg.liger_kernel == "on":
        if not installed:
            raise TrainError("train.liger_kernel=on needs the liger-kernel package (pip install 'presstune[gpu]')")
        return True
    return installed and _cuda_available()


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def speed_callbacks(train_cfg: Any, log_file: str | Path | None = None) -> list[Any]:
    """Callbacks that only change speed/memory, never the result (shared with the GPU benchmark).

    ``log_file``: where ``gradient_checkpointing: auto`` states what it chose.
    """
    # subclasses transformers/trl classes: imported when training starts, not with the CLI
    from presstune.train.callbacks import LoraAutocastInputCallback, SelectiveCheckpointCallback

    found: list[Any] = []
    if train_cfg.gradient_checkpointing == "auto":
        found.append(
            SelectiveCheckpointCallback(
                "auto",
                target_gib=train_cfg.gradient_checkpointing_memory_gib,
                tokens=train_cfg.per_device_batch_size * train_cfg.max_seq_length,
                fused_loss=use_liger(train_cfg),
                log_file=log_file,
            )
        )
    elif train_cfg.gradient_checkpointing and train_cfg.gradient_checkpointing_skip_layers > 0:
        found.append(SelectiveCheckpointCallback(train_cfg.gradient_checkpointing_skip_layers))
    if train_cfg.method in ("lora", "qlora") and train_cfg.lora_autocast_inputs:
        found.append(LoraAutocastInputCallback())  # a no-op unless the Trainer runs bf16/fp16 autocast
    return found


def prepare_4bit_for_training(model: Any, train_cfg: Any, precision: str) -> Any:
    """Freeze a 4-bit model for QLoRA; under bf16 keep its bf16 parts (embeddings, norms, LM head) bf16.

    PEFT's ``prepare_model_for_kbit_training`` casts every non-4-bit parameter to fp32. For an 8B
    model that adds 2.3 GiB of fp32 embeddings and LM head, and the fp32 embedding output turns
    the whole residual stream fp32, so every saved activation of the residual path doubles: QLoRA
    then needs *more* memory than bf16 LoRA (benchmarks/RESULTS_train.md). With bf16 autocast
    the only difference from bf16 LoRA is then the NF4 weights, which is what QLoRA means here.
    fp16 keeps PEFT's upcast: fp16 norms and logits are not stable without it.
    """
    if precision != "bf16":
        from peft import prepare_model_for_kbit_training

        return prepare_model_for_kbit_training(model, use_gradient_checkpointing=bool(train_cfg.gradient_checkpointing))
    for param in model.parameters():  # LoRA adds the trainable parameters afterwards
        param.requires_grad_(False)
    # No enable_input_require_grads(): presstune checkpoints non-reentrantly, which needs none.
    return model


def _peft_config(t: Any):
    from peft import LoraConfig

    return LoraConfig(
        r=t.lora_r,
        lora_alpha=t.lora_alpha,
        lora_dropout=t.lora_dropout,
        target_modules=list(t.lora_target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )


def _unsloth_model(config: Any, spec: VariantSpec, run_dir: Path):
    """Optional backend: Unsloth's patched model + LoRA (CUDA only; imported lazily)."""
    import torch

    if not torch.cuda.is_available():
        raise TrainSetupError("train.backend=unsloth needs a CUDA GPU; use backend: hf on this machine")
    try:
        from unsloth import FastLanguageModel
    except ImportError:
        raise TrainSetupError("train.backend=unsloth needs the unsloth package (pip install unsloth)") from None
    t = config.train
    if t.method == "full":
        raise TrainSetupError("train.backend=unsloth is wired for lora/qlora only; use backend: hf for full")
    model, tokenizer = FastLanguageModel.from_pretrained(
        resolve_pretrained(config.model.name_or_path),
        max_seq_length=t.max_seq_length,
        load_in_4bit=t.method == "qlora",
        dtype=None,
    )
    importance_path = find_importance(run_dir)
    model, info = make_variant(model, spec, read_importance(importance_path) if importance_path else None)
    model = FastLanguageModel.get_peft_model(
        model,
        r=t.lora_r,
        lora_alpha=t.lora_alpha,
        lora_dropout=t.lora_dropout,
        target_modules=list(t.lora_target_modules),
        use_gradient_checkpointing="unsloth" if t.gradient_checkpointing else False,
        random_state=t.seed if t.seed is not None else config.run.seed,
    )
    return model, tokenizer, info


@releasing_memory  # its trainer and model are freed on return, not at some later collection
def train_variant(
    config: Any,
    variant_spec: VariantSpec,
    run_dir: str | Path,
    resume: bool = False,
    *,
    model: Any = None,
    tokenizer: Any = None,
    teacher: Any = None,
    callbacks: list[Any] | None = None,
    progress: bool = True,
    scorer: Any = None,
) -> TrainResult:
    """Fine-tune one variant on ``<run>/dataset/`` and write its checkpoint folder.

    ``model``/``tokenizer``/``teacher`` may be given (tests, a pipeline that already holds the
    variant); otherwise the base model is loaded and reduced in memory by the models stage.
    ``resume=True`` continues from the newest checkpoint exactly (optimizer, scheduler, RNG
    and data position are restored by ``Trainer``); a finished variant is skipped.
    ``scorer`` replaces ``train.select``'s validation signal (tests: a known sequence of scores).

    Why it is long (kept in one function): its parts are helpers already; what is left is their
    order, which resuming and multi-GPU runs depend on (selection prepared before ``train()``
    loads a checkpoint, the final save entered by every rank, a collective under FSDP, before the
    workers return), and that order reads best in one place.
    """
    from transformers import set_seed

    # subclasses transformers/trl classes: imported when training starts, not with the CLI
    from presstune.train.final_weights import FinalWeights, SelectionError

    train_cfg = config.train
    run_dir = Path(run_dir)
    output_dir, logs_dir = dirs = variant_dirs(run_dir, variant_spec.name)
    done, previous = _previous_state(output_dir, resume)
    if done is not None:
        return done
    train_split, eval_split = _load_splits(RunDir(run_dir).dataset, train_cfg, getattr(variant_spec, "mix", None))
    is_chat = train_split.format == "chat"

    seed = train_cfg.seed if train_cfg.seed is not None else config.run.seed
    set_seed(seed)
    output_dir.mkdir(parents=True, exist_ok=True)
    logs_dir.mkdir(parents=True, exist_ok=True)
    trainer, tokenizer, variant_info, distill = _build_trainer(
        config,
        variant_spec,
        run_dir,
        (output_dir, logs_dir),
        (train_split, eval_split),
        (model, tokenizer, teacher),
        progress,
        callbacks,
    )

    resume_from = str(previous) if (resume and previous is not None) else None
    try:  # before train(): a resumed Trainer loads the checkpoint's weights inside train()
        final = FinalWeights.prepare(
            config,
            RunDir(run_dir).dataset,
            trainer,
            tokenizer,
            train_split.rows,
            dirs,
            scorer,
            resuming=bool(resume_from),
        )
    except SelectionError as exc:
        raise TrainError(str(exc)) from None
    started = time.perf_counter()
    train_output = trainer.train(resume_from_checkpoint=resume_from)
    seconds = time.perf_counter() - started
    chosen = final.finish(trainer)  # the selected checkpoint, then WiSE-FT

    save_final(trainer, tokenizer, output_dir)
    final.clean_up(trainer)
    if not trainer.is_world_process_zero():
        return TrainResult(
            variant=variant_spec.name, method=train_cfg.method, output_dir=str(output_dir), status="worker"
        )
    result = _train_result(
        config,
        variant_spec,
        trainer,
        train_output,
        seconds,
        output_dir,
        dict(
            seed=seed,
            resume_from=resume_from,
            train_split=train_split,
            eval_split=eval_split,
            is_chat=is_chat,
            distill=distill,
            variant_info=variant_info,
        ),
    )
    result.selection, result.wise_ft_alpha = chosen
    atomic_write_json(output_dir / "variant.json", variant_info)
    atomic_write_text(output_dir / "README.md", model_card(result, config.model.name_or_path))
    atomic_write_json(output_dir / RESULT_FILE, result.to_json())
    return result


def _previous_state(output_dir: Path, resume: bool) -> tuple[TrainResult | None, Path | None]:
    """What an earlier run left: its result when it finished (marked skipped), else the newest
    checkpoint of an unfinished run, which only ``resume`` may continue."""
    done = read_result(output_dir)
    if done is not None and done.status == "done":
        done.skipped = True
        return done, None
    previous = latest_checkpoint(output_dir)
    if previous is not None and not resume:
        raise TrainError(
            f"{output_dir} already holds {previous.name} from an unfinished run: pass --resume to continue it, "
            "or delete the folder to start over"
        )
    return None, previous


def _build_trainer(
    config: Any,
    variant_spec: VariantSpec,
    run_dir: Path,
    dirs: tuple[Path, Path],
    splits: tuple[Any, Any],
    given: tuple[Any, Any, Any],
    progress: bool,
    callbacks: list[Any] | None,
) -> tuple[Any, Any, dict[str, Any], bool]:
    """The variant's trainer (SFT, or distillation with a teacher): the reduced model wrapped for
    training, the datasets, the callbacks; returns it with the tokenizer, the variant's record
    and whether it distils."""
    train_cfg = config.train
    output_dir, logs_dir = dirs
    train_split, eval_split = splits
    model, tokenizer, teacher = given
    model, tokenizer, variant_info, peft_config = _prepare_model(config, variant_spec, run_dir, model, tokenizer)
    has_eval = eval_split is not None
    optimizer = plan_optimizer(train_cfg, model, output_dir)
    args = build_sft_config(config, output_dir, has_eval, train_split.format == "chat", optim=optimizer.optim)
    trainer_cls, extra, distill = _trainer_class(config, variant_spec, teacher, run_dir)
    if "wandb" in train_cfg.report_to:
        os.environ.setdefault("WANDB_DIR", str(logs_dir))
        os.environ.setdefault("WANDB_PROJECT", "presstune")

    trainer = trainer_cls(
        model=model,
        args=args,
        train_dataset=to_dataset(train_split, train_cfg.enable_thinking),
        eval_dataset=to_dataset(eval_split, train_cfg.enable_thinking) if has_eval else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=_callbacks(train_cfg, variant_spec, output_dir, logs_dir, has_eval, progress, callbacks),
        **extra,
    )
    if progress:  # RichProgressCallback logs the dicts PrinterCallback would print on the console
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    return trainer, tokenizer, variant_info, distill


def _load_splits(dataset_dir: Path, t: Any, mix: str | None = None) -> tuple[Any, Any]:
    """``train.jsonl`` (``train.<mix>.jsonl`` for a variant trained on a named mix) and (when
    present) ``eval.jsonl``, checked to share one format."""
    try:
        train_split = load_split(dataset_dir / (f"train.{mix}.jsonl" if mix else "train.jsonl"))
        eval_split = (
            load_split(dataset_dir / "eval.jsonl", t.eval_max_rows) if (dataset_dir / "eval.jsonl").is_file() else None
        )
    except DatasetError as exc:
        raise TrainError(str(exc)) from None
    if eval_split is not None and eval_split.format != train_split.format:
        raise TrainError(f"{dataset_dir}: train.jsonl is {train_split.format} but eval.jsonl is {eval_split.format}")
    return train_split, eval_split


def _prepare_model(
    config: Any, variant_spec: VariantSpec, run_dir: Path, model: Any, tokenizer: Any
) -> tuple[Any, Any, dict[str, Any], Any]:
    """(model, tokenizer, variant_info, peft_config): the variant built or taken from the caller."""
    t = config.train
    variant_info: dict[str, Any] = {}
    if t.backend == "unsloth" and model is None:
        model, tokenizer, variant_info = _unsloth_model(config, variant_spec, run_dir)
        peft_config = None
    else:
        if t.backend == "unsloth":
            raise TrainSetupError("train.backend=unsloth loads its own model; do not pass one in")
        if model is None:
            model, variant_info = build_student(config, variant_spec, run_dir)
        else:
            variant_info = {
                "variant": variant_spec.name,
                "kind": variant_spec.kind,
                "num_layers": num_layers(model),
                "note": "model given by the caller",
            }
        if tokenizer is None:
            tokenizer = load_tokenizer(config)
        peft_config = None
        if t.method in ("lora", "qlora"):
            peft_config = _peft_config(t)
            if t.method == "qlora":
                model = prepare_4bit_for_training(model, t, resolve_precision(t))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if hasattr(model.config, "use_cache"):
        model.config.use_cache = False  # a KV cache during training would also disable the packed mask
    model.train()
    return model, tokenizer, variant_info, peft_config


def _trainer_class(
    config: Any, variant_spec: VariantSpec, teacher: Any, run_dir: Path
) -> tuple[Any, dict[str, Any], bool]:
    """(trainer class, its extra arguments, whether it distills): distillation for reduced variants."""
    t = config.train
    distill = t.distill.teacher is not None and variant_spec.kind != "original"
    if not distill:
        from trl import SFTTrainer

        return SFTTrainer, {}, False
    # subclasses transformers/trl classes: imported when training starts, not with the CLI
    from presstune.train.distill import DistillSFTTrainer

    extra = dict(
        teacher=teacher if teacher is not None else build_teacher(config, run_dir, variant_spec),
        alpha=t.distill.alpha,
        temperature=t.distill.temperature,
        chunk_tokens=t.distill.chunk_tokens,
    )
    return DistillSFTTrainer, extra, True


def _distill_record(config: Any, variant_spec: VariantSpec) -> dict[str, Any]:
    """The distillation settings and, in words, which model taught (for the card and result)."""
    d = config.train.distill
    record = d.model_dump(mode="json")
    if d.teacher == "tuned":
        name = tuned_teacher_name(config.variants, d.teacher_variant, variant_spec)
        record["teacher_model"] = f"the tuned variant {name!r}"
    else:
        record["teacher_model"] = f"the base model {config.model.name_or_path}"
    return record


def _callbacks(
    t: Any,
    variant_spec: VariantSpec,
    output_dir: Path,
    logs_dir: Path,
    has_eval: bool,
    progress: bool,
    extra: list[Any] | None,
) -> list[Any]:
    from transformers import EarlyStoppingCallback

    # subclasses transformers/trl classes: imported when training starts, not with the CLI
    from presstune.train.callbacks import LossCurveCallback, RichProgressCallback, RunTensorBoardCallback

    found = [LossCurveCallback(output_dir), RunTensorBoardCallback(logs_dir)]
    if progress:
        found.append(RichProgressCallback(f"train {variant_spec.name} ({t.method})"))
    if has_eval and t.early_stopping_patience is not None and t.load_best_model_at_end and t.select.metric is None:
        found.append(EarlyStoppingCallback(t.early_stopping_patience, t.early_stopping_threshold))
    found.extend(speed_callbacks(t, log_file=logs_dir / "train.log"))
    found.extend(extra or [])
    return found


def _train_result(
    config: Any,
    variant_spec: VariantSpec,
    trainer: Any,
    train_output: Any,
    seconds: float,
    output_dir: Path,
    run: dict[str, Any],
) -> TrainResult:
    """The finished run's TrainResult (settings, tokens, losses); writes the loss curve."""
    import torch

    # imports transformers' callback classes: loaded when training starts, not with the CLI
    from presstune.train.callbacks import write_loss_curve

    t = config.train
    state = trainer.state
    train_split, eval_split, is_chat = run["train_split"], run["eval_split"], run["is_chat"]
    curve = write_loss_curve(state.log_history, output_dir)
    train_losses = [r["train_loss"] for r in curve if r["train_loss"] is not None]
    trained = trainer.model
    total_params = sum(p.numel() for p in trained.parameters())
    trainable = sum(p.numel() for p in trained.parameters() if p.requires_grad)
    accum = trainer.args.gradient_accumulation_steps
    settings = {
        **t.model_dump(mode="json"),
        "seed": run["seed"],
        "gradient_accumulation_steps": accum,
        "effective_batch_sequences": t.per_device_batch_size * accum * int(os.environ.get("WORLD_SIZE", "1")),
        "precision": resolve_precision(t),
        "optimizer": getattr(trainer.args.optim, "value", trainer.args.optim),  # train.optim auto's choice
        "dataset_format": train_split.format,
        "loss_on": "assistant completion" if (is_chat and t.completion_only_loss) else "all tokens",
        "train_rows": len(train_split.rows),
        "eval_rows": len(eval_split.rows) if eval_split else 0,
        "skipped_rows": train_split.skipped + (eval_split.skipped if eval_split else []),
        "distill": _distill_record(config, variant_spec) if run["distill"] else None,
        "world_size": int(os.environ.get("WORLD_SIZE", "1")),
        "torch": torch.__version__,
    }
    stopped_early = state.max_steps > 0 and state.global_step < state.max_steps
    best_metric = state.best_metric
    return TrainResult(
        variant=variant_spec.name,
        method=t.method,
        output_dir=str(output_dir),
        global_step=state.global_step,
        epochs=round(float(state.epoch or 0.0), 4),
        tokens_seen=int(state.num_input_tokens_seen or 0),
        train_seconds=round(float(train_output.metrics.get("train_runtime", seconds)), 3),
        final_train_loss=train_losses[-1] if train_losses else None,
        best_eval_loss=None if best_metric is None or not math.isfinite(best_metric) else float(best_metric),
        best_checkpoint=state.best_model_checkpoint,
        stopped_early=stopped_early,
        resumed_from=run["resume_from"],
        trainable_params=trainable,
        total_params=total_params,
        settings=settings,
        variant_info=run["variant_info"],
    )
