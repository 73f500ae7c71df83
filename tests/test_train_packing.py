"""Packing without cross-document attention, proven on the CPU attention paths (sdpa, eager).

The packed batch goes through the real training path (TRL's packing + padding-free collator +
``SFTTrainer.compute_loss``); the reference runs every document alone. Equal losses (float64)
mean no token saw another document. The control test feeds the same tokens as one plain
concatenation (positions 0..N-1, no restart) and shows the loss then differs: the equality
test is not vacuous.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import torch

from presstune.train.data import LoadedSplit, to_dataset
from presstune.train.trainer import build_sft_config
from test_train_support import chat_rows, small_config, text_rows


def _trainer(model, tokenizer, rows, fmt, **train):
    from trl import SFTTrainer

    config = small_config(method="full", per_device_batch_size=4, max_seq_length=96, **train)
    args = build_sft_config(config, Path(tempfile.mkdtemp()), has_eval=False, is_chat=fmt == "chat")
    dataset = to_dataset(LoadedSplit(rows=rows, format=fmt))
    return SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)


def _packed_batch(trainer):
    batch = next(iter(trainer.get_train_dataloader()))
    return {k: (v.to("cpu") if isinstance(v, torch.Tensor) else v) for k, v in batch.items()}


def _documents(batch):
    """Split the flattened padding-free row back into its documents at position 0."""
    pos = batch["position_ids"][0]
    starts = (pos == 0).nonzero().flatten().tolist() + [pos.numel()]
    return [(batch["input_ids"][0, a:b], batch["labels"][0, a:b]) for a, b in zip(starts, starts[1:])]


def _one_by_one_loss(model, docs):
    """Token-weighted mean NLL of the documents, each run alone (no packing at all)."""
    total, count = torch.zeros((), dtype=torch.float64), 0
    with torch.no_grad():
        for ids, labels in docs:
            logits = model(input_ids=ids[None], use_cache=False).logits[0, :-1].double()
            target = labels[1:]
            keep = target != -100
            total += torch.nn.functional.cross_entropy(logits[keep], target[keep], reduction="sum")
            count += int(keep.sum())
    return total / count


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
@pytest.mark.parametrize("style", ["article", "chat"])
def test_packed_loss_equals_documents_one_by_one(tiny_qwen3, tiny_tokenizer, attn, style):
    model = tiny_qwen3(attn_implementation=attn).double()
    rows, fmt = (text_rows(8), "text") if style == "article" else (chat_rows(8), "chat")
    trainer = _trainer(model, tiny_tokenizer, rows, fmt, attn_implementation=attn)
    model.eval()
    batch = _packed_batch(trainer)
    docs = _documents(batch)
    assert len(docs) >= 3, "the batch must pack several documents into one row"
    assert "attention_mask" not in batch  # padding-free: the mask comes from position_ids
    reference = _one_by_one_loss(model, docs)
    # 1) The backbone in float64: the packed row's logits give exactly the documents' losses.
    with torch.no_grad():
        forward = {k: v for k, v in batch.items() if k != "labels"}
        logits = model(**forward, use_cache=False).logits[0, :-1]
    assert logits.dtype == torch.float64
    target = batch["labels"][0, 1:]
    keep = target != -100
    packed64 = torch.nn.functional.cross_entropy(logits[keep], target[keep], reduction="sum") / keep.sum()
    torch.testing.assert_close(packed64, reference, rtol=1e-10, atol=1e-10)
    # 2) The trainer's own loss (TRL's chunked LM head computes in float32): float32 tolerance.
    with torch.no_grad():
        packed = trainer.compute_loss(model, dict(batch))
    torch.testing.assert_close(packed.double(), reference, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_plain_concatenation_would_fail(tiny_qwen3, tiny_tokenizer, attn):
    """Same tokens and labels, positions 0..N-1: documents attend to earlier ones, the loss changes."""
    model = tiny_qwen3(attn_implementation=attn).double()
    trainer = _trainer(model, tiny_tokenizer, text_rows(8), "text", attn_implementation=attn)
    model.eval()
    batch = _packed_batch(trainer)
    reference = _one_by_one_loss(model, _documents(batch))
    concatenated = {
        k: v
        for k, v in batch.items()
        if k not in ("cu_seq_lens_q", "cu_seq_lens_k", "max_length_q", "max_length_k", "seq_idx")
    }
    concatenated["position_ids"] = torch.arange(batch["input_ids"].shape[1])[None]
    with torch.no_grad():
        wrong = trainer.compute_loss(model, concatenated)
    assert abs(float(wrong - reference)) > 1e-3


def test_a_kv_cache_would_silently_disable_the_packed_mask(tiny_qwen3, tiny_tokenizer):
    """Why training forces use_cache=False: with a cache object transformers skips packed detection."""
    model = tiny_qwen3().double()
    trainer = _trainer(model, tiny_tokenizer, text_rows(8), "text")
    model.eval()
    batch = _packed_batch(trainer)
    docs = _documents(batch)
    with torch.no_grad():
        packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits
        cached = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=True).logits
        alone = model(input_ids=docs[-1][0][None], use_cache=False).logits
    n = docs[-1][0].numel()
    torch.testing.assert_close(packed[0, -n:], alone[0], rtol=1e-10, atol=1e-10)
    assert (cached[0, -n:] - alone[0]).abs().max() > 1e-4
