"""Packing without cross-document attention, proven for every attention backend that runs on CPU.

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

from helpers.train_data import chat_rows, small_config, text_rows
from presstune.train.attention import length_groups, resolve_attention
from presstune.train.data import LoadedSplit, to_dataset
from presstune.train.trainer import build_sft_config
from presstune.train.variant import TrainSetupError


def _trainer(model, tokenizer, rows, fmt, device="cpu", **train):
    from trl import SFTTrainer

    # The Trainer moves the model to its device: pinned, or a GPU machine would move the CPU tests'
    # model to CUDA under their CPU batches.
    trl = {"use_cpu": device == "cpu"}
    config = small_config(method="full", per_device_batch_size=4, max_seq_length=96, trl=trl, **train)
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
    total, count = torch.zeros((), dtype=torch.float64, device=docs[0][0].device), 0
    with torch.no_grad():
        for ids, labels in docs:
            logits = model(input_ids=ids[None], use_cache=False).logits[0, :-1].double()
            target = labels[1:]
            keep = target != -100
            total += torch.nn.functional.cross_entropy(logits[keep], target[keep], reduction="sum")
            count += int(keep.sum())
    return total / count


#: Backends that run on CPU, with the dtype they run in there: flex_attention has no float64
#: CPU kernel and no CPU backward, so it is checked in float32 on the forward pass the loss uses.
CPU_BACKENDS = {
    "sdpa": torch.float64,
    "sdpa_documents": torch.float64,
    "eager": torch.float64,
    "flex_attention": torch.float32,
}


def _check_packed_equals_documents(model, tokenizer, rows, fmt, attn, dtype):
    model = model.to(dtype)
    trainer = _trainer(model, tokenizer, rows, fmt, attn_implementation="sdpa")
    model.set_attn_implementation(resolve_attention(attn, "cpu"))
    model.eval()
    batch = _packed_batch(trainer)
    docs = _documents(batch)
    assert len(docs) >= 3, "the batch must pack several documents into one row"
    assert "attention_mask" not in batch  # padding-free: the mask comes from position_ids
    reference = _one_by_one_loss(model, docs)
    tol = 1e-10 if dtype == torch.float64 else 2e-5
    # 1) The backbone: the packed row's logits give exactly the documents' losses.
    with torch.no_grad():
        forward = {k: v for k, v in batch.items() if k != "labels"}
        logits = model(**forward, use_cache=False).logits[0, :-1]
    assert logits.dtype == dtype
    target = batch["labels"][0, 1:]
    keep = target != -100
    packed = torch.nn.functional.cross_entropy(logits[keep].double(), target[keep], reduction="sum") / keep.sum()
    torch.testing.assert_close(packed, reference, rtol=tol, atol=tol)
    # 2) The trainer's own loss (TRL's chunked LM head computes in float32): float32 tolerance.
    with torch.no_grad():
        loss = trainer.compute_loss(model, dict(batch))
    torch.testing.assert_close(loss.double(), reference, rtol=max(tol, 2e-6), atol=max(tol, 2e-6))


# flex_attention compiles a CPU kernel first (~15-30 s): slow
@pytest.mark.parametrize(
    "attn", [pytest.param(a, marks=pytest.mark.slow) if a == "flex_attention" else a for a in sorted(CPU_BACKENDS)]
)
@pytest.mark.parametrize("style", ["article", "chat"])
def test_packed_loss_equals_documents_one_by_one(tiny_qwen3, tiny_tokenizer, attn, style):
    if attn == "flex_attention" and style == "chat":
        pytest.skip("flex_attention compiles a CPU kernel (~30 s): one style is enough on CPU")
    rows, fmt = (text_rows(8), "text") if style == "article" else (chat_rows(8), "chat")
    _check_packed_equals_documents(tiny_qwen3(), tiny_tokenizer, rows, fmt, attn, CPU_BACKENDS[attn])


def test_auto_attention_on_cpu_is_a_correct_backend(tiny_qwen3, tiny_tokenizer):
    attn = resolve_attention("auto", "cpu")
    assert attn in {resolve_attention(name, "cpu") for name in CPU_BACKENDS}
    attn = next(name for name in CPU_BACKENDS if resolve_attention(name, "cpu") == attn)
    _check_packed_equals_documents(tiny_qwen3(), tiny_tokenizer, text_rows(8), "text", attn, CPU_BACKENDS[attn])


def test_gpu_only_backends_are_refused_on_cpu_with_the_reason():
    with pytest.raises(TrainSetupError, match="varlen runs on CUDA only"):
        resolve_attention("varlen", "cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="torch.nn.attention.varlen runs on CUDA only")
def test_varlen_packed_loss_equals_documents_one_by_one(tiny_qwen3, tiny_tokenizer):
    attn = resolve_attention("varlen", "cuda")
    model = tiny_qwen3().to("cuda")
    trainer = _trainer(model, tiny_tokenizer, text_rows(8), "text", device="cuda")
    model.set_attn_implementation(attn)
    batch = {k: (v.to("cuda") if isinstance(v, torch.Tensor) else v) for k, v in _packed_batch(trainer).items()}
    reference = _one_by_one_loss(model, [(i.cuda(), l.cuda()) for i, l in _documents(batch)])
    # The kernel runs bf16/fp16 only: fp32 weights reach it under autocast, as in bf16 training
    # (without autocast the fp32 fallback would run instead: the other test).
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        loss = trainer.compute_loss(model, dict(batch))
    torch.testing.assert_close(loss.double(), reference.double().to(loss.device), rtol=2e-2, atol=2e-2)


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


def test_sdpa_documents_gradients_equal_the_packed_mask(tiny_qwen3, tiny_tokenizer):
    """The gather/scatter around each document batch is exact in the backward pass too (float64)."""
    model = tiny_qwen3().double()
    trainer = _trainer(model, tiny_tokenizer, chat_rows(8), "chat", attn_implementation="sdpa")
    batch = _packed_batch(trainer)
    assert len(_documents(batch)) >= 3
    grads = {}
    for attn in ("sdpa", "sdpa_documents"):
        model.set_attn_implementation(resolve_attention(attn, "cpu"))
        model.zero_grad()
        trainer.compute_loss(model, dict(batch)).backward()
        grads[attn] = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    assert len(grads["sdpa"]) == len(grads["sdpa_documents"]) > 0
    for a, b in zip(grads["sdpa"], grads["sdpa_documents"]):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)


def test_sdpa_documents_leaves_other_inputs_to_sdpa(tiny_qwen3, tiny_tokenizer):
    """Padded batches and cached generation are not packed rows: the same numbers as plain sdpa."""
    model = tiny_qwen3().double().eval()
    enc = tiny_tokenizer(["BMW Group sales rose.", "The plant in Debrecen opens in 2025 with 1,000 staff."])
    ids = torch.zeros(2, max(len(x) for x in enc["input_ids"]), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, tokens in enumerate(enc["input_ids"]):
        ids[row, -len(tokens) :] = torch.tensor(tokens)  # left padding, as for generation
        mask[row, -len(tokens) :] = 1
    outputs = {}
    for attn in ("sdpa", "sdpa_documents"):
        model.set_attn_implementation(resolve_attention(attn, "cpu"))
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask).logits
            generated = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=6, do_sample=False)
        outputs[attn] = (logits, generated)
    torch.testing.assert_close(outputs["sdpa"][0], outputs["sdpa_documents"][0], rtol=0, atol=0)
    assert torch.equal(outputs["sdpa"][1], outputs["sdpa_documents"][1])


@pytest.mark.parametrize(
    "lengths", [[5], [73, 70, 81, 66, 90], [650, 70, 68, 75, 30, 29, 640, 3], [1] * 9, [400, 1, 399]]
)
def test_length_groups_cover_each_document_once_within_the_padding_share(lengths):
    groups = length_groups(lengths)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        longest = lengths[group[0]]
        assert longest == max(lengths[i] for i in group)
        assert len(group) == 1 or len(group) * longest <= 1.25 * sum(lengths[i] for i in group)
    # documents of similar length share one SDPA call
    assert len(length_groups([73, 70, 81, 66, 90])) == 1


def test_varlen_without_autocast_falls_back_to_exact_documents_attention(tiny_qwen3, tiny_tokenizer):
    """fp32 training without autocast (varlen's kernel has no fp32): packed rows and padded batches stay exact."""
    from presstune.train.attention import VARLEN, register_varlen

    register_varlen()  # on CPU the kernel itself never runs: every input here is float64
    model = tiny_qwen3().double().eval()
    trainer = _trainer(model, tiny_tokenizer, chat_rows(8), "chat", attn_implementation="sdpa")
    batch = _packed_batch(trainer)
    docs = _documents(batch)
    reference = _one_by_one_loss(model, docs)
    model.set_attn_implementation(VARLEN)
    with torch.no_grad():
        loss = trainer.compute_loss(model, dict(batch))
    torch.testing.assert_close(loss.double(), reference, rtol=2e-6, atol=2e-6)
    # a right-padded batch of two documents: the real tokens' logits equal each document run alone
    (a, _), (b, _) = docs[0], docs[1]
    ids = torch.zeros(2, max(a.numel(), b.numel()), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, doc in enumerate((a, b)):
        ids[row, : doc.numel()] = doc
        mask[row, : doc.numel()] = 1
    with torch.no_grad():
        padded = model(input_ids=ids, attention_mask=mask, use_cache=False).logits
        model.set_attn_implementation("sdpa")
        alone = [model(input_ids=doc[None], use_cache=False).logits[0] for doc in (a, b)]
    for row, doc in enumerate((a, b)):
        torch.testing.assert_close(padded[row, : doc.numel()], alone[row], rtol=1e-10, atol=1e-10)
