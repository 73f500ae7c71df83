"""Optional LLM cleaning with guards: an answer is only used when it is provably a cleaned copy.

Backends: a local transformers model (batched ``generate`` through the tokenizer's chat template,
Qwen3 thinking off) and any OpenAI-compatible endpoint (``POST {url}/v1/chat/completions``:
vLLM, llama.cpp server, hosted APIs). Answers are cached per request hash under ``llm/cache/``.

Guards (each rejection is named; the regex version is kept): ``empty``, ``truncated``
(finish_reason "length"), ``no_end`` (the input ends a sentence, the output stops mid-way),
``too_short`` / ``too_long`` (length ratio), ``invented_text`` (share of output word n-grams
absent from the input above a threshold -- a cleaner may only delete, never write).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from presstune.config.corpus import LLMConfig
from presstune.models.loading import pretrained_model, pretrained_tokenizer
from presstune.records import ChatMessage
from presstune.rundir import atomic_write_json

_THINK = re.compile(r"<think>.*?</think>\s*", re.S)
_WORD = re.compile(r"\w+", re.U)


@dataclass
class Answer:
    text: str
    finish_reason: str  # "stop" | "length" | "error"
    error: str | None = None


class Backend(Protocol):
    name: str

    def generate(self, conversations: Sequence[list[ChatMessage]], max_new_tokens: Sequence[int]) -> list[Answer]: ...


def build_messages(cfg: LLMConfig, title: str, body: str) -> list[ChatMessage]:
    return [
        {"role": "system", "content": cfg.system_prompt},
        {"role": "user", "content": f"Title: {title}\n\n{body}"},
    ]


class OpenAIBackend:
    """Any OpenAI-compatible chat completions endpoint, requests in parallel threads."""

    def __init__(
        self,
        url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 300.0,
        concurrency: int = 4,
        temperature: float = 0.0,
    ) -> None:
        import httpx

        self.name = f"openai:{model}@{url}"
        self.model = model
        self.temperature = temperature
        self.concurrency = concurrency
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def _one(self, messages: list[ChatMessage], max_tokens: int) -> Answer:
        import httpx

        payload = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": self.temperature,
            # Qwen3 served by vLLM/SGLang: no thinking block (ignored by other servers).
            "chat_template_kwargs": {"enable_thinking": False},
        }
        try:
            resp = self.client.post("/v1/chat/completions", json=payload)
            resp.raise_for_status()
            data = resp.json()
            choice = data["choices"][0]
            return Answer(
                text=choice["message"].get("content") or "", finish_reason=choice.get("finish_reason") or "stop"
            )
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            return Answer(text="", finish_reason="error", error=f"{type(exc).__name__}: {exc}")

    def generate(self, conversations, max_new_tokens):
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(self._one, conversations, max_new_tokens))

    def close(self) -> None:
        self.client.close()


class TransformersBackend:
    """A local causal LM; left-padded batches rendered with the tokenizer's chat template."""

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 4) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.name = f"transformers:{getattr(model.config, '_name_or_path', '') or type(model).__name__}"

    @classmethod
    def from_pretrained(cls, name_or_path: str, batch_size: int = 4) -> TransformersBackend:
        import torch

        tok = pretrained_tokenizer(name_or_path)
        dtype = torch.bfloat16 if torch.cuda.is_available() else torch.float32
        model = pretrained_model(name_or_path, dtype=dtype, device_map="auto" if torch.cuda.is_available() else None)
        model.eval()
        return cls(model, tok, batch_size)

    def generate(self, conversations, max_new_tokens):
        import torch

        tok = self.tokenizer
        tok.padding_side = "left"
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        out: list[Answer] = []
        for start in range(0, len(conversations), self.batch_size):
            batch = conversations[start : start + self.batch_size]
            budget = max(max_new_tokens[start : start + self.batch_size])
            prompts = [
                tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True, enable_thinking=False)
                for m in batch
            ]
            enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.model.device)
            with torch.no_grad():
                gen = self.model.generate(
                    **enc,
                    max_new_tokens=budget,
                    do_sample=False,
                    pad_token_id=tok.pad_token_id,
                    eos_token_id=tok.eos_token_id,
                )
            for row in gen[:, enc["input_ids"].shape[1] :]:
                ids = row.tolist()
                finished = tok.eos_token_id in ids
                if finished:
                    ids = ids[: ids.index(tok.eos_token_id)]
                while ids and ids[-1] == tok.pad_token_id:
                    ids.pop()
                text = tok.decode(ids, skip_special_tokens=True)
                out.append(Answer(text=text, finish_reason="stop" if finished else "length"))
        return out


def make_backend(cfg: LLMConfig) -> Backend:
    if cfg.backend == "openai":
        if not cfg.url:
            raise ValueError("corpus.llm.url is required for the openai backend (e.g. http://127.0.0.1:8000)")
        return OpenAIBackend(
            cfg.url, cfg.model, os.environ.get(cfg.api_key_env), cfg.timeout, cfg.concurrency, cfg.temperature
        )
    return TransformersBackend.from_pretrained(cfg.model, cfg.batch_size)


def word_ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    """The casefolded word n-grams of ``text``, in order."""
    words = [w.casefold() for w in _WORD.findall(text)]
    return [tuple(words[i : i + n]) for i in range(max(0, len(words) - n + 1))]


def novel_ngram_share(output: str, source: str, n: int = 3) -> float:
    """Share of the output's word n-grams that never occur in the source (0 = pure deletion)."""
    out = word_ngrams(output, n)
    if not out:
        return 1.0 if output.strip() else 0.0
    have = set(word_ngrams(source, n))
    return sum(1 for g in out if g not in have) / len(out)


def strip_answer(text: str) -> str:
    text = _THINK.sub("", text).strip()
    # Some models wrap the answer in a code fence.
    m = re.fullmatch(r"```[a-z]*\n(.*)\n```", text, re.S)
    return (m.group(1) if m else text).strip()


def guard(source: str, answer: Answer, cfg: LLMConfig) -> str | None:
    """None when the answer may replace ``source``; else the named reason for rejecting it."""
    if answer.finish_reason == "error":
        return "backend_error"
    text = strip_answer(answer.text)
    if not text:
        return "empty"
    if answer.finish_reason == "length":
        return "truncated"
    if source.rstrip()[-1:] in '.!?"”' and text.rstrip()[-1:].isalnum() and len(text) < len(source):
        return "no_end"
    ratio = len(text) / max(len(source), 1)
    if ratio < cfg.min_length_ratio:
        return "too_short"
    if ratio > cfg.max_length_ratio:
        return "too_long"
    if novel_ngram_share(text, source, cfg.novel_ngram) > cfg.max_novel_ngram_share:
        return "invented_text"
    return None


def request_key(backend_name: str, messages: list[ChatMessage], cfg: LLMConfig) -> str:
    blob = json.dumps([backend_name, messages, cfg.temperature, cfg.max_new_tokens], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def clean_with_llm(
    docs: list[dict[str, Any]], backend: Backend, cfg: LLMConfig, cache_dir: Path, token_counter=None
) -> list[dict[str, Any]]:
    """Run the backend over ``docs`` ({id, title, body}); returns per doc {body, status, reason}.

    Cached answers are reused; new ones are written to ``cache_dir`` (one JSON per request).
    """
    results: list[dict[str, Any] | None] = [None] * len(docs)
    todo: list[int] = []
    messages_all = []
    keys = []
    for i, doc in enumerate(docs):
        messages = build_messages(cfg, doc["title"], doc["body"])
        messages_all.append(messages)
        key = request_key(backend.name, messages, cfg)
        keys.append(key)
        if len(doc["body"]) > cfg.max_input_chars:
            results[i] = {"body": doc["body"], "status": "rejected", "reason": "input_too_long", "cached": False}
            continue
        cached = cache_dir / f"{key}.json"
        if cached.exists():
            try:
                data = json.loads(cached.read_text(encoding="utf-8"))
                results[i] = _judge(
                    doc, Answer(data["text"], data["finish_reason"], data.get("error")), cfg, cached=True
                )
                continue
            except (json.JSONDecodeError, KeyError):
                pass
        todo.append(i)
    for start in range(0, len(todo), max(1, getattr(backend, "batch_size", 8))):
        chunk = todo[start : start + max(1, getattr(backend, "batch_size", 8))]
        budgets = []
        for i in chunk:
            n_in = token_counter(docs[i]["body"]) if token_counter else len(docs[i]["body"]) // 3
            budgets.append(int(min(cfg.max_new_tokens, n_in * 1.3 + 64)))
        answers = backend.generate([messages_all[i] for i in chunk], budgets)
        for i, ans in zip(chunk, answers):
            if ans.finish_reason != "error":  # errors are retried by the next run
                atomic_write_json(
                    cache_dir / f"{keys[i]}.json",
                    {"text": ans.text, "finish_reason": ans.finish_reason, "backend": backend.name},
                )
            results[i] = _judge(docs[i], ans, cfg, cached=False)
    return [r for r in results if r is not None]


def _judge(doc: dict[str, Any], ans: Answer, cfg: LLMConfig, cached: bool) -> dict[str, Any]:
    reason = guard(doc["body"], ans, cfg)
    if reason:
        return {
            "body": doc["body"],
            "status": "rejected",
            "reason": reason,
            "cached": cached,
            **({"error": ans.error} if ans.error else {}),
        }
    return {"body": strip_answer(ans.text), "status": "accepted", "reason": None, "cached": cached}
