"""What a training configuration needs in device memory, and ``train.optim: auto``'s choice from it.

The estimate adds up, for one training process:

* weights: full fine-tuning keeps fp32 master weights (``variant.weight_dtype``); LoRA keeps the
  frozen base in the compute dtype and fp32 adapters; QLoRA stores every decoder ``Linear`` in
  NF4 with double-quantised block scales, the rest (embeddings, norms, LM head) in the compute dtype;
* gradients: one per trainable element, in the trainable parameter's dtype (fp32);
* optimizer states by optimizer: two fp32 moments for torch's AdamW; for bitsandbytes' 8-bit
  AdamW one byte per moment plus an fp32 scale per 256-element block, except tensors below its
  8-bit minimum and the embedding matrices, which Trainer gives 32-bit states; paged states live
  in CUDA unified memory that the driver moves to host RAM when the GPU is full, so only the
  tensors bitsandbytes does not page and one tensor's states (the one being updated) stay on the GPU;
* an activation allowance (stated, not measured): with checkpointing every decoder layer's input
  plus one layer's activations recomputed in backward (and as many more as the configuration
  leaves un-checkpointed), else every layer's; for full fine-tuning under autocast, the bf16
  copies of those layers' (and the LM head's) fp32 weights that backward keeps; the
  ``[tokens, vocab]`` fp32 logits and their gradient unless the fused loss runs; plus a fixed
  reserve for the CUDA context, library workspaces and allocator fragmentation.

Under FSDP weights, gradients and optimizer states are sharded over the processes.

Element counts come from the model itself (a real one, or one built on the ``meta`` device from
its config): nothing is guessed from a parameter count.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from presstune.models.layers import SurgeryError, decoder_layers

GIB = 2**30

#: Activation bytes per token that one un-checkpointed decoder layer keeps, per element of
#: (hidden + intermediate) size: 4 copies in the activation dtype. Calibrated on the measured
#: 0.49 GiB per layer of Qwen3-8B LoRA at 4,096 tokens (4 x 16,384 x 2 B x 4,096 = 0.50 GiB;
#: benchmarks/RESULTS_train.md).
ACTIVATION_COPIES_PER_LAYER = 4
#: Kept free for allocator fragmentation and transient buffers by the checkpointing plan (GiB).
CHECKPOINT_MARGIN_GIB = 1.0
#: What a training process holds beyond its tensors: CUDA context, cuBLAS / NCCL workspaces,
#: allocator fragmentation (GiB). The checkpointing plan's margin is part of it.
RUNTIME_RESERVE_GIB = 2.0

#: bitsandbytes 8-bit optimizers: tensors with fewer elements keep 32-bit states.
BNB_MIN_8BIT_SIZE = 4096
#: bitsandbytes 8-bit optimizers: one fp32 absmax per block of this many elements, per moment.
BNB_BLOCK_SIZE = 256
#: bitsandbytes paged optimizers allocate states in unified memory only for tensors this large.
BNB_MIN_PAGED_SIZE = 100_000
#: NF4 with double quantisation: 4 bits per element, an 8-bit scale per 64 elements and an fp32
#: scale per 256 of those blocks.
NF4_BYTES_PER_ELEMENT = 0.5 + 1 / 64 + 4 / (64 * 256)

#: fp32 AdamW: what ``auto`` picks when its states fit (one fused kernel, on CUDA and CPU).
FP32_ADAMW = "adamw_torch_fused"
EIGHT_BIT_ADAMW = "adamw_8bit"
PAGED_EIGHT_BIT_ADAMW = "paged_adamw_8bit"
#: ``train.optim: auto`` tries these in order and takes the first that fits the device; 8-bit
#: states need bitsandbytes and CUDA (paging is CUDA unified memory).
AUTO_LADDER = {"cuda": (FP32_ADAMW, EIGHT_BIT_ADAMW, PAGED_EIGHT_BIT_ADAMW), "cpu": (FP32_ADAMW,)}
_TORCH_ADAMW = {"adamw_torch", "adamw_torch_fused", "adamw_hf"}
_BNB_EIGHT_BIT = {"adamw_8bit", "adamw_bnb_8bit", "paged_adamw_8bit"}
_BNB_PAGED = {"paged_adamw_8bit", "paged_adamw_32bit"}


class MemoryFitError(RuntimeError):
    """No optimizer of ``train.optim: auto``'s ladder fits the device: the message lists each estimate."""

    def __init__(self, message: str, considered: list[MemoryEstimate] | None = None):
        super().__init__(message)
        self.considered = considered or []


@dataclass(frozen=True)
class TensorSize:
    """One trainable tensor: its elements and whether it is an embedding matrix."""

    numel: int
    embedding: bool = False


@dataclass(frozen=True)
class ModelSizes:
    """Element counts of a model as one training method trains it."""

    method: str
    total_params: int
    #: the tensors the optimizer updates (the model's own for full, the adapters for LoRA/QLoRA)
    trainable: tuple[TensorSize, ...]
    #: frozen elements stored in NF4 (QLoRA's decoder Linear weights)
    quantized_params: int
    layers: int
    hidden: int
    intermediate: int
    vocab: int
    #: Linear weight elements of the largest decoder layer, and of the LM head: under autocast a
    #: layer keeps compute-dtype copies of its fp32 weights for backward (full fine-tuning)
    layer_linear_params: int = 0
    head_params: int = 0

    @property
    def trainable_params(self) -> int:
        return sum(t.numel for t in self.trainable)


def model_sizes(model: Any, method: str, lora_r: int = 16, lora_targets: list[str] | None = None) -> ModelSizes:
    """Count ``model``'s elements for ``method`` (``full`` / ``lora`` / ``qlora``).

    LoRA adapters are counted from the targeted ``Linear`` modules' shapes (A: r x in, B: out x r),
    matched by the last part of the module name as PEFT matches them; the model need not carry
    them yet. QLoRA quantises every ``Linear`` but the output embedding (LM head).
    """
    import torch

    cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    hidden = int(getattr(cfg, "hidden_size", 0))
    output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    seen: set[int] = set()
    total = 0
    full: list[TensorSize] = []
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if id(param) in seen:  # tied weights are one tensor
                continue
            seen.add(id(param))
            numel = param.numel()
            if isinstance(module, torch.nn.Linear) and name == "weight":  # a 4-bit weight stores packed bytes
                numel = module.in_features * module.out_features
            total += numel
            full.append(TensorSize(numel, isinstance(module, torch.nn.Embedding)))
    targets = set(lora_targets or [])
    adapters: list[TensorSize] = []
    quantized = 0
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear) or module is output:
            continue
        quantized += module.in_features * module.out_features
        if name.rsplit(".", 1)[-1] in targets:
            adapters += [TensorSize(lora_r * module.in_features), TensorSize(module.out_features * lora_r)]
    adapter_params = sum(t.numel for t in adapters)
    try:
        _, decoder = decoder_layers(model)
    except SurgeryError:  # an architecture without a decoder ModuleList: no per-layer weight copies counted
        decoder = []
    layer_linear = max(
        (
            sum(m.in_features * m.out_features for m in layer.modules() if isinstance(m, torch.nn.Linear))
            for layer in decoder
        ),
        default=0,
    )
    return ModelSizes(
        method=method,
        total_params=total + (adapter_params if method != "full" else 0),
        trainable=tuple(full if method == "full" else adapters),
        quantized_params=quantized if method == "qlora" else 0,
        layers=int(getattr(cfg, "num_hidden_layers", 0)),
        hidden=hidden,
        intermediate=int(getattr(cfg, "intermediate_size", None) or 4 * hidden),
        vocab=int(getattr(cfg, "vocab_size", 0)),
        layer_linear_params=layer_linear,
        head_params=output.in_features * output.out_features if isinstance(output, torch.nn.Linear) else 0,
    )


def optimizer_state_bytes(
    optim: str, trainable: tuple[TensorSize, ...], param_bytes: int = 4
) -> tuple[int, int] | None:
    """(bytes on the training device, bytes paged out to host RAM) of ``optim``'s states for the
    ``trainable`` tensors; None for an optimizer this estimate does not know."""
    if optim in _TORCH_ADAMW:
        return sum(2 * t.numel * param_bytes for t in trainable), 0
    if optim not in _BNB_EIGHT_BIT and optim != "paged_adamw_32bit":
        return None
    paging = optim in _BNB_PAGED
    resident = paged = largest = 0
    for t in trainable:
        if optim in _BNB_EIGHT_BIT and not t.embedding and t.numel >= BNB_MIN_8BIT_SIZE:
            moments = 2 * t.numel
            resident += 2 * 4 * math.ceil(t.numel / BNB_BLOCK_SIZE)  # block scales: never paged
        else:
            moments = 2 * 4 * t.numel
        if paging and t.numel >= BNB_MIN_PAGED_SIZE:
            paged += moments
            largest = max(largest, moments)
        else:
            resident += moments
    # the tensor being updated is prefetched to the GPU; the driver evicts the others when it must
    return resident + largest, paged


@dataclass(frozen=True)
class ActivationSettings:
    """What the activation allowance depends on."""

    tokens: int  # per micro-batch and process: per_device_batch_size x max_seq_length
    activation_bytes: int  # 2 under bf16/fp16 autocast, 4 in fp32
    checkpointing: bool
    unchecked_layers: int = 0  # layers left un-checkpointed (gradient_checkpointing_skip_layers)
    fused_loss: bool = False  # Liger's fused linear cross-entropy: no logits tensor


def activation_bytes(sizes: ModelSizes, act: ActivationSettings) -> int:
    """The allowance: saved layer activations, the logits, and (full fine-tuning under autocast)
    the compute-dtype copies of the fp32 weights that each layer holding activations keeps."""
    per_layer = ACTIVATION_COPIES_PER_LAYER * (sizes.hidden + sizes.intermediate) * act.activation_bytes * act.tokens
    holding = (1 + min(act.unchecked_layers, sizes.layers)) if act.checkpointing else sizes.layers
    saved = holding * per_layer
    if act.checkpointing:
        saved += sizes.layers * act.tokens * sizes.hidden * act.activation_bytes  # every layer's input
    copies = 0
    if sizes.method == "full" and act.activation_bytes < 4:
        copies = (holding * sizes.layer_linear_params + sizes.head_params) * act.activation_bytes
    logits = 0 if act.fused_loss else act.tokens * sizes.vocab * 4 * 2
    return saved + copies + logits


@dataclass(frozen=True)
class MemoryBudget:
    """The memory a training process may use: its device's and the host's (for paged states)."""

    device: str  # "cuda" or "cpu"
    device_bytes: int
    host_bytes: int


def device_budget(device: str | None = None) -> MemoryBudget:
    """This process's budget: the whole GPU's memory (its total, not what is free now), or host RAM on CPU."""
    import torch

    host = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        index = torch.device(device).index
        _, total = torch.cuda.mem_get_info(index if index is not None else int(os.environ.get("LOCAL_RANK", "0")))
        return MemoryBudget("cuda", int(total), host)
    return MemoryBudget("cpu", host, host)


@dataclass(frozen=True)
class MemoryEstimate:
    """One configuration's memory, in bytes per training process."""

    optim: str
    method: str
    weights: int
    gradients: int
    #: optimizer states on the training device (None: an optimizer the estimate does not know)
    optimizer_states: int | None
    #: optimizer states paged out to host RAM (paged optimizers)
    host_optimizer_states: int
    activations: int
    reserve: int
    shards: int = 1

    @property
    def device_total(self) -> int:
        return self.weights + self.gradients + (self.optimizer_states or 0) + self.activations + self.reserve

    def fits(self, budget: MemoryBudget) -> bool:
        host_ok = self.host_optimizer_states <= 0.8 * budget.host_bytes  # the rest of the host keeps running
        return self.optimizer_states is not None and self.device_total <= budget.device_bytes and host_ok

    def describe(self) -> str:
        states = "unknown" if self.optimizer_states is None else f"{self.optimizer_states / GIB:.1f}"
        paged = f" (+{self.host_optimizer_states / GIB:.1f} GiB paged to host)" if self.host_optimizer_states else ""
        shard = f", sharded over {self.shards} processes" if self.shards > 1 else ""
        return (
            f"{self.method} with {self.optim}: {self.device_total / GIB:.1f} GiB = weights {self.weights / GIB:.1f} "
            f"+ gradients {self.gradients / GIB:.1f} + optimizer states {states}{paged} + activations "
            f"{self.activations / GIB:.1f} + reserve {self.reserve / GIB:.1f}{shard}"
        )

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "device_total": self.device_total, "gib": round(self.device_total / GIB, 2)}


def estimate(sizes: ModelSizes, optim: str, precision: str, act: ActivationSettings, shards: int = 1) -> MemoryEstimate:
    """The memory of training ``sizes`` with ``optim`` at ``precision`` (bf16 / fp16 / fp32)."""
    compute = 4 if precision == "fp32" else 2
    if sizes.method == "full":
        weights = 4 * sizes.total_params  # fp32 master weights under mixed precision
    else:
        frozen = sizes.total_params - sizes.trainable_params - sizes.quantized_params
        # QLoRA outside bf16 keeps PEFT's fp32 upcast of the non-4-bit parameters
        frozen_bytes = 4 if (sizes.method == "qlora" and precision != "bf16") else compute
        weights = int(
            frozen * frozen_bytes + sizes.quantized_params * NF4_BYTES_PER_ELEMENT + 4 * sizes.trainable_params
        )
    states = optimizer_state_bytes(optim, sizes.trainable)
    shard = max(1, shards)
    return MemoryEstimate(
        optim=optim,
        method=sizes.method,
        weights=weights // shard,
        gradients=4 * sizes.trainable_params // shard,
        optimizer_states=None if states is None else states[0] // shard,
        host_optimizer_states=0 if states is None else states[1] // shard,
        activations=activation_bytes(sizes, act),
        reserve=int(RUNTIME_RESERVE_GIB * GIB),
        shards=shard,
    )


@dataclass
class OptimizerChoice:
    """``train.optim`` as it runs: the setting, the optimizer, why, and the estimates behind it."""

    setting: str
    optim: str
    reason: str
    budget: MemoryBudget
    estimate: MemoryEstimate
    considered: list[MemoryEstimate] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"optimizer {self.optim} ({self.reason}); {self.estimate.describe()}; device "
            f"{self.budget.device} with {self.budget.device_bytes / GIB:.1f} GiB"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "setting": self.setting,
            "optim": self.optim,
            "reason": self.reason,
            "budget": asdict(self.budget),
            "estimate": self.estimate.to_json(),
            "considered": [e.to_json() for e in self.considered],
            "note": (
                "estimate: weights, gradients and optimizer states counted from the model; activations "
                "are an allowance (checkpointed inputs + recomputed layers + logits) plus a fixed reserve"
            ),
        }


def choose_optimizer(
    setting: str,
    sizes: ModelSizes,
    budget: MemoryBudget,
    precision: str,
    act: ActivationSettings,
    shards: int = 1,
) -> OptimizerChoice:
    """``setting`` itself when it names an optimizer; for ``auto`` the first of :data:`AUTO_LADDER`
    whose estimate fits ``budget`` (MemoryFitError when none does)."""
    if setting != "auto":
        explicit = estimate(sizes, setting, precision, act, shards)
        fits = "fits" if explicit.fits(budget) else "estimated NOT to fit"
        return OptimizerChoice(setting, setting, f"set explicitly; {fits}", budget, explicit, [explicit])
    considered = [estimate(sizes, name, precision, act, shards) for name in AUTO_LADDER[budget.device]]
    for index, candidate in enumerate(considered):
        if candidate.fits(budget):
            why = "fp32 AdamW states fit" if index == 0 else f"{considered[0].optim}'s fp32 states do not fit"
            return OptimizerChoice(setting, candidate.optim, f"auto: {why}", budget, candidate, considered)
    lines = "\n".join(f"  - {e.describe()}" for e in considered)
    raise MemoryFitError(
        f"train.optim auto: no optimizer fits {sizes.method} fine-tuning of this model in the "
        f"{budget.device_bytes / GIB:.1f} GiB of the {budget.device}:\n{lines}\n"
        "Use lora or qlora, fewer tokens per micro-batch (per_device_batch_size, max_seq_length), or FSDP over "
        "more GPUs (configs/accelerate/fsdp2.yaml).",
        considered,
    )


def trainable_tensors(model: Any) -> tuple[TensorSize, ...]:
    """The tensors ``model`` trains now (``requires_grad``), embeddings marked: what its optimizer holds."""
    import torch

    seen: set[int] = set()
    found = []
    for module in model.modules():
        for param in module.parameters(recurse=False):
            if param.requires_grad and id(param) not in seen:
                seen.add(id(param))
                found.append(TensorSize(param.numel(), isinstance(module, torch.nn.Embedding)))
    return tuple(found)


def fsdp_shards() -> int:
    """Processes that weights, gradients and optimizer states are sharded over (1 without FSDP)."""
    if os.environ.get("ACCELERATE_USE_FSDP", "").lower() in ("1", "true"):
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    return 1


def activation_settings(train_cfg: Any, precision: str, fused_loss: bool, device: str) -> ActivationSettings:
    """The allowance's inputs from a train section. ``gradient_checkpointing: auto`` is planned at
    its least (every layer checkpointed: auto spends only what is left) on CUDA; on the CPU it
    checkpoints nothing."""
    setting = train_cfg.gradient_checkpointing
    if setting == "auto":
        unchecked = 0 if device == "cuda" else 10**6
    else:
        unchecked = train_cfg.gradient_checkpointing_skip_layers if setting else 0
    return ActivationSettings(
        tokens=train_cfg.per_device_batch_size * train_cfg.max_seq_length,
        activation_bytes=4 if precision == "fp32" else 2,
        checkpointing=bool(setting),
        unchecked_layers=unchecked,
        fused_loss=fused_loss,
    )


def choose_for_config(
    train_cfg: Any, model: Any, precision: str, fused_loss: bool, budget: MemoryBudget
) -> OptimizerChoice:
    """:func:`choose_optimizer` for ``train_cfg.optim`` and ``model`` as ``train_cfg.method`` trains it
    (``model`` before PEFT wraps it; a meta-device model serves as well)."""
    sizes = model_sizes(model, train_cfg.method, train_cfg.lora_r, list(train_cfg.lora_target_modules))
    act = activation_settings(train_cfg, precision, fused_loss, budget.device)
    return choose_optimizer(train_cfg.optim, sizes, budget, precision, act, fsdp_shards())


def uses_bitsandbytes(optim: str) -> bool:
    return optim in _BNB_EIGHT_BIT or optim in _BNB_PAGED
