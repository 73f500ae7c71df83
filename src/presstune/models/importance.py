"""Layer importance on calibration text: Block Influence and block angular distance.

* Block Influence (ShortGPT, Men et al. 2024): ``BI_l = 1 - mean_t cos(x_l[t], x_{l+1}[t])``
  over every non-padding token, where ``x_l`` is the input of layer ``l``. A layer that
  barely turns its input is the cheapest to drop.
* Angular distance (Gromov et al. 2024, "The Unreasonable Ineffectiveness of the Deeper
  Layers"): ``d(l, n) = arccos(cos(x_l, x_{l+n})) / pi`` on the last token of each sequence,
  averaged over sequences; the block ``l..l+n-1`` with the smallest ``d`` is the most
  redundant run of ``n`` layers.

The hidden states come from forward hooks on the decoder layers (the true input and output
of each block). HF's ``output_hidden_states`` is not used because its last entry is taken
*after* the final norm, which would corrupt the last layer's numbers. Libraries such as
LLM-Pruner or ShortGPT's scripts are tied to their own model code; this is the few lines
the two metrics need, on any HF decoder.

Everything is deterministic: fixed sample choice, no sampling, right padding with attention
masks, so results do not depend on batch size (up to float rounding).
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from presstune.models.layers import decoder_layers
from presstune.models.params import default_keep
from presstune.rundir import atomic_write_bytes, atomic_write_json

DROP_POLICY = (
    "lowest Block Influence among layers 0..L-2; the last layer is never proposed unless allow_last, "
    "because it writes the representation the final norm and lm_head read (ShortGPT and Gromov et al. "
    "both find it among the most important)"
)
BLOCK_POLICY = "argmin over l of d(l, n) with l + n <= L - 1, i.e. the removed block never contains the last layer"


# -- calibration text ---------------------------------------------------------------------------


def _render_messages(messages: Any, tokenizer: Any) -> str:
    if not isinstance(messages, list) or not all(isinstance(m, dict) and "content" in m for m in messages):
        raise ValueError("messages must be a list of {role, content} objects")
    if tokenizer is not None and getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False)
    return "\n".join(str(m["content"]) for m in messages)


def record_to_text(record: Any, tokenizer: Any = None) -> str:
    """One dataset record as text: ``text``, ``prompt``/``completion`` or ``messages``."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    if isinstance(record.get("text"), str):
        text = record["text"]
    elif "messages" in record:
        text = _render_messages(record["messages"], tokenizer)
    elif "prompt" in record and "completion" in record:
        prompt, completion = record["prompt"], record["completion"]
        if isinstance(prompt, str) and isinstance(completion, str):
            text = prompt + completion
        else:
            text = _render_messages(list(prompt) + list(completion), tokenizer)
    else:
        raise ValueError(f"no 'text', 'messages' or 'prompt'+'completion' field (keys: {sorted(record)})")
    if not text.strip():
        raise ValueError("empty text")
    return text


def load_calibration_texts(data: str | Path, tokenizer: Any = None, samples: int = 64) -> tuple[list[str], list[str]]:
    """Up to ``samples`` texts, evenly spaced over the dataset's train split; plus one error line per bad record.

    ``data`` is a run's ``dataset/`` folder (``train.jsonl`` is read) or a ``.jsonl`` file.
    """
    path = Path(data)
    if path.is_dir():
        path = path / "train.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"calibration data not found: {path}")
    texts: list[str] = []
    errors: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                texts.append(record_to_text(json.loads(line), tokenizer))
            except (ValueError, TypeError, KeyError) as exc:  # JSONDecodeError is a ValueError
                errors.append(f"{path}:{lineno}: skipped: {exc}")
    if len(texts) > samples:
        step = len(texts) / samples
        texts = [texts[int(i * step)] for i in range(samples)]
    return texts, errors


# -- the measurement ----------------------------------------------------------------------------


def _tokenize(texts: Sequence[Any], tokenizer: Any, max_length: int) -> list[list[int]]:
    out = []
    for item in texts:
        if isinstance(item, str):
            if tokenizer is None:
                raise ValueError("texts given as strings need a tokenizer")
            ids = tokenizer(item, add_special_tokens=False, truncation=True, max_length=max_length)["input_ids"]
        else:
            ids = [int(t) for t in item][:max_length]
        if ids:
            out.append(list(ids))
    if not out:
        raise ValueError("no calibration tokens")
    return out


def _wide(x: Any) -> Any:
    """At least float32 for the cosines (bf16 states lose the small differences BI measures)."""
    import torch

    return x.to(torch.promote_types(x.dtype, torch.float32))


def compute_importance(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str] | Sequence[Sequence[int]],
    *,
    max_length: int = 512,
    batch_size: int = 4,
    block_size: int | None = None,
    allow_last: bool = False,
    model_name: str = "",
) -> dict[str, Any]:
    """Measure Block Influence and angular distances of ``model`` on ``texts`` (strings or token ids)."""
    t0 = time.perf_counter()
    base, layers = decoder_layers(model)
    L = len(layers)
    device = next(model.parameters()).device
    sequences = _tokenize(texts, tokenizer, max_length)
    recorder = _LayerRecorder(L, device)
    handles = [layer.register_forward_hook(recorder.hook(i), with_kwargs=True) for i, layer in enumerate(layers)]
    was_training = model.training
    model.eval()
    try:
        _run_base(base, sequences, batch_size, device, recorder)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    block_influence = (1.0 - recorder.cos_sum.cpu() / recorder.tokens).tolist()
    angular = _angular_distances(recorder.last_states, L)
    return {
        "model": model_name or getattr(model.config, "_name_or_path", ""),
        "num_layers": L,
        "samples": len(sequences),
        "tokens": recorder.tokens,
        "max_length": max_length,
        "batch_size": batch_size,
        "block_influence": block_influence,
        "angular_distance": angular,
        "recommendation": _recommendation(block_influence, angular, L, block_size, allow_last),
        "seconds": round(time.perf_counter() - t0, 3),
    }


class _LayerRecorder:
    """Forward hooks' accumulator: per-layer cosine sums over real tokens and last-token states."""

    def __init__(self, num_layers: int, device: Any):
        import torch

        self.num_layers = num_layers
        self.cos_sum = torch.zeros(num_layers, dtype=torch.float64, device=device)
        #: last_states[l]: the input of layer l at each sequence's last token; [L] is the last output.
        self.last_states: list[list[Any]] = [[] for _ in range(num_layers + 1)]
        self.tokens = 0
        self.mask: Any = None
        self.rows: Any = None
        self.last: Any = None

    def start_batch(self, mask: Any) -> None:
        import torch

        self.mask = mask.double()
        self.rows = torch.arange(mask.shape[0], device=mask.device)
        self.last = mask.sum(1) - 1
        self.tokens += int(mask.sum())

    def hook(self, i: int):
        import torch.nn.functional as F

        def record(module, args, kwargs, output):
            x_in = args[0] if args else kwargs["hidden_states"]
            x_out = output[0] if isinstance(output, tuple) else output
            cos = F.cosine_similarity(_wide(x_in), _wide(x_out), dim=-1)
            self.cos_sum[i] += (cos.double() * self.mask).sum()
            self.last_states[i].append(_wide(x_in[self.rows, self.last]).cpu())
            if i == self.num_layers - 1:
                self.last_states[self.num_layers].append(_wide(x_out[self.rows, self.last]).cpu())

        return record


def _run_base(base: Any, sequences: list[list[int]], batch_size: int, device: Any, recorder: _LayerRecorder) -> None:
    """Forward every sequence through the decoder (not the lm_head), right-padded, longest first."""
    import torch

    # Longest first: batches of similar length waste little on padding; stable for determinism.
    order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i]))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = [sequences[i] for i in order[start : start + batch_size]]
            width = max(len(s) for s in chunk)
            ids = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for r, seq in enumerate(chunk):  # right padding: real tokens never see pads
                ids[r, : len(seq)] = torch.tensor(seq)
                mask[r, : len(seq)] = 1
            ids, mask = ids.to(device), mask.to(device)
            recorder.start_batch(mask)
            # The base model only: the lm_head's logits are not needed (151936 x tokens floats).
            base(input_ids=ids, attention_mask=mask, use_cache=False)


def _angular_distances(last_states: list[list[Any]], L: int) -> dict[str, list[float]]:
    """``d(l, n)`` for every block size n, keyed ``str(n)``, each a list over the start layer l."""
    import torch
    import torch.nn.functional as F

    x = torch.stack([torch.cat(chunks) for chunks in last_states], dim=1).double()  # [samples, L+1, H]
    x = F.normalize(x, dim=-1)
    angular: dict[str, list[float]] = {}
    for n in range(1, L + 1):
        cos = (x[:, : L + 1 - n] * x[:, n:]).sum(-1).clamp(-1.0, 1.0)
        angular[str(n)] = (torch.arccos(cos) / math.pi).mean(0).tolist()
    return angular


def _recommendation(
    block_influence: list[float], angular: dict[str, list[float]], L: int, block_size: int | None, allow_last: bool
) -> dict[str, Any]:
    n = block_size if block_size is not None else L - default_keep(L)
    recommendation: dict[str, Any] = {
        "drop_layer": recommend_drop(block_influence, allow_last=allow_last),
        "drop_policy": DROP_POLICY if not allow_last else "lowest Block Influence among all layers",
        "block_policy": BLOCK_POLICY,
    }
    if 1 <= n <= L - 1:
        start, dist = best_block(angular, n, L)
        recommendation["block"] = {"n": n, "start": start, "end": start + n - 1, "angular_distance": dist}
    return recommendation


def recommend_drop(block_influence: Sequence[float], allow_last: bool = False) -> int:
    """Index of the layer to drop under :data:`DROP_POLICY` (ties: the lower index)."""
    candidates = (
        range(len(block_influence)) if allow_last or len(block_influence) < 2 else range(len(block_influence) - 1)
    )
    return min(candidates, key=lambda i: (block_influence[i], i))


def best_block(angular_distance: Mapping[Any, Sequence[float]], n: int, num_layers: int) -> tuple[int, float]:
    """``(start, d)`` of the contiguous ``n``-layer block to remove under :data:`BLOCK_POLICY`."""
    values = angular_distance.get(str(n), angular_distance.get(n))
    if values is None:
        raise ValueError(f"no angular distances for blocks of {n} layers")
    last_start = num_layers - 1 - n  # l + n <= L - 1
    if last_start < 0:
        raise ValueError(f"cannot remove {n} of {num_layers} layers and keep the last one")
    start = min(range(last_start + 1), key=lambda l: (values[l], l))
    return start, float(values[start])


# -- output -------------------------------------------------------------------------------------


def plot_importance(result: dict[str, Any]) -> bytes:
    """PNG: Block Influence per layer, and the angular-distance map d(l, n) with the chosen block."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    L = result["num_layers"]
    bi = result["block_influence"]
    rec = result["recommendation"]
    fig = Figure(figsize=(12, 4.5), dpi=110)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2)
    colors = ["tab:red" if i == rec["drop_layer"] else "tab:blue" for i in range(L)]
    ax1.bar(range(L), bi, color=colors)
    ax1.set_xlabel("layer")
    ax1.set_ylabel("Block Influence  1 - cos(in, out)")
    ax1.set_title(f"Block Influence (red: drop layer {rec['drop_layer']})")
    grid = np.full((L, L + 1), np.nan)
    for key, values in result["angular_distance"].items():
        grid[int(key) - 1, : len(values)] = values
    im = ax2.imshow(grid, origin="lower", aspect="auto", cmap="viridis", extent=(-0.5, L + 0.5, 0.5, L + 0.5))
    fig.colorbar(im, ax=ax2, label="angular distance d(l, n)")
    block = rec.get("block")
    if block:
        ax2.plot([block["start"]], [block["n"]], marker="o", markersize=9, markerfacecolor="none", color="red")
        ax2.set_title(f"d(l, n); red: remove layers {block['start']}..{block['end']}")
    else:
        ax2.set_title("angular distance d(l, n)")
    ax2.set_xlabel("first layer of the block l")
    ax2.set_ylabel("block size n")
    fig.suptitle(f"{result.get('model', '')}: {result['samples']} samples, {result['tokens']} tokens")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def write_importance(result: dict[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``importance.json`` and ``importance.png`` atomically into ``out_dir``."""
    out_dir = Path(out_dir)
    png = atomic_write_bytes(out_dir / "importance.png", plot_importance(result))
    js = atomic_write_json(out_dir / "importance.json", result)
    return js, png


def read_importance(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        path = path / "importance.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"importance analysis not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    for key in ("num_layers", "block_influence", "angular_distance"):
        if key not in data:
            raise ValueError(f"{path}: missing '{key}' (not a presstune importance file)")
    return data
