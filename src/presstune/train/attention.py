"""Attention for packed training rows: documents kept apart, at flash-kernel speed where the GPU allows.

TRL packs several documents into one padding-free row whose ``position_ids`` restart at 0 for
each document (and its collator adds ``cu_seq_lens_q``/``max_length_q``). What each backend does
with such a row:

* ``sdpa`` / ``eager``: transformers builds a dense block-diagonal ``[S, S]`` mask; correct, but
  SDPA leaves its flash kernel for the slower masked one (packed rows then trained slower than
  a plain loop on an H200: benchmarks/RESULTS_train.md).
* ``flex_attention``: the same mask as a compiled ``BlockMask``; blocks across documents are
  skipped, so it can beat dense causal attention.
* ``varlen``: PyTorch's own variable-length flash attention (``torch.nn.attention.varlen``, CUDA
  only) over the documents' cumulative lengths; registered here as a transformers attention
  function because transformers has no binding for it. No mask is built at all.
* ``sdpa_documents``: SDPA's causal kernel over the documents themselves, gathered from the
  packed row into batches of similar length (a right-padded causal row is exact for its real
  tokens, so no mask is needed); runs anywhere. On CPU, where varlen does not exist, it skips the
  ``S x S`` work a packed row of short documents (QA pairs) costs dense SDPA (the gain:
  benchmarks/RESULTS.md). Anything that is not a packed training row
  (padded batches, generation with a KV cache) goes to transformers' sdpa unchanged.

``auto`` takes the first backend of :data:`AUTO_ORDER` that is present on the training device;
the order is the measured one (fastest first; benchmarks/RESULTS_train.md). Every backend that
runs on CPU is proven equal to running the documents one by one in
``tests/test_train_packing.py``; the GPU-only ones are checked the same way in the benchmark.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from presstune.train.errors import TrainSetupError

log = logging.getLogger(__name__)

#: The names under which presstune's functions are registered in transformers' AttentionInterface.
VARLEN = "presstune_varlen"
SDPA_DOCUMENTS = "presstune_sdpa_documents"

#: ``train.attn_implementation`` value -> transformers' ``attn_implementation`` name.
BACKENDS = {
    "sdpa": "sdpa",
    "eager": "eager",
    "flex_attention": "flex_attention",
    "varlen": VARLEN,
    "sdpa_documents": SDPA_DOCUMENTS,
    "flash_attention_2": "flash_attention_2",
    "flash_attention_3": "flash_attention_3",
}

#: What ``auto`` tries on a CUDA GPU, fastest first on packed rows (benchmarks/RESULTS_train.md).
#: On CPU ``auto`` is
#: :data:`CPU_AUTO`: flex attention would compile a CPU kernel and varlen does not run there.
AUTO_ORDER = ("varlen", "flex_attention", "sdpa")
CPU_AUTO = "sdpa_documents"


def unavailable_reason(name: str, device: str) -> str | None:
    """Why backend ``name`` cannot run on ``device`` (``cpu`` / ``cuda[:n]``), or None if it can."""
    import importlib.util

    import torch

    cuda = str(device).startswith("cuda")
    if name in ("sdpa", "eager", "sdpa_documents"):
        return None
    if name == "flex_attention":
        if importlib.util.find_spec("torch.nn.attention.flex_attention") is None:
            return f"torch {torch.__version__} has no flex_attention"
        if cuda and torch.cuda.get_device_capability(torch.device(device))[0] < 8:
            return "flex_attention's Triton kernels need compute capability >= 8.0"
        return None
    if name == "varlen":
        if importlib.util.find_spec("torch.nn.attention.varlen") is None:
            return f"torch {torch.__version__} has no torch.nn.attention.varlen"
        if not cuda:
            return "torch.nn.attention.varlen runs on CUDA only"
        if torch.cuda.get_device_capability(torch.device(device))[0] < 8:
            return "varlen flash attention needs compute capability >= 8.0"
        return None
    if name in ("flash_attention_2", "flash_attention_3"):
        package = "flash_attn" if name == "flash_attention_2" else "flash_attn_interface"
        if importlib.util.find_spec(package) is None:
            return f"{name} needs the {package} package"
        return None if cuda else f"{name} runs on CUDA only"
    return f"unknown attention backend {name!r}"


def resolve_attention(requested: str, device: str) -> str:
    """The transformers ``attn_implementation`` for ``train.attn_implementation`` on ``device``.

    ``auto``: the first present backend of :data:`AUTO_ORDER` on CUDA, :data:`CPU_AUTO` elsewhere.
    An explicit backend that cannot run here is an error naming why, not a silent fallback.
    """
    if requested == "auto":
        if not str(device).startswith("cuda"):
            return _transformers_name(CPU_AUTO)
        for name in AUTO_ORDER:
            if unavailable_reason(name, device) is None:
                return _transformers_name(name)
        return "sdpa"
    reason = unavailable_reason(requested, device)
    if reason is not None:
        raise TrainSetupError(f"train.attn_implementation={requested}: {reason}")
    return _transformers_name(requested)


def _transformers_name(name: str) -> str:
    if name == "varlen":
        register_varlen()
    elif name == "sdpa_documents":
        register_sdpa_documents()
    return BACKENDS[name]


def register_sdpa_documents() -> None:
    """Register :func:`sdpa_documents_attention_forward` with transformers, with sdpa's masks; idempotent.

    sdpa's mask function, because every input that is not a packed row goes to sdpa as it is.
    """
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(SDPA_DOCUMENTS, sdpa_documents_attention_forward)
    AttentionMaskInterface.register(SDPA_DOCUMENTS, sdpa_mask)


#: Documents are batched together while the batch's padded size stays within this share of its
#: real tokens (padding only costs attention here: the linear layers run on the packed row).
_MAX_PADDING_SHARE = 0.25


def length_groups(lengths: list[int], max_padding_share: float = _MAX_PADDING_SHARE) -> list[list[int]]:
    """Indices of ``lengths`` in groups of similar length, longest first, each padded to its longest.

    A group takes the next (shorter) document while ``count x longest <= (1 + share) x real tokens``.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    groups: list[list[int]] = []
    real = 0
    for i in order:
        if groups and (len(groups[-1]) + 1) * lengths[groups[-1][0]] <= (1 + max_padding_share) * (real + lengths[i]):
            groups[-1].append(i)
            real += lengths[i]
        else:
            groups.append([i])
            real = lengths[i]
    return groups


def _documents_cu(batch: int, kwargs: dict[str, Any]) -> Any:
    """Cumulative document lengths of a padding-free row: the collator's ``cu_seq_lens_q`` (one
    row), else restarting ``position_ids`` (transformers' own helper), else None."""
    if kwargs.get("cu_seq_lens_q") is not None and batch == 1:
        return kwargs["cu_seq_lens_q"]
    if kwargs.get("position_ids") is not None:
        from transformers.modeling_flash_attention_utils import prepare_fa_kwargs_from_position_ids

        (cu, _), _ = prepare_fa_kwargs_from_position_ids(kwargs["position_ids"].expand(batch, -1))
        return cu
    return None


def _packed_boundaries(query: Any, key: Any, kwargs: dict[str, Any]) -> list[int] | None:
    """Document boundaries of a packed training row (two documents or more), or None for any other input."""
    if query.shape[0] != 1 or query.shape[2] != key.shape[2] or query.shape[2] < 2:
        return None  # a batch of padded rows, or decoding with a KV cache
    cu = _documents_cu(1, kwargs)
    if cu is None:
        return None
    bounds = [int(x) for x in cu.tolist()]
    return bounds if len(bounds) > 2 and bounds[0] == 0 and bounds[-1] == query.shape[2] else None


def sdpa_documents_attention_forward(
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[Any, None]:
    """transformers attention function: causal SDPA per packed document, documents batched by length.

    ``query`` is ``[1, H, S, D]`` for a packed row, ``key``/``value`` ``[1, Hkv, S, D]``; the
    packed row's ``[S, S]`` mask, which transformers still builds, is not used (see
    :func:`documents_attention`). Any other input goes to transformers' sdpa. Returns ``[1, S, H, D]``.
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    bounds = _packed_boundaries(query, key, kwargs)
    if bounds is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout, scaling, **kwargs)
    q, k, v = (t[0].transpose(0, 1) for t in (query, key, value))  # [S, H, D]
    return documents_attention(module, q, k, v, bounds, dropout, scaling)[None], None


def documents_attention(
    module: Any, query: Any, key: Any, value: Any, bounds: list[int], dropout: float, scaling: float | None
) -> Any:
    """Causal attention within each document of a flattened token sequence, exact in any dtype.

    ``query`` ``[T, H, D]``, ``key``/``value`` ``[T, Hkv, D]``, documents ``bounds[i]:bounds[i+1]``.
    Each group of :func:`length_groups` is gathered into ``[n, H, L, D]`` (shorter documents
    repeat their last token as padding), run through transformers' sdpa with ``is_causal`` (no
    mask: a real token only sees earlier tokens of its own document, whatever follows it), and
    scattered back. Returns ``[T, H, D]``.
    """
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    lengths = [b - a for a, b in zip(bounds, bounds[1:])]
    device = query.device
    positions, outputs = [], []
    for group in length_groups(lengths):
        longest = lengths[group[0]]
        starts = torch.tensor([bounds[i] for i in group], device=device)[:, None]
        ends = torch.tensor([bounds[i + 1] for i in group], device=device)[:, None]
        steps = torch.arange(longest, device=device)[None, :]
        index = torch.minimum(starts + steps, ends - 1)  # [n, L]: pads repeat the document's last token
        real = (starts + steps) < ends
        q, k, v = (t[index].transpose(1, 2) for t in (query, key, value))  # [n, H, L, D]
        out, _ = sdpa_attention_forward(module, q, k, v, None, dropout, scaling, is_causal=True)  # [n, L, H, D]
        positions.append(index[real])
        outputs.append(out[real])
    order = torch.argsort(torch.cat(positions))
    return torch.cat(outputs)[order]


def register_varlen() -> None:
    """Register :func:`varlen_attention_forward` (and its mask function) with transformers; idempotent."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, flash_attention_mask

    AttentionInterface.register(VARLEN, varlen_attention_forward)
    # Like flash attention: no mask for unpadded rows, the 2D padding mask when a row is padded.
    AttentionMaskInterface.register(VARLEN, flash_attention_mask)


def _varlen_kwargs() -> set[str]:
    from torch.nn.attention.varlen import varlen_attn

    return set(inspect.signature(varlen_attn).parameters)


def varlen_attention_forward(
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[Any, None]:
    """transformers attention function over ``torch.nn.attention.varlen.varlen_attn``.

    The kernel has no fp32: fp32 inputs run in the autocast dtype when autocast is on, else
    through :func:`documents_attention` (exact, slower).

    ``query`` is ``[B, H, S, D]``, ``key``/``value`` ``[B, Hkv, S, D]``. Documents come from the
    collator's ``cu_seq_lens_q`` when given, else from restarting ``position_ids``, else every
    batch row is one document; a 2D padding mask (unpacked, padded batches) drops the pad
    tokens first. Returns ``[B, S, H, D]`` like transformers' sdpa function.
    """
    import torch

    kernel = True
    if query.dtype not in (torch.float16, torch.bfloat16):
        # The flash kernel takes fp16/bf16 only. fp32 q/k/v reach here under autocast too (full
        # fine-tuning keeps fp32 weights; the q/k norms and RoPE compute in fp32): autocast would
        # run SDPA in its dtype, so varlen does the same. Without autocast (fp32 training) the
        # documents go through the exact fp32 path, causal SDPA per document.
        if torch.is_autocast_enabled(query.device.type):
            dtype = torch.get_autocast_dtype(query.device.type)
            query, key, value = (t.to(dtype) for t in (query, key, value))
        else:
            kernel = False
    if dropout and kernel:
        raise ValueError("varlen attention has no dropout; set the model's attention_dropout to 0")
    batch, heads, q_len, head_dim = query.shape
    kv_heads, kv_len = key.shape[1], key.shape[2]
    if q_len != kv_len:
        raise ValueError("varlen attention is a training kernel (no KV cache); generate with sdpa")
    q = query.transpose(1, 2).reshape(batch * q_len, heads, head_dim)
    k = key.transpose(1, 2).reshape(batch * q_len, kv_heads, head_dim)
    v = value.transpose(1, 2).reshape(batch * q_len, kv_heads, head_dim)

    keep = None
    if attention_mask is not None:  # [B, S] bool, True = real token
        keep = attention_mask.reshape(-1).nonzero().flatten()
        lengths = attention_mask.sum(dim=1, dtype=torch.int32)
        cu = torch.nn.functional.pad(lengths.cumsum(0, dtype=torch.int32), (1, 0))
        max_len = int(lengths.max())
        q, k, v = q[keep], k[keep], v[keep]
    elif (cu := _documents_cu(batch, kwargs)) is not None:
        cu = cu.to(device=q.device, dtype=torch.int32)
        max_len = int(kwargs.get("max_length_q") or int(cu.diff().max()))
    else:
        cu = torch.arange(0, (batch + 1) * q_len, q_len, device=q.device, dtype=torch.int32)
        max_len = q_len

    if kernel:
        out = _varlen_kernel(q, k, v, cu, max_len, heads, kv_heads, head_dim, scaling)
    else:
        out = documents_attention(module, q, k, v, [int(x) for x in cu.tolist()], dropout, scaling)
    if keep is not None:
        full = out.new_zeros(batch * q_len, heads, head_dim)
        full[keep] = out
        out = full
    return out.reshape(batch, q_len, heads, head_dim), None


def _varlen_kernel(
    q: Any, k: Any, v: Any, cu: Any, max_len: int, heads: int, kv_heads: int, head_dim: int, scaling: float | None
) -> Any:
    """``varlen_attn`` over flattened ``[T, H, D]`` tokens, causal, GQA and scale as this torch allows."""
    from torch.nn.attention.varlen import varlen_attn

    accepted = _varlen_kwargs()
    extra: dict[str, Any] = {"window_size": (-1, 0)}  # causal
    if kv_heads != heads:
        if "enable_gqa" in accepted:
            extra["enable_gqa"] = True
        else:  # older torch: one key/value head per query head
            k = k.repeat_interleave(heads // kv_heads, dim=1)
            v = v.repeat_interleave(heads // kv_heads, dim=1)
    if scaling is not None:
        if "scale" in accepted:
            extra["scale"] = scaling
        elif abs(scaling - head_dim**-0.5) > 1e-9:
            raise ValueError("this torch's varlen_attn has no scale argument and the model needs a non-default one")
    return varlen_attn(q, k, v, cu, cu, max_len, max_len, **extra)
