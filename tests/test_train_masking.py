"""Loss on assistant tokens only for chat rows; on every token for article text (collated batches)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import torch

from helpers.train_data import FACTS, chat_rows, small_config, text_rows
from presstune.train.data import LoadedSplit, to_dataset
from presstune.train.trainer import build_sft_config


def _batch(model, tokenizer, rows, fmt, packing):
    from trl import SFTTrainer

    config = small_config(method="full", packing=packing, per_device_batch_size=3, max_seq_length=128)
    args = build_sft_config(config, Path(tempfile.mkdtemp()), has_eval=False, is_chat=fmt == "chat")
    args.shuffle_dataset = False
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=to_dataset(LoadedSplit(rows=rows, format=fmt)), processing_class=tokenizer
    )
    trainer.args.seed = 0
    return next(iter(trainer.get_train_dataloader()))


def _segments(batch):
    """(input_ids, labels) per document, for padded and for packed (padding-free) batches."""
    if "position_ids" in batch and "attention_mask" not in batch:
        pos = batch["position_ids"][0]
        starts = (pos == 0).nonzero().flatten().tolist() + [pos.numel()]
        return [(batch["input_ids"][0, a:b], batch["labels"][0, a:b]) for a, b in zip(starts, starts[1:])]
    out = []
    for ids, labels, mask in zip(batch["input_ids"], batch["labels"], batch["attention_mask"]):
        n = int(mask.sum())
        out.append((ids[:n], labels[:n]))
    return out


@pytest.mark.parametrize("packing", [False, True])
def test_chat_labels_cover_only_the_assistant_answer(tiny_qwen3, tiny_tokenizer, packing):
    tok = tiny_tokenizer
    batch = _batch(tiny_qwen3(), tok, chat_rows(6), "chat", packing)
    bodies = {body for _, body in FACTS}
    segments = _segments(batch)
    assert len(segments) >= 2
    for ids, labels in segments:
        trained = labels != -100
        assert trained.any()
        first = int(trained.nonzero()[0])
        # Everything before the answer (system, user, the assistant header and the empty think
        # block of the thinking-off prompt) is masked, everything after it is trained.
        assert bool(trained[first:].all())
        assert torch.equal(labels[trained], ids[trained])
        prompt_text = tok.decode(ids[:first])
        answer_text = tok.decode(ids[first:])
        assert "<|im_start|>system" in prompt_text and "<|im_start|>user" in prompt_text
        assert prompt_text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
        assert answer_text.removesuffix("<|im_end|>\n") in bodies
        assert answer_text.endswith("<|im_end|>\n")  # the model learns to stop


def test_article_labels_cover_every_token(tiny_qwen3, tiny_tokenizer):
    batch = _batch(tiny_qwen3(), tiny_tokenizer, text_rows(6), "text", packing=True)
    for ids, labels in _segments(batch):
        # the first token of each document has no previous token in its document to predict it
        assert labels[0] == -100
        assert torch.equal(labels[1:], ids[1:])
