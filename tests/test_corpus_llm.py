"""LLM phase end to end: a 127.0.0.1 OpenAI-compatible server and a tiny local Qwen3; guards hold."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from presstune.config.corpus import CorpusConfig, LLMConfig
from presstune.corpus.llm import Answer, TransformersBackend, guard, novel_ngram_share
from presstune.corpus.pipeline import build_corpus
from presstune.rundir import write_jsonl

PARAS = [
    "Munich. The new BMW iX3 celebrates its world premiere at the Paris Motor Show with an output of 340 kW.",
    "Production starts at Plant Debrecen in March 2026, and the market launch follows in the spring of that year.",
    "The price starts at 68,900 euros in Germany, and customers can order the car from the first of October.",
    "The development team tested the car under extreme conditions in the Arctic and in the desert of Nevada.",
]
LEFTOVER = "Page 2 of 3 Subject New BMW iX3 at the show"  # what the regex phase missed


def body(tag: str) -> str:
    return "\n\n".join([f"{PARAS[0]} Case {tag}.", PARAS[1], LEFTOVER, *PARAS[2:]])


class Handler(BaseHTTPRequestHandler):
    calls: list[dict] = []

    def do_POST(self):  # noqa: N802
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Handler.calls.append(data)
        assert self.path == "/v1/chat/completions"
        text = data["messages"][-1]["content"].split("\n\n", 1)[1]
        finish = "stop"
        if "Case good" in text:
            answer = text.replace(LEFTOVER + "\n\n", "")  # a real cleaner only deletes
        elif "Case garbage" in text:
            answer = ("Zorblax quantum banana cathedral evaporates. " * 40)[: len(text)].rsplit(" ", 1)[0] + "."
        elif "Case truncated" in text:
            answer, finish = text[: len(text) // 2], "length"
        else:  # "short": a summary instead of the text
            answer = "The BMW iX3 premieres in Paris."
        body = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": answer}, "finish_reason": finish}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Handler.calls = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def make_run(tmp_path: Path, tags: list[str]) -> Path:
    records = [
        {
            "id": f"T{2000000 + i:07d}EN",
            "language": "en",
            "url": f"/x/{i}",
            "title": f"Release {tag}",
            "date": f"2025-02-{i + 1:02d}T10:00:00+01:00",
            "body": body(tag),
        }
        for i, tag in enumerate(tags)
    ]
    write_jsonl(tmp_path / "articles.jsonl", records)
    return tmp_path


def test_guards_unit():
    cfg = LLMConfig()
    src = body("good")
    assert guard(src, Answer(src.replace(LEFTOVER + "\n\n", ""), "stop"), cfg) is None
    assert guard(src, Answer("", "stop"), cfg) == "empty"
    assert guard(src, Answer("<think>\n\n</think>\n\n", "stop"), cfg) == "empty"
    assert guard(src, Answer(src[:-40], "length"), cfg) == "truncated"
    assert guard(src, Answer(src[: int(len(src) * 0.8)].rstrip(" ."), "stop"), cfg) == "no_end"
    assert guard(src, Answer("Short.", "stop"), cfg) == "too_short"
    invented = src.replace("in the desert of Nevada", "on the surface of the moon with robots and lasers")
    assert novel_ngram_share(invented, src) > 0
    assert guard(src, Answer(invented, "stop"), LLMConfig(max_novel_ngram_share=0.02)) == "invented_text"


def test_openai_endpoint_good_garbage_truncated(tmp_path: Path, endpoint, tiny_tokenizer):
    run = make_run(tmp_path, ["good", "garbage", "truncated", "short"])
    cfg = CorpusConfig(
        min_chars=50,
        near_dup_threshold=0.99,
        drop_near_duplicates=False,
        llm=LLMConfig(backend="openai", url=endpoint, model="served-model"),
    )
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="regex")
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="llm")
    assert len(Handler.calls) == 4 and Handler.calls[0]["model"] == "served-model"
    report = json.loads((run / "llm" / "report.json").read_text())
    by_title = {it["id"]: it for it in report["items"]}
    reasons = {i: by_title[f"T{2000000 + i:07d}EN"]["reason"] for i in range(4)}
    assert reasons == {0: None, 1: "invented_text", 2: "truncated", 3: "too_short"}
    assert len(list((run / "llm" / "cache").glob("*.json"))) == 4

    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="format")
    docs = {json.loads(l)["id"]: json.loads(l) for l in (run / "dataset" / "documents.jsonl").read_text().splitlines()}
    assert LEFTOVER not in docs["T2000000EN"]["body"]  # the accepted LLM answer is used
    assert LEFTOVER in docs["T2000001EN"]["body"]  # rejected: the regex version is kept

    # Re-running the phase sends nothing: same input hash -> skipped.
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="llm")
    assert len(Handler.calls) == 4
    # A changed setting re-judges from the answer cache, still without requests.
    cfg.llm.max_novel_ngram_share = 0.5
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="llm")
    assert len(Handler.calls) == 4


def test_endpoint_down_is_a_named_rejection(tmp_path: Path, tiny_tokenizer):
    run = make_run(tmp_path, ["good"])
    cfg = CorpusConfig(min_chars=50, llm=LLMConfig(backend="openai", url="http://127.0.0.1:9", timeout=2))
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="regex")
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="llm")
    report = json.loads((run / "llm" / "report.json").read_text())
    assert report["items"][0]["reason"] == "backend_error"
    assert not list((run / "llm" / "cache").glob("*.json"))  # errors are not cached


@pytest.mark.slow
def test_tiny_local_model_output_is_rejected(tmp_path: Path, tiny_tokenizer, tiny_qwen3):
    """A random tiny Qwen3 writes garbage: every answer must be rejected, the regex text kept."""
    run = make_run(tmp_path, ["a", "b", "c"])
    backend = TransformersBackend(tiny_qwen3(), tiny_tokenizer, batch_size=2)
    cfg = CorpusConfig(
        min_chars=50,
        drop_near_duplicates=False,
        near_dup_threshold=0.99,
        llm=LLMConfig(max_new_tokens=24, batch_size=2),
    )
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="regex")
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="llm", llm_backend=backend)
    report = json.loads((run / "llm" / "report.json").read_text())
    assert len(report["items"]) == 3
    assert all(it["status"] == "rejected" for it in report["items"])
    assert {it["reason"] for it in report["items"]} <= {"truncated", "empty", "too_short", "no_end", "invented_text"}
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="format")
    rows = (run / "dataset" / "documents.jsonl").read_text()
    assert "Case a." in rows or "Case b." in rows or "Case c." in rows
