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


def decode_rate(batch_size: int, new_tokens: int, t_generate: float, t_prefill: float) -> float:
    """Decode tokens/s: ``generate`` = one prefill forward (which yields the first new token) +
    ``new_tokens - 1`` decode steps, so the time beyond the prefill is spent on ``new_tokens - 1``.
    NaN (written as null) when the timed generate was not slower than the timed prefill: on a busy
    machine with few repeats that happens, and dividing by a clamped ~0 printed 3.1e10 tok/s."""
    if t_generate <= t_prefill:
        return float("nan")
    return batch_size * (new_tokens - 1) / (t_generate - t_prefill)


def _speed_runs(model, ids, new_tokens: int, sync):
    """The two timed calls on the same prompt, each returning its seconds: one forward over it
    (the prefill) and a greedy ``generate`` of exactly ``new_tokens`` tokens (no early stop)."""
    import torch

    gen_kwargs = dict(
        max_new_tokens=new_tokens,
        min_new_tokens=new_tokens,
        do_sample=False,
        use_cache=True,
        temperature=None,
        top_k=None,
        top_p=None,
        pad_token_id=0,
        eos_token_id=None,
    )

    def prefill() -> float:
        sync()
        t = time.perf_counter()
        with torch.inference_mode():
            model(input_ids=ids, use_cache=True, logits_to_keep=1)
        sync()
        return time.perf_counter() - t

    def generate() -> float:
        sync()
        t = time.perf_counter()
        with torch.inference_mode():
            model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), **gen_kwargs)
        sync()
        return time.perf_counter() - t

    return prefill, generate


def _timed_repeats(prefill, generate, repeats: int, device) -> tuple[list[float], list[float], dict[str, Any]]:
    """``repeats`` timings of each call, and the peak memory while they ran (the CUDA allocator's
    peak on a GPU, the process RSS sampled by a thread on the CPU)."""
    import torch

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        p_times = [prefill() for _ in range(repeats)]
        g_times = [generate() for _ in range(repeats)]
        peak = torch.cuda.max_memory_allocated(device)
        return (
            p_times,
            g_times,
            {
                "peak_bytes": peak,
                "above_weights_bytes": peak - base,
                "definition": "torch.cuda.max_memory_allocated during the speed runs (weights included); "
                "above_weights = peak minus memory allocated before them",
            },
        )
    with _RssPeak() as rss:
        p_times = [prefill() for _ in range(repeats)]
        g_times = [generate() for _ in range(repeats)]
    return (
        p_times,
        g_times,
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
    prefill, generate = _speed_runs(model, ids, new_tokens, sync)
    for _ in range(warmup):
        prefill()
        generate()
    p_times, g_times, memory = _timed_repeats(prefill, generate, repeats, device)
    t_prefill = statistics.median(p_times)
    t_generate = statistics.median(g_times)
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
            "value": decode_rate(batch_size, new_tokens, t_generate, t_prefill),
            "batch_size": batch_size,
            "new_tokens": new_tokens,
            "decode_steps": new_tokens - 1,
            "prompt_tokens": prompt_tokens,
            "repeats": repeats,
            "definition": "batch x (forced new tokens - 1) / (median generate time - median prefill time), greedy, "
            "KV cache: the prefill forward inside generate produces the first new token, so only the other "
            "new_tokens - 1 come from decode steps",
        },
        "peak_memory": memory,
        "device": str(device),
    }
