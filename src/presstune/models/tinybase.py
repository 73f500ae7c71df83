"""Demo-scale base model pieces: a Qwen3-style tokenizer trained on local text, tiny Qwen3 configs.

The real Qwen3 tokenizer and weights cannot be downloaded on offline machines, so the demo
and the tests build their own: a byte-level BPE tokenizer (HF ``tokenizers``) with Qwen3's
special tokens and a chat template that renders like Qwen3's (ChatML turns, an empty
``<think>`` block on the final assistant turn and when thinking is switched off), and a real
``Qwen3ForCausalLM`` at toy size.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from presstune.models.cache import cached_build, default_cache_root  # noqa: F401 (re-exported)

#: Qwen3's special tokens, in Qwen3's order after the BPE vocabulary.
SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<think>",
    "</think>",
]

#: A chat template that renders conversations the way Qwen3's own template does for
#: system/user/assistant turns without tools: ChatML, and the final assistant turn (or the
#: generation prompt with ``enable_thinking=False``) carries an empty think block.
QWEN3_STYLE_CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message.role == 'assistant' and loop.last %}"
    "{{- '<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}"
    "{%- endif %}"
)


#: The pre-tokenizer split pattern of Qwen2/Qwen3's tokenizer.json.
QWEN_PRETOKENIZE_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def train_tokenizer(texts: Iterable[str], vocab_size: int = 4096):
    """Train a byte-level BPE tokenizer on ``texts`` and wrap it as a transformers fast tokenizer."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    # Qwen2/Qwen3's own pre-tokenization: single digits, and runs of newlines as one piece, so
    # "\n\n" between paragraphs becomes one token as in the real vocabulary (with GPT-2's
    # regex it is two "\n" tokens, and a small model greedily loops on "\n" after "\n").
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN_PRETOKENIZE_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=SPECIAL_TOKENS[1:],
        model_max_length=32768,
    )
    tokenizer.chat_template = QWEN3_STYLE_CHAT_TEMPLATE
    return tokenizer


def tiny_qwen3_config(vocab_size: int, **overrides):
    """A toy-size Qwen3 config (real architecture); keyword arguments override any field."""
    from transformers import Qwen3Config

    fields: dict[str, Any] = dict(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=4096,
        rope_theta=1_000_000.0,
        tie_word_embeddings=False,
    )
    fields.update(overrides)
    return Qwen3Config(**fields)


# ---------------------------------------------------------------------------------------------
# The demo's base model: pretrained briefly on the replica's OLDER articles.
# ---------------------------------------------------------------------------------------------
#
# How the demo splits the replica (see ``demo_cutoff``): the articles are ordered by date; the
# oldest ``pretrain_fraction`` (default 60%) pretrain the base model, and the newest 40% are the
# "news" that the fine-tuned variants learn and are evaluated on. That mirrors the real story:
# a base model whose knowledge stops before the press releases it is tuned on.

#: Bump when anything that changes the built model changes (training loop, packing, card...):
#: it is part of the cache key, so old cache entries are simply no longer used.
TINYBASE_VERSION = "3"  # 2: Qwen-style pre-tokenization; 3: instruction data (chats)

#: The demo base's architecture (a real Qwen3ForCausalLM, ~7M parameters with a 4096 vocab).
#: Chosen by measurement on 2 CPU cores: see ``build_demo_base``'s docstring.
DEMO_BASE_ARCH: dict[str, Any] = dict(
    hidden_size=256,
    intermediate_size=768,
    num_hidden_layers=8,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=64,
)

DEMO_PRETRAIN_FRACTION = 0.6


def article_fields(item: Any) -> tuple[str, str | None, list[str], datetime | None, str]:
    """(title, subtitle, body paragraphs, date, id) of a replica GeneratedArticle, an ArticleRecord or a dict."""
    get = item.get if isinstance(item, Mapping) else (lambda k, d=None: getattr(item, k, d))
    title = get("title") or ""
    subtitle = get("subtitle")
    paragraphs = get("body_paragraphs")
    if paragraphs is None:
        body = get("body") or ""
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    date = get("date")
    if isinstance(date, str):
        date = datetime.fromisoformat(date)
    if date is not None and date.tzinfo is None:
        raise ValueError(f"article {get('id')!r}: date {date.isoformat()} has no timezone")
    return title, subtitle, list(paragraphs), date, str(get("id") or "?")


def _articles(site_or_records: Any) -> list[Any]:
    if hasattr(site_or_records, "articles") and callable(site_or_records.articles):
        return list(site_or_records.articles())
    return list(site_or_records)


def article_text(item: Any) -> str:
    """The plain text an article contributes to pretraining: title, subtitle, body paragraphs."""
    title, subtitle, paragraphs, _, _ = article_fields(item)
    return "\n\n".join(part for part in [title, subtitle, *paragraphs] if part)


def demo_cutoff(site_or_records: Any, pretrain_fraction: float = DEMO_PRETRAIN_FRACTION) -> datetime:
    """The date that splits the articles: the oldest ``pretrain_fraction`` lie strictly before it.

    The cutoff is the date of the oldest article of the newer part, so articles sharing that
    date all count as newer (``demo_pretraining_texts`` takes ``date < cutoff``). Undated
    articles are ignored here: their age is unknown.
    """
    if not 0 < pretrain_fraction < 1:
        raise ValueError(f"pretrain_fraction must lie in (0, 1), got {pretrain_fraction}")
    dates = sorted(d for *_, d, _ in map(article_fields, _articles(site_or_records)) if d is not None)
    if len(dates) < 2:
        raise ValueError(f"need at least 2 dated articles to choose a cutoff, got {len(dates)}")
    index = min(max(1, round(len(dates) * pretrain_fraction)), len(dates) - 1)
    return dates[index]


def demo_pretraining_texts(site_or_records: Any, cutoff: datetime | str) -> list[str]:
    """The texts of the articles dated strictly before ``cutoff``, oldest first.

    ``site_or_records`` is a replica ``Site`` (anything with ``.articles()``), or an iterable of
    GeneratedArticle / ArticleRecord / dicts. Undated articles are left out (they might be news).
    The order is by (date, id), not the input order, so the cache key is stable.
    """
    if isinstance(cutoff, str):
        cutoff = datetime.fromisoformat(cutoff)
    if cutoff.tzinfo is None:
        raise ValueError(f"cutoff {cutoff.isoformat()} has no timezone")
    older = []
    for item in _articles(site_or_records):
        _, _, _, date, ident = article_fields(item)
        if date is not None and date < cutoff:
            older.append((date, ident, article_text(item)))
    return [text for _, _, text in sorted(older, key=lambda t: (t[0], t[1]))]


def pack_token_chunks(tokenizer, texts: Sequence[str], seq_len: int, offset: int = 0) -> list[list[int]]:
    """Concatenate the texts' tokens, each document ended by ``<|endoftext|>``, cut into ``seq_len`` chunks.

    ``<|endoftext|>`` is Qwen's document separator in pretraining (``<|im_end|>`` ends chat turns).
    ``offset`` drops that many leading tokens so that each epoch sees other chunk boundaries.
    The tail shorter than ``seq_len`` is dropped unless it is the only chunk.
    """
    sep = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    stream: list[int] = []
    for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]:
        stream.extend(ids)
        stream.append(sep)
    stream = stream[offset:] if len(stream) - offset >= seq_len else stream
    if len(stream) < seq_len:
        return [stream] if len(stream) >= 2 else []
    return [stream[i : i + seq_len] for i in range(0, len(stream) - seq_len + 1, seq_len)]


def causal_lm_loss(model, tokenizer, texts: Sequence[str], seq_len: int = 256, batch_size: int = 8) -> float:
    """Mean next-token loss (nats/token) of ``model`` on ``texts`` packed like in pretraining."""
    import torch

    chunks = pack_token_chunks(tokenizer, texts, seq_len)
    if not chunks:
        raise ValueError("no text to evaluate on")
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(chunks), batch_size):
            batch = [c for c in chunks[start : start + batch_size] if len(c) == len(chunks[start])]
            ids = torch.tensor(batch)
            logits = model(input_ids=ids).logits[:, :-1].float()
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="sum"
            )
            total += loss.item()
            count += ids[:, 1:].numel()
    model.train(was_training)
    return total / count


def _model_card(info: dict[str, Any]) -> str:
    arch = info["architecture"]
    heads = f"{arch['num_attention_heads']} attention heads / {arch['num_key_value_heads']} KV heads"
    budget_note = " — stopped by the time budget" if info["stopped_by_time_budget"] else ""
    steps = f"{info['steps_done']} of {info['steps_planned']} planned ({info['epochs_done']:.2f} epochs){budget_note}"
    return f"""---
library_name: transformers
pipeline_tag: text-generation
tags: [presstune, demo, qwen3, tiny]
---

# presstune demo base model (demo-scale, not a real language model)

This is a **demo-scale** model made by presstune's offline demo. It is a real `Qwen3ForCausalLM`
architecture at toy size ({info["parameters"]:,} parameters: {arch["num_hidden_layers"]} layers,
hidden size {arch["hidden_size"]}, {heads},
vocabulary {info["vocab_size"]:,}) with a byte-level BPE tokenizer trained on the same text.

It was pretrained from random weights for a few minutes on a CPU on **generated text**: the older
articles of presstune's replica press portal (synthetic press releases), so its knowledge stops
before the newer articles that the demo fine-tunes on. Like a real instruct model it has also seen
instruction data, here conversations about those same older articles (questions and answers, fact
lists, questions answered from passages in the prompt), so it knows how to answer a question but
none of the news. It knows nothing else, and its output is
not meant to be read as language-model quality; it exists so the demo can show real, measured
fine-tuning effects offline. The real pipeline uses Qwen/Qwen3-8B.

| | |
|---|---|
| training texts | {info["texts"]:,} articles, {info["characters"]:,} characters, {info["tokens"]:,} tokens |
| instruction data | {info.get("chats", 0):,} conversations about those articles, {info.get("chat_tokens", 0):,} tok. |
| sequence length × batch | {info["seq_len"]} × {info["batch_size"]} |
| optimizer steps | {steps} |
| learning rate | {info["lr"]} (AdamW, linear warm-up, cosine decay) |
| first / final training loss | {info["first_loss"]:.3f} / {info["final_loss"]:.3f} nats per token |
| training time | {info["train_seconds"]:.1f} s on {info["threads"]} CPU threads |
| seed | {info["seed"]} |

Chat template: Qwen3-style ChatML (`<|im_start|>role ... <|im_end|>`, empty `<think>` block);
documents were separated by `<|endoftext|>` during pretraining.
"""


def build_demo_base(
    texts: Sequence[str],
    out_dir: str | os.PathLike,
    *,
    chats: Sequence[Sequence[Mapping[str, str]]] = (),
    vocab_size: int = 4096,
    config_overrides: Mapping[str, Any] | None = None,
    steps: int | None = None,
    epochs: float = 3.0,
    seq_len: int = 256,
    batch_size: int = 16,
    lr: float = 2e-3,
    warmup_fraction: float = 0.1,
    weight_decay: float = 0.1,
    seed: int = 0,
    time_budget_s: float | None = None,
    threads: int | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> Path:
    """Train a tokenizer and pretrain a tiny Qwen3ForCausalLM on ``texts``; save it to ``out_dir``.

    ``chats`` (conversations: lists of ``{"role", "content"}`` messages) are rendered through the
    tokenizer's chat template and pretrained on with the texts, as documents of the same stream:
    the instruction data a real instruct model has seen (see ``pipeline.demo_instruction_chats``).

    ``out_dir`` gets ``model.safetensors`` + config + generation config, the tokenizer (with the
    Qwen3-style chat template), a README model card and ``base_info.json`` (sizes, losses, time).
    ``steps`` (default: ``epochs`` over the packed chunks) is the plan the cosine schedule follows;
    ``time_budget_s`` stops early when exceeded (recorded in base_info). ``progress(step, total,
    loss)`` is called after each step; an exception from it aborts the build.

    A plain torch loop rather than HF Trainer: there is nothing to checkpoint or resume (the
    cached build is all-or-nothing and simply redone if killed), the time budget is one check per
    step, and the loop stays deterministic and readable without accelerate's run-directory
    machinery.

    Why it is long: its keyword signature and this docstring are most of it; the body (about 45
    lines) only validates, plans the steps and calls one helper per job, in one function so the
    seeds and thread count set at its start cover every step.
    """
    import random

    import torch

    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("build_demo_base: no non-empty texts to pretrain on")
    if seq_len < 8 or batch_size < 1:
        raise ValueError(f"build_demo_base: seq_len {seq_len} / batch_size {batch_size} too small")
    out_dir = Path(out_dir)
    started = time.monotonic()
    threads = threads or len(os.sched_getaffinity(0))  # the cores this process may use
    with _torch_threads(threads):
        random.seed(seed)
        torch.manual_seed(seed)
        tokenizer, rendered, documents = _pretraining_stream(texts, chats, vocab_size, seed)
        model = _new_demo_model(tokenizer, seq_len, config_overrides)
        n_chunks = len(pack_token_chunks(tokenizer, documents, seq_len))
        if n_chunks == 0:
            raise ValueError("build_demo_base: the texts tokenize to fewer than 2 tokens")
        batches_per_epoch = max(1, math.ceil(n_chunks / batch_size))
        planned = steps if steps is not None else max(1, math.ceil(epochs * batches_per_epoch))
        run = _pretrain(
            model,
            _shuffled_batches(tokenizer, documents, seq_len, batch_size, seed),
            planned,
            lr=lr,
            warmup_fraction=warmup_fraction,
            weight_decay=weight_decay,
            deadline=None if time_budget_s is None else started + time_budget_s,
            progress=progress,
        )
        settings = dict(
            seq_len=seq_len,
            batch_size=batch_size,
            lr=lr,
            warmup_fraction=warmup_fraction,
            weight_decay=weight_decay,
            seed=seed,
            threads=threads,
        )
        info = _build_info(model, tokenizer, texts, rendered, n_chunks, planned, run, settings)
        info["total_seconds"] = round(time.monotonic() - started, 2)
        _save_demo_base(model, tokenizer, info, out_dir)
        return out_dir


@contextlib.contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    """torch's intra-op threads set for the build, restored after it."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _pretraining_stream(
    texts: Sequence[str], chats: Sequence[Sequence[Mapping[str, str]]], vocab_size: int, seed: int
) -> tuple[Any, list[str], list[str]]:
    """The tokenizer (trained on the texts and the conversations' words), the conversations as
    rendered by its chat template, and the documents to pretrain on: texts and conversations
    interleaved by a seeded shuffle, so that chunks mix articles and conversations."""
    import random

    chat_words = ["\n".join(m["content"] for m in chat) for chat in chats]
    tokenizer = train_tokenizer([*texts, *chat_words], vocab_size=vocab_size)
    rendered = render_chats(tokenizer, chats)
    documents = [*texts, *rendered]
    if rendered:
        random.Random(seed).shuffle(documents)
    return tokenizer, rendered, documents


def _new_demo_model(tokenizer: Any, seq_len: int, config_overrides: Mapping[str, Any] | None) -> Any:
    """A freshly initialised demo-size Qwen3ForCausalLM (global torch RNG) in train mode."""
    from transformers import GenerationConfig, Qwen3ForCausalLM

    endoftext = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    fields = {**DEMO_BASE_ARCH, **(config_overrides or {})}
    config = tiny_qwen3_config(len(tokenizer), **fields)
    config.max_position_embeddings = max(config.max_position_embeddings, seq_len)
    config.pad_token_id = tokenizer.pad_token_id
    config.eos_token_id = tokenizer.eos_token_id
    config.bos_token_id = None  # Qwen3 uses no BOS token
    model = Qwen3ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=[tokenizer.eos_token_id, endoftext],
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        do_sample=False,
    )
    model.train()
    return model


def _shuffled_batches(tokenizer: Any, texts: Sequence[str], seq_len: int, batch_size: int, seed: int):
    """Endless ``[batch, seq_len]`` token batches, epoch after epoch.

    Each epoch after the first starts the packing at a seeded offset (other chunk boundaries)
    and shuffles the chunks with the same seeded generator, so the stream is reproducible.
    """
    import torch

    generator = torch.Generator().manual_seed(seed)
    epoch = 0
    while True:
        offset = 0 if epoch == 0 else int(torch.randint(0, seq_len, (1,), generator=generator))
        chunks = pack_token_chunks(tokenizer, texts, seq_len, offset=offset)
        order = torch.randperm(len(chunks), generator=generator).tolist()
        for i in range(0, len(order), batch_size):
            yield torch.tensor([chunks[j] for j in order[i : i + batch_size]])
        epoch += 1


def _pretrain(
    model: Any,
    batches: Iterable[Any],
    planned: int,
    *,
    lr: float,
    warmup_fraction: float,
    weight_decay: float,
    deadline: float | None,
    progress: Callable[[int, int, float], None] | None,
) -> dict[str, Any]:
    """AdamW (no decay on norms/biases), linear warm-up + cosine decay, clipped gradients.

    Runs ``planned`` steps or until ``time.monotonic()`` passes ``deadline``; returns the losses,
    the tokens seen, whether the deadline stopped it, and the training seconds.
    """
    import torch
    from transformers import get_cosine_schedule_with_warmup

    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=lr,
        betas=(0.9, 0.95),
        eps=1e-8,
    )
    scheduler = get_cosine_schedule_with_warmup(optimizer, max(1, round(warmup_fraction * planned)), planned)
    losses: list[float] = []
    tokens_seen, stopped_by_budget = 0, False
    train_started = time.monotonic()
    for batch in batches:
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        tokens_seen += batch.numel()
        if progress is not None:
            progress(len(losses), planned, losses[-1])
        if len(losses) >= planned:
            break
        if deadline is not None and time.monotonic() > deadline:
            stopped_by_budget = True
            break
    return {
        "losses": losses,
        "tokens_seen": tokens_seen,
        "stopped_by_time_budget": stopped_by_budget,
        "train_seconds": time.monotonic() - train_started,
    }


def _token_count(tokenizer: Any, texts: Sequence[str]) -> int:
    """Tokens of ``texts`` as pretrained on (each ended by ``<|endoftext|>``)."""
    if not texts:
        return 0
    return sum(len(ids) + 1 for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"])


def render_chats(tokenizer: Any, chats: Sequence[Sequence[Mapping[str, str]]]) -> list[str]:
    """Conversations as the text the model is trained on: the chat template with thinking off,
    as fine-tuning and generation render them (Qwen3's empty think block in the answer turn)."""
    return [tokenizer.apply_chat_template(list(chat), tokenize=False, enable_thinking=False) for chat in chats]


def _build_info(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    chats: Sequence[str],
    n_chunks: int,
    planned: int,
    run: dict[str, Any],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """``base_info.json``: what was built, from what, how the training went (README reads it too)."""
    import torch
    import transformers

    losses = run["losses"]
    tail = losses[-max(1, min(10, len(losses) // 10)) :]
    seq_len = settings["seq_len"]
    return {
        "presstune_tinybase_version": TINYBASE_VERSION,
        "kind": "demo-scale base model pretrained on generated replica text",
        "architecture": {k: getattr(model.config, k) for k in DEMO_BASE_ARCH},
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tokenizer),
        "texts": len(texts),
        "characters": sum(len(t) for t in texts),
        "tokens": _token_count(tokenizer, texts),
        "chats": len(chats),
        "chat_tokens": _token_count(tokenizer, chats),
        "chunks": n_chunks,
        "seq_len": seq_len,
        "batch_size": settings["batch_size"],
        "lr": settings["lr"],
        "warmup_fraction": settings["warmup_fraction"],
        "weight_decay": settings["weight_decay"],
        "seed": settings["seed"],
        "steps_planned": planned,
        "steps_done": len(losses),
        "epochs_done": run["tokens_seen"] / max(1, n_chunks * seq_len),
        "stopped_by_time_budget": run["stopped_by_time_budget"],
        "first_loss": losses[0],
        "final_loss": sum(tail) / len(tail),
        "losses": [round(x, 4) for x in losses],
        "train_seconds": round(run["train_seconds"], 2),
        "total_seconds": None,  # filled in by the caller, after everything else
        "threads": settings["threads"],
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }


def _save_demo_base(model: Any, tokenizer: Any, info: dict[str, Any], out_dir: Path) -> None:
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    (out_dir / "README.md").write_text(_model_card(info), encoding="utf-8")
    # Written last: its presence marks a complete build.
    (out_dir / "base_info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


#: Taken once, so the cache key never depends on what ``build_demo_base`` is later bound to.
_BUILD_SIGNATURE = inspect.signature(build_demo_base)


def demo_base_cache_key(texts: Sequence[str], **settings: Any) -> str:
    """Hash of (tinybase version, texts, the build settings with defaults filled in)."""
    bound = _BUILD_SIGNATURE.bind(list(texts), "-", **settings)
    bound.apply_defaults()
    args = {k: v for k, v in bound.arguments.items() if k not in ("texts", "chats", "out_dir", "progress", "threads")}
    h = hashlib.sha256()
    h.update(json.dumps({"version": TINYBASE_VERSION, "settings": args}, sort_keys=True, default=str).encode())
    for text in texts:
        h.update(hashlib.sha256(text.encode("utf-8")).digest())
    for chat in bound.arguments["chats"]:
        h.update(hashlib.sha256(json.dumps(list(chat), sort_keys=True).encode("utf-8")).digest())
    return h.hexdigest()[:20]


def cached_demo_base(texts: Sequence[str], cache_root: str | os.PathLike | None = None, **settings: Any) -> Path:
    """``build_demo_base`` once per (texts, settings, version); later calls return the cached dir.

    Built into a temporary folder and renamed into place when complete (see models.cache).
    """
    root = Path(cache_root) if cache_root is not None else default_cache_root()
    entry = root / "demo-base" / demo_base_cache_key(texts, **settings)
    # Through the module attribute, so that tests can count real builds.
    return cached_build(entry, "base_info.json", lambda tmp: build_demo_base(texts, tmp, **settings))
