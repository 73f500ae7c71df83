"""Token-weighted, windowed perplexity and teacher-forced log-likelihoods.

Why by hand: ``evaluate``'s perplexity metric and the HF docs recipe average per-window means,
truncate or count padding; none of them scores only chosen (assistant) tokens of chat rows, and
all materialise the full ``[tokens, vocab]`` float32 logits. Here:

* every document is a token sequence plus the set of *target* positions to score (all tokens of a
  text; the completion tokens of a chat row up to and including its end-of-turn token);
* a document longer than ``window`` is cut into windows that start every ``stride`` tokens (the HF
  strided scheme): each target is scored exactly once, in the first window that reaches it, with
  up to ``window - stride`` tokens (at least one) of context from before the window's new part;
* windows are sorted by length and batched with right padding (dynamic padding); padded
  positions are never scored, and need no attention mask (attention is causal: no real
  position sees the padding to its right), which keeps SDPA on its fast causal kernel;
* the NLL is computed from the decoder's hidden states at the predicting positions only, in
  chunks through the lm_head (log-softmax in float32), and accumulated per document in float64.

Perplexity = exp(sum of token NLLs / number of scored tokens), never a mean of batch means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from presstune.evaluate.variant import Measurement, VariantUnderTest
from presstune.records import ChatMessage


class EvalDataError(ValueError):
    """One bad input row; the message names it."""


@dataclass
class ScoredDoc:
    """A token sequence and the positions whose tokens are scored (each predicted from the left)."""

    doc_id: str
    ids: list[int]
    #: Sorted positions p >= 1 whose token ids[p] is scored; None = every position >= 1.
    targets: list[int] | None = None
    #: UTF-8 bytes of the scored text (for bits per byte).
    n_bytes: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def target_positions(self) -> np.ndarray:
        if self.targets is None:
            return np.arange(1, len(self.ids), dtype=np.int64)
        return np.asarray(self.targets, dtype=np.int64)


def document_start_id(tokenizer) -> int | None:
    """The token put before a plain text so that its first token is scored too.

    BOS when the tokenizer has one; else ``<|endoftext|>`` (Qwen's document separator in
    pre-training); else None (then the first token of a text has no context and is not scored).
    """
    if getattr(tokenizer, "bos_token_id", None) is not None:
        return int(tokenizer.bos_token_id)
    tok_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    unk = getattr(tokenizer, "unk_token_id", None)
    if isinstance(tok_id, int) and tok_id >= 0 and tok_id != unk:
        return tok_id
    return None


def text_doc(tokenizer, doc_id: str, text: str, start_id: int | None = None) -> ScoredDoc:
    """A whole-text document: every token is scored (the first one after ``start_id``)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        raise EvalDataError(f"document {doc_id}: empty text")
    if start_id is not None:
        ids = [start_id, *ids]
    return ScoredDoc(doc_id, list(ids), None, len(text.encode("utf-8")))


def render_prompt(tokenizer, messages: list[ChatMessage]) -> str:
    """The generation prompt through the tokenizer's own chat template, Qwen3 thinking off."""
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, enable_thinking=False)


def end_of_turn_id(tokenizer) -> int:
    """The end-of-turn token (``<|im_end|>`` for Qwen3 chat; the tokenizer's eos)."""
    tok = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(tok, int) and tok >= 0 and tok != getattr(tokenizer, "unk_token_id", None):
        return tok
    if tokenizer.eos_token_id is None:
        raise EvalDataError("tokenizer has neither <|im_end|> nor an eos token")
    return int(tokenizer.eos_token_id)


def chat_doc(tokenizer, doc_id: str, prompt: list[ChatMessage], completion: list[ChatMessage]) -> ScoredDoc:
    """A chat row: prompt + completion rendered by the chat template; only completion tokens
    (the assistant's text and its end-of-turn token) are scored."""
    if not prompt or not completion:
        raise EvalDataError(f"row {doc_id}: empty prompt or completion")
    prompt_text = render_prompt(tokenizer, prompt)
    full_text = tokenizer.apply_chat_template([*prompt, *completion], tokenize=False)
    if not full_text.startswith(prompt_text):
        raise EvalDataError(
            f"row {doc_id}: the chat template does not render the prompt as a prefix of the conversation"
        )
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    full_ids = tokenizer(full_text, add_special_tokens=False)["input_ids"]
    if full_ids[: len(prompt_ids)] != prompt_ids or len(full_ids) <= len(prompt_ids):
        raise EvalDataError(f"row {doc_id}: prompt tokens are not a prefix of the conversation tokens")
    eot = end_of_turn_id(tokenizer)
    end = len(full_ids)
    for pos in range(len(prompt_ids), len(full_ids)):
        if full_ids[pos] == eot:
            end = pos + 1  # the end-of-turn token is what generation must produce: scored
            break
    # The template's newline after <|im_end|> is formatting, not model output: not scored.
    content = "".join(m.get("content", "") for m in completion)
    return ScoredDoc(doc_id, list(full_ids[:end]), list(range(len(prompt_ids), end)), len(content.encode("utf-8")))


# -- windows --------------------------------------------------------------------------------


def plan_windows(length: int, window: int, stride: int) -> list[tuple[int, int, int]]:
    """HF strided windows ``(begin, end, first_new)``: tokens ``[begin, end)`` are fed, targets in
    ``[first_new, end)`` are scored there. Windows begin every ``stride`` tokens until one reaches
    the end; together they score every position exactly once.

    Every scored token has at least one token of context in its window (``first_new > begin``):
    with ``stride == window`` a window starting at the previous end would have to predict its
    first new token from no position at all, so it starts one token earlier instead."""
    if not 1 <= stride <= window:
        raise ValueError("need 1 <= stride <= window")
    if window < 2:
        raise ValueError("window must be >= 2 (a scored token needs one token of context)")
    spans = []
    prev_end = 0
    begin = 0
    while True:
        end = min(begin + window, length)
        spans.append((begin, end, max(prev_end, 1)))
        prev_end = end
        if end >= length:
            return spans
        begin = min(begin + stride, end - 1)


@dataclass
class _Window:
    doc: int
    ids: list[int]
    #: window-local positions whose token is scored (each >= 1)
    local_targets: np.ndarray


def _windows(docs: Sequence[ScoredDoc], window: int, stride: int) -> list[_Window]:
    out = []
    for d, doc in enumerate(docs):
        targets = doc.target_positions()
        for begin, end, first_new in plan_windows(len(doc.ids), window, stride):
            sel = targets[(targets >= first_new) & (targets < end)]
            if sel.size:  # a window with nothing to score (e.g. a long system prompt) is skipped
                out.append(_Window(d, doc.ids[begin:end], sel - begin))
    return out


def _batches(windows: list[_Window], batch_size: int, max_batch_tokens: int) -> list[list[_Window]]:
    """Longest first, so each batch pads only to its own longest window."""
    order = sorted(windows, key=lambda w: len(w.ids), reverse=True)
    batches: list[list[_Window]] = []
    cur: list[_Window] = []
    for w in order:
        if cur and (len(cur) >= batch_size or len(cur[0].ids) * (len(cur) + 1) > max_batch_tokens):
            batches.append(cur)
            cur = []
        cur.append(w)
    if cur:
        batches.append(cur)
    return batches


def _split_model(model):
    """(decoder returning hidden states, lm_head) when NLL can be computed from hidden states,
    else (None, None): models with logit soft-capping/scaling go through the full forward."""
    cfg = getattr(model, "config", None)
    if getattr(cfg, "final_logit_softcapping", None) or getattr(cfg, "logit_scale", None):
        return None, None
    get_decoder = getattr(model, "get_decoder", None)
    decoder = get_decoder() if callable(get_decoder) else None
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    if decoder is None or decoder is model or head is None:
        return None, None
    return decoder, head


def score_documents(
    model,
    docs: Sequence[ScoredDoc],
    window: int = 2048,
    stride: int = 1024,
    batch_size: int = 8,
    max_batch_tokens: int = 32768,
    logits_chunk: int = 1024,
    pad_id: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Sum of token NLLs (nats, float64) and number of scored tokens, per document."""
    import torch
    import torch.nn.functional as F

    nll = torch.zeros(len(docs), dtype=torch.float64)
    count = torch.zeros(len(docs), dtype=torch.int64)
    device = next(model.parameters()).device
    decoder, head = _split_model(model)
    for batch in _batches(_windows(docs, window, stride), batch_size, max_batch_tokens):
        longest = len(batch[0].ids)
        ids = torch.full((len(batch), longest), pad_id, dtype=torch.long)
        rows, cols, owner = [], [], []
        for b, w in enumerate(batch):
            ids[b, : len(w.ids)] = torch.tensor(w.ids)
            rows.append(np.full(len(w.local_targets), b))
            cols.append(w.local_targets)
            owner.append(np.full(len(w.local_targets), w.doc))
        rows_t = torch.from_numpy(np.concatenate(rows)).to(device)
        cols_t = torch.from_numpy(np.concatenate(cols)).to(device)
        owner_t = torch.from_numpy(np.concatenate(owner))
        ids = ids.to(device)
        # No attention mask, even with padding: padding is on the right and attention is causal,
        # so no real position can see a padded one, and positions are 0..n-1 either way; the
        # outputs at scored positions are those of the masked computation. Without a mask SDPA
        # keeps its fast causal (flash) kernel; with one it falls back to a slower masked kernel
        # (benchmarks/RESULTS_evaluate.md: the H100 measurement before and after).
        targets = ids[rows_t, cols_t]
        with torch.inference_mode():
            if decoder is not None:
                hidden = decoder(input_ids=ids, use_cache=False).last_hidden_state
                pred = hidden[rows_t, cols_t - 1]  # position p-1 predicts token p
                del hidden
                parts = []
                for start in range(0, pred.shape[0], logits_chunk):
                    logits = head(pred[start : start + logits_chunk]).float()
                    parts.append(F.cross_entropy(logits, targets[start : start + logits_chunk], reduction="none"))
                token_nll = torch.cat(parts)
            else:
                logits = model(input_ids=ids, use_cache=False).logits
                token_nll = F.cross_entropy(logits[rows_t, cols_t - 1].float(), targets, reduction="none")
        nll.index_add_(0, owner_t, token_nll.double().cpu())
        count.index_add_(0, owner_t, torch.ones_like(owner_t))
    return nll.numpy(), count.numpy()


def continuation_logprobs(
    model,
    pairs: Sequence[tuple[list[int], list[int]]],
    batch_size: int = 8,
    max_batch_tokens: int = 32768,
    logits_chunk: int = 1024,
    pad_id: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Teacher-forced ``log p(continuation | prefix)`` (sum over its tokens) and token counts."""
    docs = []
    for i, (prefix, cont) in enumerate(pairs):
        if not prefix:
            raise EvalDataError(f"continuation {i}: empty prefix")
        ids = [*prefix, *cont]
        docs.append(ScoredDoc(str(i), ids, list(range(len(prefix), len(ids)))))
    longest = max((len(d.ids) for d in docs), default=2)
    nll, count = score_documents(
        model,
        docs,
        window=max(longest, 2),
        stride=max(longest, 2),
        batch_size=batch_size,
        max_batch_tokens=max_batch_tokens,
        logits_chunk=logits_chunk,
        pad_id=pad_id,
    )
    return -nll, count


# -- summaries ------------------------------------------------------------------------------


def bootstrap_ci(
    nll: np.ndarray,
    count: np.ndarray,
    denom: np.ndarray | None = None,
    samples: int = 1000,
    seed: int = 0,
    transform=None,
) -> list[float] | None:
    """95% percentile interval of ``transform(sum nll / sum denom)`` resampling documents."""
    n = len(nll)
    if n < 2 or samples <= 0:
        return None
    denom = count if denom is None else denom
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(samples, n))
    d = denom[idx].sum(axis=1).astype(np.float64)
    ok = d > 0
    stat = nll[idx].sum(axis=1)[ok] / d[ok]
    if transform is not None:
        stat = transform(stat)
    lo, hi = np.percentile(stat, [2.5, 97.5])
    return [float(lo), float(hi)]


def summarize(
    view: str, nll: np.ndarray, count: np.ndarray, n_bytes: np.ndarray, samples: int, seed: int, definition: str
) -> dict[str, dict[str, Any]]:
    """``perplexity_<view>`` and ``bpb_<view>`` metric entries."""
    keep = count > 0
    nll, count, n_bytes = nll[keep], count[keep], n_bytes[keep]
    total_nll = float(nll.sum())
    tokens = int(count.sum())
    total_bytes = int(n_bytes.sum())
    if tokens == 0:
        return {
            f"perplexity_{view}": {
                "value": None,
                "tokens": 0,
                "documents": 0,
                "definition": definition,
                "note": "no scored tokens",
            },
        }
    ppl = math.exp(total_nll / tokens)
    out = {
        f"perplexity_{view}": {
            "value": ppl,
            "ci95": bootstrap_ci(nll, count, samples=samples, seed=seed, transform=np.exp),
            "mean_nll_nats": total_nll / tokens,
            "tokens": tokens,
            "documents": int(len(nll)),
            "definition": definition,
        },
    }
    if total_bytes > 0:
        ln2 = math.log(2)
        out[f"bpb_{view}"] = {
            "value": total_nll / ln2 / total_bytes,
            "ci95": bootstrap_ci(nll / ln2, count, denom=n_bytes, samples=samples, seed=seed),
            "bytes": total_bytes,
            "tokens": tokens,
            "documents": int(len(nll)),
            "definition": f"bits per UTF-8 byte: total NLL (nats) / ln 2 / bytes of the scored text ({view} view); "
            "comparable across tokenizers",
        }
    return out


def _scored_docs(v: VariantUnderTest, rows: Sequence[Mapping[str, Any]], build) -> list:
    """``build(row)`` for each row; a row it refuses (EvalDataError) is listed in the errors."""
    docs = []
    for row in rows:
        try:
            docs.append(build(row))
        except EvalDataError as exc:
            v.errors.append(str(exc))
    return docs


def perplexity_metrics(v: VariantUnderTest, view: str, docs: list, definition: str) -> dict[str, Any]:
    """``perplexity_<view>`` (and its per-byte companions) over ``docs``; {} without docs."""
    if not docs:
        return {}
    nll, count = score_documents(v.model, docs, **v.score_kw)
    n_bytes = np.array([d.n_bytes for d in docs])
    return summarize(view, nll, count, n_bytes, v.eval_cfg.bootstrap_samples, v.eval_cfg.seed, definition)


def _measure_perplexity(v: VariantUnderTest) -> None:
    """Two views: the eval split's chat rows (completion tokens only) and whole eval documents."""
    cfg, tok = v.eval_cfg, v.tokenizer
    chat_docs = _scored_docs(
        v, v.data["chat"], lambda row: chat_doc(tok, str(row.get("id")), row["prompt"], row["completion"])
    )
    v.metrics.update(
        perplexity_metrics(
            v,
            "assistant",
            chat_docs,
            "exp(sum of token NLLs / scored tokens) over the eval split's chat rows; prompt+completion rendered by "
            "the chat template, only completion tokens (assistant text + end-of-turn) scored; sliding window "
            f"{cfg.window}/stride {cfg.stride}; ci95 = bootstrap over rows",
        )
    )
    start_id = document_start_id(tok)
    text_docs = _scored_docs(v, v.data["texts"], lambda item: text_doc(tok, str(item["id"]), item["text"], start_id))
    v.metrics.update(
        perplexity_metrics(
            v,
            "text",
            text_docs,
            "exp(sum of token NLLs / scored tokens) over eval documents' whole cleaned bodies, every token scored "
            f"(after a document-start token), nothing truncated: sliding window {cfg.window}/stride "
            f"{cfg.stride}; ci95 = bootstrap over documents",
        )
    )


MEASUREMENT = Measurement("perplexity", "perplexity", _measure_perplexity)
