"""Cost of a variant: parameters, checkpoint size, prefill/decode speed, peak memory.

Every variant is measured with the same fixed prompt (seeded random token ids of a fixed
length), the same number of forced new tokens, warmup and repeats, so the numbers compare.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path
from typing import Any

from presstune.evaluate.variant import Measurement, VariantUnderTest

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")


def weights_bytes(*dirs: str | Path | None) -> int:
    total = 0
    for d in dirs:
        if d is None or not Path(d).is_dir():
            continue
        total += sum(
            f.stat().st_size
            for f in Path(d).rglob("*")
            if f.is_file()
            and f.name.endswith(WEIGHT_SUFFIXES)
            and "optimizer" not in f.name
            and "checkpoint-" not in str(f.relative_to(d))
        )
    return total


class _RssPeak:
    """Peak resident set size sampled every 5 ms by a thread (CPU; tracemalloc misses torch's allocator)."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.start = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> _RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def decode_rate(batch_size: int, new_tokens: int, t_decode: float) -> float:
    """Decode tokens/s: the prefill forward yields the first new token, the ``new_tokens - 1``
    single-token decode steps the rest, and ``t_decode`` is their time alone (NaN if not > 0)."""
    if not t_decode > 0:
        return float("nan")
    return batch_size * (new_tokens - 1) / t_decode


def _speed_runs(model, ids, new_tokens: int, sync):
    """The two timed calls on the same prompt, each returning its seconds: one forward over it
    (the prefill), and the ``new_tokens - 1`` greedy decode steps that follow it.

    The decode steps are timed by themselves (single-token forwards with the KV cache, as
    ``generate`` runs them, without its logits processors): the earlier measure, a whole
    ``generate`` minus a separately timed prefill, came out at or below zero on a busy CPU.
    """
    import torch

    def prefill() -> float:
        sync()
        t = time.perf_counter()
        with torch.inference_mode():
            model(input_ids=ids, use_cache=True, logits_to_keep=1)
        sync()
        return time.perf_counter() - t

    def decode() -> float:
        batch, length = ids.shape
        with torch.inference_mode():
            out = model(input_ids=ids, use_cache=True, logits_to_keep=1)  # untimed: yields token 1
            past, token = out.past_key_values, out.logits[:, -1:].argmax(-1)
            sync()
            t = time.perf_counter()
            for step in range(new_tokens - 1):
                mask = torch.ones(batch, length + step + 1, dtype=torch.long, device=ids.device)
                out = model(input_ids=token, attention_mask=mask, past_key_values=past, use_cache=True)
                past, token = out.past_key_values, out.logits[:, -1:].argmax(-1)
            sync()
            return time.perf_counter() - t

    return prefill, decode


def _timed_repeats(prefill, decode, repeats: int, device) -> tuple[list[float], list[float], dict[str, Any]]:
    """``repeats`` timings of each call, and the peak memory while they ran (the CUDA allocator's
    peak on a GPU, the process RSS sampled by a thread on the CPU)."""
    import torch

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        p_times = [prefill() for _ in range(repeats)]
        d_times = [decode() for _ in range(repeats)]
        peak = torch.cuda.max_memory_allocated(device)
        return (
            p_times,
            d_times,
            {
                "peak_bytes": peak,
                "above_weights_bytes": peak - base,
                "definition": "torch.cuda.max_memory_allocated during the speed runs (weights included); "
                "above_weights = peak minus memory allocated before them",
            },
        )
    with _RssPeak() as rss:
        p_times = [prefill() for _ in range(repeats)]
        d_times = [decode() for _ in range(repeats)]
    return (
        p_times,
        d_times,
        {
            "peak_bytes": rss.peak,
            "above_weights_bytes": rss.peak - rss.start,
            "definition": "CPU: peak process RSS (psutil, sampled every 5 ms) during the speed runs; "
            "above_weights = peak RSS minus RSS before them (RSS delta)",
        },
    )


def measure_speed(
    model,
    vocab_size: int,
    prompt_tokens: int = 512,
    new_tokens: int = 64,
    batch_size: int = 1,
    warmup: int = 1,
    repeats: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """Prefill tokens/s (one forward over the prompt), decode tokens/s (see :func:`decode_rate`)
    for ``new_tokens`` forced tokens, and peak memory during these runs."""
    import torch

    if new_tokens < 2:
        raise ValueError("new_tokens must be >= 2: the prefill produces the first one, decoding the rest")

    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab_size, (batch_size, prompt_tokens), generator=gen).to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    prefill, decode = _speed_runs(model, ids, new_tokens, sync)
    for _ in range(warmup):
        prefill()
        decode()
    p_times, d_times, memory = _timed_repeats(prefill, decode, repeats, device)
    t_prefill = statistics.median(p_times)
    t_decode = statistics.median(d_times)
    return {
        "prefill_tokens_per_s": {
            "value": batch_size * prompt_tokens / t_prefill,
            "batch_size": batch_size,
            "prompt_tokens": prompt_tokens,
            "repeats": repeats,
            "warmup": warmup,
            "definition": "batch x prompt tokens / median time of one forward over the prompt",
        },
        "decode_tokens_per_s": {
            "value": decode_rate(batch_size, new_tokens, t_decode),
            "batch_size": batch_size,
            "new_tokens": new_tokens,
            "decode_steps": new_tokens - 1,
            "prompt_tokens": prompt_tokens,
            "repeats": repeats,
            "definition": "batch x (new tokens - 1) / median time of the decode steps alone: greedy single-token "
            "forwards with the KV cache after the prefill (which yields the first new token, untimed here)",
        },
        "peak_memory": memory,
        "device": str(device),
    }


def _size_metrics(model, source: dict[str, Any]) -> dict[str, Any]:
    """Parameters, layers, bytes on disk (a model in a local folder only) and bytes in memory."""
    metrics: dict[str, Any] = {}
    n_params = sum(p.numel() for p in model.parameters())
    metrics["parameters"] = {"value": int(n_params), "definition": "number of parameters (adapters merged)"}
    metrics["layers"] = {"value": int(getattr(model.config, "num_hidden_layers", 0)), "definition": "decoder layers"}
    # A random_init base names its config folder, which holds no weights: count the parameters.
    model_dir = (
        Path(source["model"])
        if source.get("model") and Path(str(source["model"])).is_dir() and not source.get("random_init")
        else None
    )
    # Two sizes, never mixed in one key: what the checkpoint takes on disk (only for a model in
    # a local folder) and what the loaded parameters take in memory (always).
    adapter_bytes = weights_bytes(source.get("adapter"))
    if model_dir is not None:
        metrics["disk_bytes"] = {
            "value": weights_bytes(model_dir) + adapter_bytes,
            "adapter_bytes": adapter_bytes,
            "definition": "weight files on disk: model folder + adapter (the adapter is merged for evaluation)",
        }
    metrics["memory_bytes"] = {
        "value": int(sum(p.numel() * p.element_size() for p in model.parameters())),
        "definition": "bytes of the loaded model's parameters in memory (adapters merged, evaluation dtype)",
    }
    return metrics


def _measure_cost(v: VariantUnderTest) -> None:
    """Size, speed and peak memory of the freshly loaded model, and the device's name.

    Measured first, before the other measurements leave anything in the allocator, so every
    variant is measured the same way."""
    v.metrics.update(_size_metrics(v.model, v.source))
    cfg = v.eval_cfg
    vocab = min(int(v.model.config.vocab_size), len(v.tokenizer))
    speed = measure_speed(
        v.model,
        vocab,
        cfg.speed_prompt_tokens,
        cfg.speed_new_tokens,
        cfg.speed_batch_size,
        cfg.speed_warmup,
        cfg.speed_repeats,
        cfg.seed,
    )
    v.device_name = speed.pop("device")
    v.metrics.update(speed)


MEASUREMENT = Measurement("cost", "cost", _measure_cost)
