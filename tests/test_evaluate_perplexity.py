"""Perplexity against from-scratch references (float64, one document at a time)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from presstune.evaluate.perplexity import (
    ScoredDoc,
    chat_doc,
    continuation_logprobs,
    plan_windows,
    score_documents,
    summarize,
    text_doc,
)

TEXTS = [
    "Munich. The BMW Group presents the new BMW iX3 with 340 kW at the Leipzig plant.",
    "The price starts at € 68,900.",
    "Production begins in Debrecen in March 2026. " * 3,
    'Oliver Zipse said: "This is a milestone."',
    "Die BMW Group präsentiert das neue Modell im Werk München.",
]


def _ref_full_nll(model, ids: list[int], targets: list[int]) -> float:
    """Reference: one forward over the whole sequence, float64 log-softmax, sum over targets."""
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    logp = torch.log_softmax(logits, dim=-1)
    return float(sum(-logp[p - 1, ids[p]] for p in targets))


def _ref_sliding_nll(model, ids: list[int], window: int, stride: int) -> tuple[float, int]:
    """Reference: the HF docs' strided loop written out, one window at a time, float64."""
    total, n, prev_end = 0.0, 0, 0
    for begin in range(0, len(ids), stride):
        end = min(begin + window, len(ids))
        chunk = ids[begin:end]
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([chunk])).logits[0].double(), dim=-1)
        for p in range(max(prev_end, 1), end):  # tokens not scored by an earlier window
            total -= float(logp[p - 1 - begin, ids[p]])
            n += 1
        prev_end = end
        if end == len(ids):
            break
    return total, n


def test_plan_windows_scores_each_position_once():
    for length in (1, 2, 5, 16, 17, 100):
        for window, stride in ((4, 2), (8, 8), (16, 5), (3, 1)):
            seen = []
            for begin, end, first in plan_windows(length, window, stride):
                assert end - begin <= window
                assert first - begin >= min(window - stride, first) or begin == 0
                assert first > begin  # every scored token has a position in its window to predict it
                seen.extend(range(first, end))
            assert seen == list(range(1, length)), (length, window, stride)


def test_text_ppl_equals_reference(tiny_qwen3, tiny_tokenizer):
    model = tiny_qwen3(seed=1)
    docs = [text_doc(tiny_tokenizer, str(i), t, start_id=tiny_tokenizer.pad_token_id) for i, t in enumerate(TEXTS)]
    nll, count = score_documents(model, docs, window=512, stride=256, batch_size=3)
    ref_total, ref_n = 0.0, 0
    for doc, got, got_n in zip(docs, nll, count):
        ref = _ref_full_nll(model, doc.ids, list(range(1, len(doc.ids))))
        assert got == pytest.approx(ref, rel=1e-4)
        assert got_n == len(doc.ids) - 1
        ref_total += ref
        ref_n += len(doc.ids) - 1
    # token-weighted: exp(sum NLL / tokens), not a mean of per-document perplexities
    metrics = summarize("text", nll, count, np.array([d.n_bytes for d in docs]), samples=200, seed=0, definition="d")
    assert metrics["perplexity_text"]["value"] == pytest.approx(math.exp(ref_total / ref_n), rel=1e-4)
    assert metrics["perplexity_text"]["tokens"] == ref_n
    lo, hi = metrics["perplexity_text"]["ci95"]
    assert lo <= metrics["perplexity_text"]["value"] <= hi
    total_bytes = sum(len(t.encode()) for t in TEXTS)
    assert metrics["bpb_text"]["value"] == pytest.approx(ref_total / math.log(2) / total_bytes, rel=1e-4)


def test_long_document_sliding_window_equals_reference(tiny_qwen3, tiny_tokenizer):
    model = tiny_qwen3(seed=2)
    text = " ".join(TEXTS) * 2
    doc = text_doc(tiny_tokenizer, "long", text)
    window, stride = 32, 12
    assert len(doc.ids) > 3 * window
    nll, count = score_documents(model, [doc], window=window, stride=stride, batch_size=4)
    ref, ref_n = _ref_sliding_nll(model, doc.ids, window, stride)
    assert count[0] == ref_n == len(doc.ids) - 1  # nothing truncated, each token once
    assert nll[0] == pytest.approx(ref, rel=1e-4)
    # and windowing really changes the number (context is cut), so the test can tell them apart
    full = _ref_full_nll(model, doc.ids, list(range(1, len(doc.ids))))
    assert abs(full - ref) / full > 1e-4


def _ref_adjacent_windows_nll(model, ids: list[int], window: int) -> tuple[float, int]:
    """Reference for stride == window: windows of ``window`` tokens, each later one starting one
    token before the previous one ended, so its first new token is predicted from the token
    before it (no context beyond that); float64, one window at a time."""
    total, n, begin, first = 0.0, 0, 0, 1
    while True:
        end = min(begin + window, len(ids))
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([ids[begin:end]])).logits[0].double(), dim=-1)
        for p in range(first, end):
            total -= float(logp[p - 1 - begin, ids[p]])
            n += 1
        if end == len(ids):
            return total, n
        begin, first = end - 1, end


def test_stride_equal_to_window_predicts_each_window_start_from_context(tiny_qwen3, tiny_tokenizer):
    model = tiny_qwen3(seed=4)
    docs = [text_doc(tiny_tokenizer, "a", " ".join(TEXTS)), text_doc(tiny_tokenizer, "b", TEXTS[2])]
    window = 16
    assert len(docs[0].ids) > 3 * window
    nll, count = score_documents(model, docs, window=window, stride=window, batch_size=2)
    for doc, got, got_n in zip(docs, nll, count):
        ref, ref_n = _ref_adjacent_windows_nll(model, doc.ids, window)
        assert got_n == ref_n == len(doc.ids) - 1
        assert got == pytest.approx(ref, rel=1e-5)


@pytest.mark.slow
def test_batch_size_and_padding_do_not_change_ppl(tiny_qwen3, tiny_tokenizer):
    model = tiny_qwen3(seed=3)
    docs = [text_doc(tiny_tokenizer, str(i), t) for i, t in enumerate(TEXTS * 2)]
    base, base_n = score_documents(model, docs, window=24, stride=10, batch_size=1)
    for bs, pad in ((2, 0), (5, 7), (64, tiny_tokenizer.pad_token_id)):
        got, got_n = score_documents(model, docs, window=24, stride=10, batch_size=bs, pad_id=pad, logits_chunk=7)
        np.testing.assert_array_equal(got_n, base_n)
        np.testing.assert_allclose(got, base, rtol=1e-5)


def test_chat_scores_only_completion_tokens(tiny_qwen3, tiny_tokenizer):
    model = tiny_qwen3(seed=4)
    prompt = [
        {"role": "system", "content": "You know the press releases."},
        {"role": "user", "content": "What is the power output?"},
    ]
    completion = [{"role": "assistant", "content": "The power output is 340 kW."}]
    doc = chat_doc(tiny_tokenizer, "r1", prompt, completion)
    prompt_len = len(
        tiny_tokenizer(
            tiny_tokenizer.apply_chat_template(
                prompt, tokenize=False, add_generation_prompt=True, enable_thinking=False
            ),
            add_special_tokens=False,
        )["input_ids"]
    )
    assert doc.targets[0] == prompt_len
    assert doc.ids[-1] == tiny_tokenizer.convert_tokens_to_ids("<|im_end|>")
    scored_text = tiny_tokenizer.decode([doc.ids[p] for p in doc.targets])
    assert scored_text == "The power output is 340 kW.<|im_end|>"
    nll, count = score_documents(model, [doc], window=512, stride=256)
    assert count[0] == len(doc.targets)
    assert nll[0] == pytest.approx(_ref_full_nll(model, doc.ids, doc.targets), rel=1e-4)
    # a window smaller than the prompt: windows without completion tokens are skipped, result is still exact
    nll_w, count_w = score_documents(model, [doc], window=8, stride=4)
    assert count_w[0] == len(doc.targets)


@pytest.mark.slow
def test_continuation_logprobs(tiny_qwen3):
    model = tiny_qwen3(seed=5)
    pairs = [([5, 6, 7], [8, 9]), ([10], [11, 12, 13]), ([5, 6, 7, 8, 9, 10, 11], [12])]
    lp, n = continuation_logprobs(model, pairs, batch_size=2)
    for (prefix, cont), got, got_n in zip(pairs, lp, n):
        ids = prefix + cont
        ref = -_ref_full_nll(model, ids, list(range(len(prefix), len(ids))))
        assert got == pytest.approx(ref, rel=1e-4)
        assert got_n == len(cont)


def test_scored_doc_validates(tiny_tokenizer):
    from presstune.evaluate.perplexity import EvalDataError

    with pytest.raises(EvalDataError, match="doc7"):
        text_doc(tiny_tokenizer, "doc7", "")
    assert ScoredDoc("x", [1, 2, 3]).target_positions().tolist() == [1, 2]
