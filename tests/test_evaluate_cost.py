"""Decode speed counts only the tokens decode steps produce (the prefill yields the first one)."""

from __future__ import annotations

import math

import pytest

from presstune.evaluate.cost import decode_rate, measure_speed


def test_decode_rate_leaves_out_the_token_the_prefill_produced():
    # 5 new tokens: 1 from the prefill forward, 4 decode steps in 2 s
    assert decode_rate(batch_size=3, new_tokens=5, t_decode=2.0) == pytest.approx(3 * 4 / 2.0)
    assert math.isnan(decode_rate(batch_size=1, new_tokens=32, t_decode=0.0))  # no rate, not a huge one


def test_decode_is_timed_over_the_single_token_steps_after_the_prefill(tiny_qwen3):
    """What is timed, checked on a real model: the prefill forward over the prompt, then (after an
    untimed prefill that yields the first token) N - 1 single-token forwards with the KV cache, whose
    greedy tokens are generate's."""
    model = tiny_qwen3(seed=0)
    calls: list[int] = []
    handle = model.register_forward_pre_hook(
        lambda _m, args, kwargs: calls.append(kwargs["input_ids"].shape[1]), with_kwargs=True
    )
    try:
        speed = measure_speed(model, vocab_size=64, prompt_tokens=7, new_tokens=4, warmup=0, repeats=1)
    finally:
        handle.remove()
    prefill_only, decode = calls[0], calls[1:]
    assert prefill_only == 7 and decode[0] == 7  # the timed prefill, then the decode run's own prefill
    assert decode[1:] == [1] * speed["decode_tokens_per_s"]["decode_steps"]
    assert speed["decode_tokens_per_s"]["decode_steps"] == 3
    assert speed["decode_tokens_per_s"]["value"] > 0 and speed["prefill_tokens_per_s"]["value"] > 0
    with pytest.raises(ValueError, match="new_tokens must be >= 2"):
        measure_speed(model, vocab_size=64, prompt_tokens=7, new_tokens=1)


def test_the_timed_decode_steps_produce_generates_tokens(tiny_qwen3):
    """The timed loop decodes what generate decodes (same model, prompt, greedy), so its time is
    the time of generate's decode steps."""
    import torch

    from presstune.evaluate.cost import _speed_runs

    model = tiny_qwen3(seed=0).eval()
    ids = torch.randint(0, 64, (2, 7), generator=torch.Generator().manual_seed(1))
    produced: list[torch.Tensor] = []
    handle = model.register_forward_hook(lambda _m, _a, out: produced.append(out.logits[:, -1].argmax(-1)))
    try:
        _prefill, decode = _speed_runs(model, ids, 5, lambda: None)
        assert decode() > 0
    finally:
        handle.remove()
    with torch.inference_mode():
        reference = model.generate(input_ids=ids, max_new_tokens=5, min_new_tokens=5, do_sample=False, pad_token_id=0)
    assert torch.equal(torch.stack(produced, dim=1), reference[:, 7:])
