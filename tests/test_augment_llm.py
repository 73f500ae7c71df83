"""The model generator (corpus.augment backends transformers / openai / rules+llm): requests per
passage batched across articles, every pair and restatement checked against the article, rejections
named, results cached per article. A scripted client stands in for the model where the test is
about what happens to its answers; a tiny real Qwen3 and a 127.0.0.1 endpoint run the real clients."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from presstune.corpus import augment as A
from presstune.corpus.augment import llm as M
from presstune.corpus.llm import Answer, TransformersBackend


def release(city: str, person: str) -> str:
    """A two-paragraph release; each paragraph is its own passage at chunk_chars=200."""
    return (
        f"{city}. The BMW Group will build the new BMW iX5 at Plant {city} from 3 March 2026, "
        "creating 800 new jobs.\n\n"
        f"{person}, head of Plant {city}, said the site already produces up to 1,300 vehicles a day."
    )


DOCS = [
    {
        "id": f"T{i}",
        "title": f"Production of the BMW iX5 starts in {city}",
        "date": "2025-11-04",
        "body": release(city, p),
    }
    for i, (city, p) in enumerate([("Leipzig", "Petra Lange"), ("Debrecen", "Hans Meier"), ("Oxford", "Anna Berg")])
]


def passage_of(request: str) -> str:
    m = re.search(r"Passage(?: \(from [^\n]*\))?:\s*(.+?)(?:\n\nWrite|\Z)", request, re.S)
    assert m, request
    return m.group(1)


class ScriptedModel:
    """The client interface (``name``, ``batch_size``, ``generate``) with a model that answers from
    the passage in each request: good pairs, and the mistakes a small model makes."""

    name = "scripted"

    def __init__(self, batch_size: int = 4, fail_on: str | None = None) -> None:
        self.batch_size = batch_size
        self.fail_on = fail_on
        self.calls: list[list[str]] = []

    def generate(self, conversations, max_new_tokens):
        assert len(conversations) == len(max_new_tokens)
        requests = [c[-1]["content"] for c in conversations]
        self.calls.append(requests)
        return [self.reply(r) for r in requests]

    def reply(self, request: str) -> Answer:
        span = re.fullmatch(r"Sentence: (.+)\nAnswer: (.+)\nWrite the question\.", request, re.S)
        if span:  # a question for a given answer: good ones, one with the answer in it, one from the example
            sentence, answer = span.groups()
            if answer == "800":
                return Answer("How many new jobs does the BMW iX5 create?", "stop")
            if answer.startswith("Plant"):
                return Answer(f"Q: Where is the BMW iX5 built, {answer}?", "stop")
            return Answer("Who is the head of the Aurora plant in Valencia?", "stop")
        passage = passage_of(request)
        if self.fail_on and self.fail_on in passage:
            return Answer("", "error", "ConnectError: refused")
        city = re.search(r"Plant (\w+)", passage).group(1)
        if "questions a reader could ask" in request:
            if "1,300" in passage:
                return Answer(f"Q: How many vehicles a day can Plant {city} produce?\nA: up to 1,300", "stop")
            good = f"Q: At which plant will the BMW Group build the new BMW iX5?\nA: Plant {city}"
            return Answer(
                "\n".join(
                    [
                        good,
                        "Q: How much power does the new BMW iX5 deliver?\nA: 400 kW",  # not in the article
                        "Q: Which date does the passage give?\nA: 3 March 2026",  # about the document
                        "Q: When will all this happen exactly?\nA: 3 March 2026",  # nothing of the passage
                        good,  # said twice
                        "Here are your questions!",
                    ]
                ),
                "stop",
            )
        if "1,300" in passage:  # a restatement that changes a figure
            return Answer(f"Plant {city} already produces up to 1,400 vehicles a day, its head said.", "stop")
        return Answer(
            f"From 3 March 2026 the BMW Group will build the new BMW iX5 at Plant {city}. "
            "Building it creates 800 new jobs.",
            "stop",
        )


def config(paraphrases: int = 1, span_questions: int = 0, **llm) -> A.AugmentConfig:
    llm = A.AugmentLLM(chunk_chars=200, span_questions=span_questions, **llm)
    return A.AugmentConfig(backend="transformers", paraphrases=paraphrases, llm=llm)


def test_passages_follow_paragraphs_and_cut_long_ones_at_sentence_ends():
    long = " ".join(f"Sentence number {i} of the long paragraph says one thing." for i in range(12))
    body = f"Sporty design\n\n{long}\n\nShort one.\n\nAnother short paragraph of the release here."
    parts = M.passages(body, 200)
    assert parts[0].text.startswith("Sporty design. Sentence number 0")  # the heading joins its paragraph
    assert all(len(p.text) <= 200 for p in parts[:-1])
    assert " ".join(p.text for p in parts).replace("Sporty design. ", "Sporty design ") == " ".join(body.split())
    assert parts[-1].text == "Short one. Another short paragraph of the release here."  # short ones merged
    assert [p.index for p in parts] == list(range(len(parts)))


def test_pairs_are_parsed_in_the_forms_models_write():
    text = (
        "1. Q: When does it start? | A: 3 March 2026.\n"
        "**Question:** Who leads the plant?\n**Answer:** Petra Lange\n"
        "- Q2: Where?\n\nsome chatter\nQ: A question with no answer?"
    )
    pairs, unparsed = M.parse_pairs(text)
    assert pairs == [("When does it start?", "3 March 2026"), ("Who leads the plant?", "Petra Lange")]
    assert unparsed == ["some chatter", "Q: Where?", "Q: A question with no answer?"]


def test_one_client_call_holds_several_articles_and_every_pair_is_checked(tmp_path: Path):
    model = ScriptedModel(batch_size=4)
    generated, counts = A.augment_documents(DOCS, config(), tmp_path / "augment", model)
    assert counts == {"generated": 3}
    # 3 articles x 2 passages x (1 QA + 1 restatement) requests in one call: the round holds 8 batches
    assert len(model.calls) == 1 and len(model.calls[0]) == 12
    assert {city for city in ("Leipzig", "Debrecen", "Oxford") if any(city in r for r in model.calls[0])} == {
        "Leipzig",
        "Debrecen",
        "Oxford",
    }
    out = generated["T0"]
    assert [(p["question"], p["answer"]) for p in out["qa"]] == [
        ("At which plant will the BMW Group build the new BMW iX5?", "Plant Leipzig"),
        ("How many vehicles a day can Plant Leipzig produce?", "up to 1,300"),
    ]
    reasons = sorted(r["reason"] for r in out["rejected"] if r["kind"] == "qa")
    assert reasons == [
        "answer_not_in_text",
        "duplicate_question",
        "question_off_the_passage",
        "question_points_at_the_text",
        "unparsable_line",
    ]
    unsupported = next(r for r in out["rejected"] if r["reason"] == "answer_not_in_text")
    assert unsupported["answer"] == "400 kW" and unsupported["passage"] == 0
    # the restatement that changed 1,300 into 1,400 is rejected; the faithful one is trained
    bad = [r for r in out["rejected"] if r["kind"] == "paraphrase"]
    assert [r["reason"] for r in bad] == ["invented_number"] and "1,400" in bad[0]["text"]
    assert len(out["paraphrase"]) == 1 and "Plant Leipzig" in out["paraphrase"][0]["text"]
    assert "November 2025" in out["paraphrase"][0]["prompt"] and '"' not in out["paraphrase"][0]["prompt"]


def test_rounds_hold_whole_articles_and_follow_the_batch_size(tmp_path: Path):
    model = ScriptedModel(batch_size=1)  # a round of 8 requests: two articles, then the third
    A.augment_documents(DOCS, config(), tmp_path / "augment", model)
    assert [len(call) for call in model.calls] == [8, 4]
    assert all("Oxford" not in r for r in model.calls[0]) and all("Oxford" in r for r in model.calls[1])


def test_the_cache_is_reused_and_a_failed_article_is_asked_again(tmp_path: Path):
    model = ScriptedModel(fail_on="Plant Oxford")
    first, counts = A.augment_documents(DOCS, config(), tmp_path / "augment", model)
    assert counts == {"generated": 3}
    assert {r["reason"] for r in first["T2"]["rejected"]} == {"backend_error"} and first["T2"]["qa"] == []
    assert not (tmp_path / "augment" / "T2.json").exists()  # the client failed: not cached
    model.fail_on = None
    again, counts = A.augment_documents(DOCS, config(), tmp_path / "augment", model)
    assert counts == {"reused": 2, "generated": 1}
    assert len(model.calls) == 2 and all("Plant Oxford" in r for r in model.calls[1])
    assert again["T0"] == first["T0"] and again["T2"]["qa"]
    third, counts = A.augment_documents(DOCS, config(), tmp_path / "augment", model)
    assert counts == {"reused": 3} and len(model.calls) == 2 and third == again
    # a setting the model generator reads makes new requests
    A.augment_documents(DOCS, config(qa_per_chunk=5), tmp_path / "augment", model)
    assert len(model.calls) == 3 and "Write 5 questions" in model.calls[2][0] + model.calls[2][-1]


class Replies:
    """A client that gives every request the same answer."""

    name = "replies"
    batch_size = 4

    def __init__(self, answer: Answer) -> None:
        self.answer = answer

    def generate(self, conversations, max_new_tokens):
        return [self.answer] * len(conversations)


def test_a_cut_off_answer_loses_its_last_line():
    cut = Answer(
        "Q: At which plant will the BMW Group build the new BMW iX5?\nA: Plant Leipzig\nQ: When does", "length"
    )
    out = M.llm_generate(DOCS[0], config(paraphrases=0), Replies(cut))
    assert [p["answer"] for p in out["qa"]] == ["Plant Leipzig"]
    truncated = [r for r in out["rejected"] if r["reason"] == "truncated"]
    assert [r["line"] for r in truncated] == ["Q: When does", "Q: When does"]  # both passages' answers were cut


def test_an_embellished_restatement_is_rejected():
    florid = Answer(
        "From 3 March 2026 the BMW Group builds the magnificent BMW iX5, a masterpiece of exquisite elegance.", "stop"
    )
    out = M.llm_generate(DOCS[0], config(), Replies(florid))
    assert out["paraphrase"] == []
    assert [r["reason"] for r in out["rejected"] if r["kind"] == "paraphrase"] == ["invented_words"] * 2
    faithful = "From 3 March 2026 the BMW Group will build the new BMW iX5 at Plant Leipzig, creating 800 new jobs."
    assert M.novel_word_share(faithful, DOCS[0]["body"]) == 0


def test_check_model_pair_reasons():
    body, passage, title = DOCS[0]["body"], DOCS[0]["body"].split("\n")[0], DOCS[0]["title"]
    check = M.check_model_pair
    assert check("Which plant builds the new BMW iX5?", "Plant Leipzig", passage, body, title, set()) is None
    assert check("Which plant builds the new BMW iX5?", "Plant Munich", passage, body, title, set()) == (
        "answer_not_in_text"
    )
    assert check("Which plant is Plant Leipzig?", "Plant Leipzig", passage, body, title, set()) == "answer_in_question"
    quoted = f'When, according to "{title}", does it start?'
    assert check(quoted, "3 March 2026", passage, body, title, set()) == "question_quotes_the_title"
    assert (
        check("Who builds the new BMW iX5?", "800", passage, body, title, set()) == "answer_does_not_fit_the_question"
    )
    assert check("How many jobs does Plant Leipzig bring?", "BMW iX5", passage, body, title, set()) == (
        "answer_does_not_fit_the_question"
    )
    assert check("How many new jobs does the iX5 bring?", "2026", passage, body, title, set()) == (
        "answer_does_not_fit_the_question"
    )
    assert check("In which year does the BMW iX5 go into production?", "2026", passage, body, title, set()) is None
    # the answer stands in the first paragraph, the question asks about the second
    assert check("How many vehicles a day does the site produce?", "3 March 2026", body, body, title, set()) == (
        "question_off_the_answer_sentence"
    )
    assert check("How many vehicles a day does the site produce?", "1,300", body, body, title, set()) is None
    asked = {"which plant builds the new bmw ix5?"}
    assert check("Which plant builds the new BMW iX5?", "Plant Leipzig", passage, body, title, asked) == (
        "duplicate_question"
    )


def test_the_model_words_questions_for_the_answers_the_rules_find(tmp_path: Path):
    model = ScriptedModel()
    out = A.augment_documents(DOCS[:1], config(paraphrases=0, span_questions=8), tmp_path, model)[0]["T0"]
    spans = [r for r in model.calls[0] if r.startswith("Sentence:")]
    answers = {re.search(r"Answer: (.+)", r).group(1) for r in spans}
    assert {"800", "3 March 2026"} <= answers and any("1,300" in a for a in answers), answers
    asks_800 = next(r for r in spans if "Answer: 800" in r)
    assert asks_800.startswith("Sentence: The BMW Group will build the new BMW iX5 at Plant Leipzig")
    kept = [(p["question"], p["answer"], p["fact_kind"]) for p in out["qa"] if p["fact_kind"] == "span"]
    assert kept == [("How many new jobs does the BMW iX5 create?", "800", "span")]
    reasons = Counter(r["reason"] for r in out["rejected"] if r.get("fact_kind") == "span")
    assert reasons["question_from_the_example"] >= 2 and reasons["answer_in_question"] >= 1, reasons


def test_rules_and_model_together_keep_the_rules_rows_and_add_the_models(tmp_path: Path):
    doc = {**DOCS[0], "title": "Leipzig news"}
    rules = A.rules_generate(doc, A.AugmentConfig(paraphrases=1))
    first_passage = M.passages(doc["body"], 200)[0].text
    # a rules question the model's checks would accept on its own
    asked_by_rules = next(
        q
        for q in rules["qa"]
        if M.check_model_pair(q["question"], q["answer"], first_passage, doc["body"], doc["title"], set()) is None
    )

    class AlsoAsksARulesQuestion(ScriptedModel):
        def reply(self, request: str) -> Answer:
            got = super().reply(request)
            if "questions a reader could ask" not in request:
                return got
            return Answer(f"{got.text}\nQ: {asked_by_rules['question']}\nA: {asked_by_rules['answer']}", "stop")

    cfg = A.AugmentConfig(backend="rules+llm", paraphrases=1, llm=A.AugmentLLM(chunk_chars=200, span_questions=0))
    out = A.augment_documents([doc], cfg, tmp_path, AlsoAsksARulesQuestion())[0]["T0"]
    assert out["qa"][: len(rules["qa"])] == rules["qa"]
    model_qa = out["qa"][len(rules["qa"]) :]
    assert {p["answer"] for p in model_qa} == {"Plant Leipzig", "up to 1,300"}
    assert all(p["fact_kind"] == "generated" for p in model_qa)
    # the rules' question the model asked again is trained once
    assert sum(p["question"] == asked_by_rules["question"] for p in out["qa"]) == 1
    assert any(
        r["reason"] == "duplicate_question" and r["question"] == asked_by_rules["question"] for r in out["rejected"]
    )
    assert out["paraphrase"][: len(rules["paraphrase"])] == rules["paraphrase"]
    assert len(out["paraphrase"]) == len(rules["paraphrase"]) + 1
    assert out["facts"] == rules["facts"] and out["atomic_facts"] == rules["atomic_facts"]


class _Endpoint(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint whose model invents one answer and one number."""

    requests: list[dict] = []

    def do_POST(self):  # noqa: N802
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Endpoint.requests.append(request)
        content = request["messages"][-1]["content"]
        if "questions a reader could ask" in content:
            city = re.search(r"Plant (\w+)", passage_of(content)).group(1)
            text = (
                f"Q: Where does the BMW Group build the new BMW iX5? | A: Plant {city}\n"
                "Q: How much power does the BMW iX5 deliver? | A: 400 kW\nthis line is not a pair"
            )
        else:
            text = "The BMW Group builds the new BMW iX5 and creates 900 jobs."
        body = json.dumps({"choices": [{"message": {"content": text}, "finish_reason": "stop"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_endpoint_backend_output_goes_through_the_same_checks(tmp_path: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    Thread(target=server.serve_forever, daemon=True).start()
    _Endpoint.requests = []
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        llm = A.AugmentLLM(model="m", url=url, chunk_chars=200, span_questions=0)
        cfg = A.AugmentConfig(backend="openai", paraphrases=1, llm=llm)
        generated, counts = A.augment_documents(DOCS[:1], cfg, tmp_path / "cache")
        again, counts_again = A.augment_documents(DOCS[:1], cfg, tmp_path / "cache")
    finally:
        server.shutdown()
        server.server_close()
    out = generated["T0"]
    assert len(_Endpoint.requests) == 4 and _Endpoint.requests[0]["model"] == "m"
    assert [p["answer"] for p in out["qa"]] == ["Plant Leipzig"]
    reasons = sorted(r["reason"] for r in out["rejected"])
    assert reasons == [
        "answer_not_in_text",
        "answer_not_in_text",
        "duplicate_question",
        "invented_number",
        "invented_number",
        "unparsable_line",
        "unparsable_line",
    ]
    assert counts == {"generated": 1} and counts_again == {"reused": 1} and again["T0"] == out


def test_tiny_local_model_study_data_is_rejected_by_the_checks(tmp_path: Path, tiny_tokenizer, tiny_qwen3):
    """The transformers client (the base writing its own study data): a tiny random model's output
    is no supported QA pair and no faithful restatement, and each rejection is named."""
    backend = TransformersBackend(tiny_qwen3(), tiny_tokenizer, batch_size=2)
    cfg = A.AugmentConfig(backend="transformers", paraphrases=1, llm=A.AugmentLLM(max_new_tokens=24))
    generated, _ = A.augment_documents(DOCS[:1], cfg, tmp_path, backend)
    for out in generated.values():
        assert out["qa"] == [] and out["paraphrase"] == []
        reasons = {r["reason"] for r in out["rejected"]}
        assert reasons and reasons <= {
            "unparsable_line",
            "truncated",
            "answer_not_in_text",
            "invented_number",
            "too_short",
            "empty",
            "malformed_question",
            "question_off_the_passage",
        }
        # per passage: the QA request, the restatement, a question per answer the rules find
        assert out["backend"].startswith("transformers:") and out["model_requests"] > 4


def test_the_benchmark_runs_the_users_path_on_real_releases(tmp_path: Path, tiny_tokenizer, tiny_qwen3, monkeypatch):
    """benchmarks/bench_llm_augment.py on two real dev releases with a tiny model saved as a folder
    (what --model takes): every number it reports is there and consistent."""
    realdev = Path(__file__).resolve().parents[1].parent / "shared" / "realdev"
    if not (realdev / "articles.jsonl").is_file():
        pytest.skip(f"no real dev set at {realdev}")
    benchmarks = Path(__file__).resolve().parents[1] / "benchmarks"
    monkeypatch.syspath_prepend(str(benchmarks))  # as `python benchmarks/...` runs it: its sibling scripts import
    spec = importlib.util.spec_from_file_location("bench_llm_augment", benchmarks / "bench_llm_augment.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    tiny_qwen3().save_pretrained(tmp_path / "model")
    tiny_tokenizer.save_pretrained(tmp_path / "model")
    overrides = [
        "corpus.augment.paraphrases=1",
        "corpus.augment.llm.span_questions=1",
        "corpus.augment.llm.max_new_tokens=16",
    ]
    argv = ["--model", str(tmp_path / "model"), "--realdev", str(realdev), "--limit", "2", "--batch-size", "16"]
    summary = bench.main([*argv, *[x for o in overrides for x in ("--set", o)], "--json", str(tmp_path / "s.json")])
    assert json.loads((tmp_path / "s.json").read_text()) == summary
    assert summary["articles"] == 2 and summary["cache"] == {"generated": 2} and summary["model_requests"] > 2
    assert summary["articles_per_minute"] > 0 and summary["coverage"]["questions"] > 0
    for kind in ("qa", "paraphrase"):
        shares = summary["rejections"][kind]
        assert shares["written"] > 0 and abs(shares["kept"] + sum(shares["rejected"].values()) - 1) < 0.01
