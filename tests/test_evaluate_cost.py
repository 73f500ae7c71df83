"""Decode speed counts only the tokens decode steps produce (the prefill yields the first one)."""

from __future__ import annotations

import math

import pytest

from presstune.evaluate.cost import decode_rate, measure_speed


def test_decode_rate_leaves_out_the_token_the_prefill_produced():
    # 5 new tokens: 1 from the prefill forward, 4 decode steps in the 2 s beyond the prefill
    assert decode_rate(batch_size=3, new_tokens=5, t_generate=2.5, t_prefill=0.5) == pytest.approx(3 * 4 / 2.0)
    # timing noise (generate measured no slower than the prefill): no rate, not a huge one
    assert math.isnan(decode_rate(batch_size=1, new_tokens=32, t_generate=0.40, t_prefill=0.41))


def test_generate_runs_one_forward_per_decode_step_after_the_prefill(tiny_qwen3):
    """What decode_rate assumes, checked on a real model: generate(new_tokens=N) makes N forwards,
    the first over the prompt (prefill) and N - 1 single-token decode steps."""
    model = tiny_qwen3(seed=0)
    calls: list[int] = []
    handle = model.register_forward_pre_hook(
        lambda _m, args, kwargs: calls.append(kwargs["input_ids"].shape[1]), with_kwargs=True
    )
    try:
        speed = measure_speed(model, vocab_size=64, prompt_tokens=7, new_tokens=4, warmup=0, repeats=1)
    finally:
        handle.remove()
    prefill_only, generate = calls[0], calls[1:]
    assert prefill_only == 7 and generate[0] == 7  # the timed prefill, then generate's own prefill
    assert generate[1:] == [1] * speed["decode_tokens_per_s"]["decode_steps"]
    assert speed["decode_tokens_per_s"]["decode_steps"] == 3
    with pytest.raises(ValueError, match="new_tokens must be >= 2"):
        measure_speed(model, vocab_size=64, prompt_tokens=7, new_tokens=1)
