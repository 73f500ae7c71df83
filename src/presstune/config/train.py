"""Settings of the train stage.

Defaults are chosen for ~1-2M training tokens (a press-release corpus): a few epochs with a
cosine schedule and warm-up, early stopping on eval loss, an effective batch of ~64k tokens.
Every variant is trained with the *same* train section (variant files only change the model),
so the comparison is fair by construction; ``presstune.train.compare`` reports any difference.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from presstune.schema import Strict

#: Learning rates used when the config does not set one: LoRA adapters tolerate (and need) a
#: much larger step than full fine-tuning of pretrained weights.
DEFAULT_LR = {"lora": 2e-4, "qlora": 2e-4, "full": 2e-5}


class DistillConfig(Strict):
    """Healing a reduced variant by logit distillation from the original model (Minitron-style)."""

    teacher: Literal["original", "tuned"] | None = Field(
        None,
        description=(
            "`original`: the unreduced base model is the teacher (heals general ability, "
            "knows no news); `tuned`: the run's fine-tuned variant of kind `original` "
            "(adapter merged), so the reduced variant also learns the trained news from the "
            "teacher's distribution — it must be listed (and is trained) before the reduced "
            "variants. None switches distillation off."
        ),
    )
    teacher_variant: str | None = Field(
        None,
        description=(
            "With `teacher: tuned`: the variant that teaches; None picks the first variant of "
            "kind `original` trained on the student's mix."
        ),
    )
    alpha: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Weight of distillation: loss = (1 - alpha) * cross-entropy + alpha * T^2 * KL(teacher || student)."
        ),
    )
    temperature: float = Field(2.0, gt=0.0, description="Softmax temperature T of the distillation loss.")
    chunk_tokens: int = Field(
        1024, ge=1, description="Tokens per chunk when computing the KL (bounds the float32 vocab-size buffers)."
    )


class SelectConfig(Strict):
    """Keep the checkpoint that knows most at bounded damage, measured while training.

    At each evaluation point the model answers held-out questions about *trained* facts
    (``dataset/qa_valid.jsonl``: written by the corpus stage, never in a training row) and
    general questions (the last ``general_questions`` of
    ``presstune.evaluate.retention.GENERAL_QUESTIONS``), greedily, asked and scored exactly as
    evaluation asks and scores QA. The kept checkpoint has the highest validation knowledge
    among the points whose general accuracy is at least the base's minus ``max_general_drop``
    (none qualifies: the one with the least drop); it is restored as the variant's weights.
    Every point and the choice go to ``checkpoints/<variant>/selection.json``. Eval loss is no
    guide here: it rises while the facts are being learnt.
    """

    metric: Literal["knowledge"] | None = Field(
        None,
        description=(
            "`knowledge`: select by validation knowledge (contains-answer rate). None: off "
            "(cost: one batched greedy pass over the validation and general questions per "
            "point)."
        ),
    )
    max_general_drop: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description=(
            "Largest tolerated fall of general accuracy below the base's (0.05 = 5 points): "
            "damage beyond it buys no knowledge worth having."
        ),
    )
    eval_every: Literal["epoch"] | int = Field(
        "epoch",
        description=(
            "`epoch`: one point per epoch (recipes train a few to 16 epochs); an integer: "
            "every N optimizer steps. The last step is always a point."
        ),
    )
    patience: int | None = Field(
        None,
        ge=1,
        description="Stop after this many points without a better kept checkpoint (None: train all epochs).",
    )
    general_questions: int = Field(
        20,
        ge=0,
        description=(
            "General questions taken from the *end* of GENERAL_QUESTIONS, so that "
            "evaluation's `retention_questions` (taken from the start) stays disjoint where "
            "the list is long enough (selection.json counts the overlap). 20: one question is "
            "5 points, max_general_drop's unit."
        ),
    )
    valid_questions: int | None = Field(
        200,
        ge=1,
        description="At most this many validation questions (a seeded hash subsample; None: all): cost per point.",
    )
    max_new_tokens: int = Field(
        64,
        ge=1,
        description=(
            "Tokens per greedy answer, as many as evaluation gives one (evaluate.se_max_new_tokens): a reply "
            "trained as the fact's clause (`corpus.augment.qa_answer: statement`) names the answer late."
        ),
    )
    batch_size: int = Field(32, ge=1, description="Questions per generate call.")

    @model_validator(mode="after")
    def _positive_interval(self) -> SelectConfig:
        if isinstance(self.eval_every, int) and self.eval_every < 1:
            raise ValueError("train.select.eval_every must be 'epoch' or a positive number of steps")
        return self


class TrainConfig(Strict):
    method: Literal["lora", "qlora", "full"] = Field(
        "lora",
        description=(
            "lora (adapters on bf16 weights), qlora (adapters on 4-bit NF4 weights; needs "
            "bitsandbytes) or full fine-tuning."
        ),
    )
    backend: Literal["hf", "unsloth"] = Field(
        "hf", description="`hf`: TRL SFTTrainer + PEFT (default, tested). `unsloth`: optional, needs CUDA + unsloth."
    )
    learning_rate: float = Field(
        2e-4,
        gt=0,
        description=(
            "Peak learning rate; unset, 2e-4 for lora/qlora and 2e-5 for full (adapters need "
            "a larger step than pretrained weights)."
        ),
    )
    epochs: float = Field(3.0, gt=0, description="Passes over the training mix.")
    max_steps: int = Field(-1, description="Optimizer steps; > 0 overrides epochs (smoke tests, benchmarks).")
    per_device_batch_size: int = Field(4, ge=1, description="Rows per device per forward pass.")
    gradient_accumulation_steps: int = Field(
        4, ge=1, description="Forward passes per optimizer step (derived when effective_batch_tokens is set)."
    )
    effective_batch_tokens: int | None = Field(
        None,
        description=(
            "If set, gradient_accumulation_steps is derived so that one optimizer step sees "
            "about this many tokens over all devices."
        ),
    )
    max_seq_length: int = Field(2048, description="Tokens per (packed) training row.")
    packing: bool = Field(
        True,
        description=(
            "Pack several documents into one row (padding-free, with per-document positions): "
            "no compute spent on padding."
        ),
    )
    packing_strategy: Literal["auto", "bfd", "bfd_split"] = Field(
        "auto",
        description=(
            "TRL packing strategy: `bfd_split` keeps documents longer than max_seq_length "
            "(split), `bfd` truncates them. Both are padding-free with per-document position "
            "ids. `auto`: bfd_split for plain text (no text lost), bfd for chats (a split-off "
            "tail would be a completion without its prompt)."
        ),
    )
    warmup_ratio: float = Field(0.05, description="Share of steps with a linearly rising learning rate.")
    lr_scheduler: str = Field(
        "cosine", description="Learning-rate schedule after warm-up (a transformers scheduler name)."
    )
    weight_decay: float = Field(0.0, description="AdamW weight decay.")
    max_grad_norm: float = Field(1.0, description="Gradient clipping norm.")
    optim: str = Field(
        "adamw_torch",
        description=(
            "Optimizer (a transformers optim name, used as given). `auto`: fp32 AdamW "
            "(adamw_torch_fused) where its states fit the device's memory, else 8-bit AdamW "
            "(adamw_8bit), else 8-bit states paged to host RAM (paged_adamw_8bit; both need "
            "bitsandbytes and CUDA), chosen from presstune.train.memory's estimate and the GPU's "
            "total memory; the choice and the estimate go to the train log and to "
            "checkpoints/<variant>/memory_plan.json."
        ),
    )
    lora_r: int = Field(16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(32, description="LoRA scaling alpha (the update is scaled by alpha / r).")
    lora_dropout: float = Field(0.05, description="Dropout on the LoRA adapters' input.")
    lora_target_modules: list[str] = Field(
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        description=(
            "Modules that get adapters: every linear layer of attention and MLP, where LoRA "
            "comes closest to full fine-tuning."
        ),
    )
    completion_only_loss: bool = Field(
        True,
        description=(
            "Chat styles: loss on the assistant completion only (TRL completion_only_loss). "
            "The article style (plain text) always trains on all tokens."
        ),
    )
    enable_thinking: bool = Field(
        False, description="Render chats with Qwen3's thinking switched off, the way evaluation generates."
    )
    save_steps: int = Field(
        100, ge=1, description="Save a checkpoint every N optimizer steps (training resumes from the newest)."
    )
    eval_steps: int = Field(100, ge=1, description="Compute eval loss every N optimizer steps.")
    logging_steps: int = Field(10, description="Log loss and learning rate every N optimizer steps.")
    save_total_limit: int = Field(3, description="Checkpoints kept on disk (the oldest go first).")
    early_stopping_patience: int | None = Field(
        3, description="Stop after this many evaluations without improvement of eval loss (None: never)."
    )
    early_stopping_threshold: float = Field(
        0.0, description="Smallest eval-loss improvement that counts for early stopping."
    )
    load_best_model_at_end: bool = Field(
        True, description="Keep the checkpoint with the lowest eval loss as the variant's weights."
    )
    report_to: list[str] = Field(
        ["tensorboard"],
        description="Where training logs go (transformers integrations; TensorBoard under logs/<variant>/).",
    )
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto", description="Weights and activations: `auto` = bf16 on a CUDA GPU that supports it, else fp32."
    )
    attn_implementation: Literal[
        "auto",
        "sdpa",
        "sdpa_documents",
        "eager",
        "flex_attention",
        "varlen",
        "flash_attention_2",
        "flash_attention_3",
    ] = Field(
        "auto",
        description=(
            "Attention kernel (presstune.train.attention). `auto`: the fastest present "
            "backend that keeps packed documents apart (varlen, then flex_attention, then "
            "sdpa on CUDA; sdpa_documents on CPU: causal SDPA per document, documents batched "
            "by length)."
        ),
    )
    gradient_checkpointing: bool | Literal["auto"] = Field(
        True,
        description=(
            "`auto`: checkpoint as few layers as the GPU memory allows (the number of layers "
            "left un-checkpointed is estimated from the free memory and "
            "`gradient_checkpointing_memory_gib`, and stated in the train log); `true` uses "
            "`gradient_checkpointing_skip_layers`."
        ),
    )
    gradient_checkpointing_memory_gib: float | None = Field(
        None,
        gt=0,
        description="The peak GPU memory `gradient_checkpointing: auto` plans for (GiB; None: 90 % of the GPU).",
    )
    gradient_checkpointing_skip_layers: int = Field(
        0,
        ge=0,
        description=(
            "With gradient_checkpointing: run the last N decoder layers without checkpointing "
            "(selective checkpointing): same numbers, less recompute, more activation memory. "
            "0: checkpoint every layer."
        ),
    )
    lora_autocast_inputs: bool = Field(
        True,
        description=(
            "Under bf16/fp16 mixed precision, let autocast cast each LoRA input instead of "
            "PEFT (which first copies it to the adapters' fp32 and autocast then copies it "
            "back to bf16, and that second copy is what backward keeps). The values are "
            "bit-identical (bf16 -> fp32 -> bf16 is exact); only the copies go: less "
            "activation memory per layer and less memory traffic."
        ),
    )
    liger_kernel: Literal["auto", "on", "off"] = Field(
        "auto",
        description=(
            "Liger kernels (fused linear cross-entropy: no [tokens, vocab] logits; fused "
            "RMSNorm, SwiGLU, RoPE). `auto`: on when a CUDA GPU and the liger-kernel package "
            "are present."
        ),
    )
    torch_compile: bool = Field(False, description="Compile the model with torch.compile.")
    seed: int | None = Field(None, description="Training seed (None: run.seed).")
    eval_max_rows: int | None = Field(
        None, description="Use at most this many eval rows (None: all); eval cost grows with every evaluation."
    )
    distill: DistillConfig = Field(
        default_factory=DistillConfig, description="Healing reduced variants by logit distillation."
    )
    select: SelectConfig = Field(
        default_factory=SelectConfig,
        description=(
            "Checkpoint selection by a validation signal computed while training (off by "
            "default: `select.metric` None); when on, it replaces eval-loss early stopping "
            "and best-model loading."
        ),
    )
    wise_ft: float | Literal["auto"] = Field(
        1.0,
        description=(
            "WiSE-FT (Wortsman et al. 2022): the saved weights are base + alpha * (tuned - "
            "base), after selection; for LoRA the adapter's delta is scaled by alpha. 1: the "
            "tuned model as is. `auto`: the alpha of `wise_ft_alphas` the selection rule "
            "prefers (needs `select`)."
        ),
    )
    wise_ft_alphas: list[float] = Field(
        [0.25, 0.5, 0.75, 1.0],
        description="Candidates of `wise_ft: auto`, each measured once by the validation signal after training.",
    )
    trl: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Further TRL `SFTConfig` fields, passed verbatim (checked against SFTConfig's "
            "fields when the trainer is built); a field presstune sets itself must be set "
            "through its own key."
        ),
    )

    @model_validator(mode="after")
    def _wise_ft_range(self) -> TrainConfig:
        alphas = self.wise_ft_alphas if self.wise_ft == "auto" else [self.wise_ft]
        if not alphas or any(not 0.0 < float(a) <= 1.0 for a in alphas):
            raise ValueError("train.wise_ft (and wise_ft_alphas) must lie in (0, 1]; 1 keeps the tuned model")
        if self.wise_ft == "auto" and self.select.metric is None:
            raise ValueError("train.wise_ft: auto chooses alpha by the validation signal: set train.select.metric")
        return self

    @model_validator(mode="before")
    @classmethod
    def _method_default_lr(cls, data: Any) -> Any:
        # A method-dependent default: only when the user did not set a learning rate.
        if isinstance(data, dict) and "learning_rate" not in data:
            method = data.get("method", "lora")
            if method in DEFAULT_LR:
                data = {**data, "learning_rate": DEFAULT_LR[method]}
        return data


def tuned_teacher_name(variants: list[Any], teacher_variant: str | None, student: Any) -> str:
    """The variant that teaches ``student`` under ``train.distill.teacher: tuned``: the one named
    by ``teacher_variant``, else the first of kind ``original`` trained on the student's mix (else
    the first of kind ``original``). ValueError when there is none."""
    originals = [v for v in variants if v.kind == "original"]
    if teacher_variant is not None:
        named = next((v for v in variants if v.name == teacher_variant), None)
        if named is None or named.kind != "original":
            raise ValueError(
                f"train.distill.teacher_variant {teacher_variant!r} is not a variant of kind original "
                f"({', '.join(v.name for v in originals) or 'none listed'})"
            )
        return named.name
    if not originals:
        raise ValueError("train.distill.teacher=tuned needs a variant of kind original to teach the reduced ones")
    same_mix = [v for v in originals if v.mix == student.mix]
    return (same_mix or originals)[0].name
