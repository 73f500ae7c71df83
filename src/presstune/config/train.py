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

    #: ``original``: the unreduced base model is the teacher (heals general ability, knows no
    #: news); ``tuned``: the run's fine-tuned variant of kind ``original`` (adapter merged), so
    #: the reduced variant also learns the trained news from the teacher's distribution — it must
    #: be listed (and is trained) before the reduced variants. None switches distillation off.
    teacher: Literal["original", "tuned"] | None = None
    #: With ``teacher: tuned``: the variant that teaches; None picks the first variant of kind
    #: ``original`` trained on the student's mix.
    teacher_variant: str | None = None
    #: loss = (1 - alpha) * cross-entropy + alpha * T^2 * KL(teacher || student).
    alpha: float = Field(0.5, ge=0.0, le=1.0)
    temperature: float = Field(2.0, gt=0.0)
    #: Tokens per chunk when computing the KL (bounds the float32 vocab-size buffers).
    chunk_tokens: int = Field(1024, ge=1)


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

    #: ``knowledge``: select by validation knowledge (contains-answer rate). None: off (cost:
    #: one batched greedy pass over the validation and general questions per point).
    metric: Literal["knowledge"] | None = None
    #: Largest tolerated fall of general accuracy below the base's (0.05 = 5 points): damage
    #: beyond it buys no knowledge worth having.
    max_general_drop: float = Field(0.05, ge=0.0, le=1.0)
    #: ``epoch``: one point per epoch (recipes train a few to 16 epochs); an integer: every N
    #: optimizer steps. The last step is always a point.
    eval_every: Literal["epoch"] | int = "epoch"
    #: Stop after this many points without a better kept checkpoint (None: train all epochs).
    patience: int | None = Field(None, ge=1)
    #: General questions taken from the *end* of GENERAL_QUESTIONS, so that evaluation's
    #: ``retention_questions`` (taken from the start) stays disjoint where the list is long enough
    #: (selection.json counts the overlap). 20: one question is 5 points, max_general_drop's unit.
    general_questions: int = Field(20, ge=0)
    #: At most this many validation questions (a seeded hash subsample; None: all): cost per point.
    valid_questions: int | None = Field(200, ge=1)
    #: Tokens per greedy answer: answers are one short sentence; cost grows with it.
    max_new_tokens: int = Field(32, ge=1)
    #: Questions per generate call.
    batch_size: int = Field(32, ge=1)

    @model_validator(mode="after")
    def _positive_interval(self) -> SelectConfig:
        if isinstance(self.eval_every, int) and self.eval_every < 1:
            raise ValueError("train.select.eval_every must be 'epoch' or a positive number of steps")
        return self


class TrainConfig(Strict):
    method: Literal["lora", "qlora", "full"] = "lora"
    #: ``hf``: TRL SFTTrainer + PEFT (default, tested). ``unsloth``: optional, needs CUDA + unsloth.
    backend: Literal["hf", "unsloth"] = "hf"
    #: 2e-4 for lora/qlora and 2e-5 for full unless set explicitly.
    learning_rate: float = Field(2e-4, gt=0)
    epochs: float = Field(3.0, gt=0)
    #: > 0 overrides epochs (smoke tests, benchmarks).
    max_steps: int = -1
    per_device_batch_size: int = Field(4, ge=1)
    gradient_accumulation_steps: int = Field(4, ge=1)
    #: If set, gradient_accumulation_steps is derived so that one optimizer step sees about this
    #: many tokens over all devices (packed sequences are max_seq_length long).
    effective_batch_tokens: int | None = None
    max_seq_length: int = 2048
    packing: bool = True
    #: TRL packing strategy: ``bfd_split`` keeps documents longer than max_seq_length (split),
    #: ``bfd`` truncates them. Both are padding-free with per-document position ids. ``auto``:
    #: bfd_split for plain text (no text lost), bfd for chats (a split-off tail would be a
    #: completion without its prompt).
    packing_strategy: Literal["auto", "bfd", "bfd_split"] = "auto"
    warmup_ratio: float = 0.05
    lr_scheduler: str = "cosine"
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    optim: str = "adamw_torch"
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: list[str] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    #: Chat styles: loss on the assistant completion only (TRL completion_only_loss). The
    #: article style (plain text) always trains on all tokens.
    completion_only_loss: bool = True
    #: Render chats with Qwen3's thinking switched off, the way evaluation generates.
    enable_thinking: bool = False
    save_steps: int = Field(100, ge=1)
    eval_steps: int = Field(100, ge=1)
    logging_steps: int = 10
    save_total_limit: int = 3
    #: Stop after this many evaluations without improvement of eval loss (None: never).
    early_stopping_patience: int | None = 3
    early_stopping_threshold: float = 0.0
    load_best_model_at_end: bool = True
    report_to: list[str] = ["tensorboard"]
    #: Weights and activations: ``auto`` = bf16 on a CUDA GPU that supports it, else fp32.
    precision: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    #: Attention kernel (presstune.train.attention). ``auto``: the fastest present backend that
    #: keeps packed documents apart (varlen, then flex_attention, then sdpa on CUDA; sdpa_documents
    #: on CPU: causal SDPA per document, documents batched by length).
    attn_implementation: Literal[
        "auto",
        "sdpa",
        "sdpa_documents",
        "eager",
        "flex_attention",
        "varlen",
        "flash_attention_2",
        "flash_attention_3",
    ] = "auto"
    #: ``auto``: checkpoint as few layers as the GPU memory allows (the number of layers left
    #: un-checkpointed is estimated from the free memory and ``gradient_checkpointing_memory_gib``,
    #: and stated in the train log); ``true`` uses ``gradient_checkpointing_skip_layers``.
    gradient_checkpointing: bool | Literal["auto"] = True
    #: The peak GPU memory ``gradient_checkpointing: auto`` plans for (GiB; None: 90 % of the GPU).
    gradient_checkpointing_memory_gib: float | None = Field(None, gt=0)
    #: With gradient_checkpointing: run the last N decoder layers WITHOUT checkpointing
    #: (selective checkpointing). Same numbers, less recompute: each skipped layer saves about
    #: 1/3 of its training compute and keeps its activations (~0.49 GiB per layer for Qwen3-8B
    #: LoRA at 4,096 tokens with Liger and lora_autocast_inputs; benchmarks/RESULTS_train.md).
    #: 0: checkpoint every layer.
    gradient_checkpointing_skip_layers: int = Field(0, ge=0)
    #: Under bf16/fp16 mixed precision, let autocast cast each LoRA input instead of PEFT (which
    #: first copies it to the adapters' fp32 and autocast then copies it back to bf16, and that
    #: second copy is what backward keeps). The values are bit-identical (bf16 -> fp32 -> bf16 is
    #: exact); only the copies go: less activation memory per layer and less memory traffic.
    lora_autocast_inputs: bool = True
    #: Liger kernels (fused linear cross-entropy: no [tokens, vocab] logits; fused RMSNorm,
    #: SwiGLU, RoPE). ``auto``: on when a CUDA GPU and the liger-kernel package are present.
    liger_kernel: Literal["auto", "on", "off"] = "auto"
    torch_compile: bool = False
    #: None: use run.seed.
    seed: int | None = None
    #: Use at most this many eval rows (None: all); eval cost grows with every evaluation.
    eval_max_rows: int | None = None
    distill: DistillConfig = Field(default_factory=DistillConfig)
    #: Checkpoint selection by a validation signal computed while training (off by default:
    #: ``select.metric`` None); when on, it replaces eval-loss early stopping and best-model loading.
    select: SelectConfig = Field(default_factory=SelectConfig)
    #: WiSE-FT (Wortsman et al. 2022): the saved weights are base + alpha * (tuned - base), after
    #: selection; for LoRA the adapter's delta is scaled by alpha. 1: the tuned model as is.
    #: ``auto``: the alpha of ``wise_ft_alphas`` the selection rule prefers (needs ``select``).
    wise_ft: float | Literal["auto"] = 1.0
    #: Candidates of ``wise_ft: auto``, each measured once by the validation signal after training.
    wise_ft_alphas: list[float] = [0.25, 0.5, 0.75, 1.0]
    #: Further TRL ``SFTConfig`` fields, passed verbatim (checked against SFTConfig's fields when
    #: the trainer is built); a field presstune sets itself must be set through its own key.
    trl: dict[str, Any] = Field(default_factory=dict)

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
