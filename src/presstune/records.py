"""The typed records of the files stages hand over (docs/architecture.md's table lists who writes
and who reads each file).

Two kinds, chosen by how a file is read:

* **pydantic** for a file another stage reads from disk, where a bad line must fail on reading
  with its file, line and field (:class:`RecordFileError`), not as a ``KeyError`` deep inside the
  reading stage: the collected articles (:class:`ArticleRecord`), the held-out questions
  (:class:`HeldOutQuestion`), the fact sheets (:class:`FactSheetLine`), the probe file
  (:class:`ProbeFile`) and the metrics document (:class:`MetricsDocument`) are models. The corpus
  documents (:class:`CorpusDocument`) and the per-question metric rows (:class:`QuestionRow`) are
  TypedDicts that pydantic validates on reading (:func:`read_documents`, :func:`read_question_rows`):
  they flow on as dicts into helpers other stages share (retrieval passages, QA templates, the
  report's tables), so the reader checks them and hands on the dicts.
* **TypedDict, never validated**, for rows that flow to libraries as dicts and stay hot: the
  training rows (:class:`TrainingRow`: TRL's SFTTrainer and ``datasets`` take dicts, and a build
  writes tens of thousands; the trainer checks each row itself, ``presstune.train.data``) and the
  generator's QA items (:class:`GeneratedQA`, cached per article by the corpus stage and read back
  only by it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NotRequired, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic validates typing_extensions' TypedDict on Python < 3.12

# -- collect -> corpus: articles.jsonl ---------------------------------------------------------


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    #: "pdf" for the printable version and other PDFs; "other" for anything else linked.
    type: Literal["pdf", "other"] = "pdf"
    label: str | None = None  # e.g. "Printable version"
    language: str | None = None  # e.g. "EN" from "PDF, EN, 234.82 KB"
    size_label: str | None = None  # e.g. "234.82 KB" as the page states it
    #: Path relative to the run directory (``pdfs/<ARTICLE_ID>[-n].pdf``) once downloaded.
    path: str | None = None
    status: Literal["pending", "ok", "failed", "skipped"] = "pending"
    error: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    #: Validators of the downloaded file, for conditional requests on re-runs (added by collect).
    etag: str | None = None
    last_modified: str | None = None


class ArticleRecord(BaseModel):
    """One line of ``<run>/articles.jsonl``: written by collect, read by corpus."""

    model_config = ConfigDict(extra="forbid")

    id: str  # e.g. "T0454343EN"
    language: str  # lower-case ISO code from the id suffix / page: "en", "de", "en_gb", ...
    url: str
    title: str
    subtitle: str | None = None
    #: ISO 8601 with offset, e.g. "2025-12-05T08:34:40+01:00" (date-only pages: T00:00:00).
    date: str | None = None
    body: str = ""  # page body text, paragraphs separated by a blank line
    tags: list[str] = []
    attachments: list[Attachment] = []
    lastmod: str | None = None  # from the sitemap
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str | None = None
    #: "static" (plain HTTP) or "browser" (Playwright fallback).
    fetched_with: Literal["static", "browser"] = "static"


# -- corpus -> train, models, evaluate: dataset/{train,eval}.jsonl and the mixes ----------------


class ChatMessage(TypedDict):
    role: str  # "system" | "user" | "assistant"
    content: str


class RowMeta(TypedDict, total=False):
    """The document's metadata a training row carries: all of it from the corpus stage
    (``corpus.format.meta``), none in the demo base's instruction conversations."""

    id: str
    family_id: str
    language: str
    date: str  # YYYY-MM-DD, or "" when the document has none
    title: str
    source: str
    style: str  # corpus.style: "instruct" | "article" | "qa"


class TrainingRow(TypedDict, total=False):
    """One training row: a chat row (``prompt`` and ``completion`` messages, rendered by the
    tokenizer's chat template) or a text row (``text``), with its document's metadata and its
    ``kind`` in the mix ("article", "qa", "paraphrase", "facts", "reading", "replay"). Replay rows
    of a general-instruction file carry only an ``id`` and a ``source`` besides the messages."""

    prompt: list[ChatMessage]
    completion: list[ChatMessage]
    text: str
    id: str
    family_id: str
    language: str
    date: str
    title: str
    source: str
    style: str
    answer: str  # QA rows: the span asked about, whatever the reply (corpus.augment.qa_answer)
    kind: str
    cut_off: bool  # self-rehearsal rows: the base model's answer stopped at its token limit


# -- corpus (augment) -> corpus: the generator's QA items in dataset/augment/<ID>.json ---------


class GeneratedQA(TypedDict):
    """One question the training generator asks about a fact of an article."""

    question: str
    answer: str
    fact_kind: str  # "number", "person", "date", ... (rules); "span" / "generated" (a model)
    phrasing: int  # 0 for a fact's first wording, 1, 2, ... for the others
    fact: NotRequired[int]  # the fact's index in the article (rules); wordings of one fact share it
    passage: NotRequired[int]  # the passage of the release a model was asked about (model generators)
    #: The clause that states the fact, the reply of ``corpus.augment.qa_answer: statement`` (rules,
    #: where the clause holds the answer as asked).
    statement: NotRequired[str]


# -- corpus (augment) -> train (selection): dataset/qa_valid.jsonl -----------------------------


class HeldOutQuestion(BaseModel):
    """One held-out wording of a trained fact: a line of ``dataset/qa_valid.jsonl``."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""  # the article's id
    question: str
    answer: str
    aliases: list[str] = []
    fact_kind: str = ""


# -- corpus (augment) -> evaluate: dataset/probe.json -------------------------------------------


class ProbeFile(BaseModel):
    """``dataset/probe.json``: the train articles whose generated QA rows were withheld."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    articles: list[str] = []
    share: float | None = None
    seed: int | None = None
    withheld_qa_rows: int | None = None
    definition: str = ""


# -- corpus -> evaluate, report, use: dataset/documents.jsonl ----------------------------------


@with_config(ConfigDict(extra="allow"))
class CorpusDocument(TypedDict):
    """One kept document of ``dataset/documents.jsonl`` with its split. The corpus stage writes
    every field; a reader needs the required ones (the rest may be missing in a file an older
    version wrote, as ``teaser`` is)."""

    id: str
    family_id: NotRequired[str]
    language: NotRequired[str]
    date: NotRequired[str]  # YYYY-MM-DD, or ""
    title: str
    split: str  # "train" | "eval"
    source: NotRequired[str]  # where the body came from ("pdf", "html", "llm", ...)
    chars: NotRequired[int]
    teaser: NotRequired[str]
    body: str


# -- you / the replica -> evaluate, corpus (audit): facts.jsonl, replica_facts.jsonl ------------


class FactQuestion(BaseModel):
    """One question of a fact sheet. Accepted answers: ``answer``, ``answers`` (all accepted, the
    first canonical) and ``aliases`` (``presstune.evaluate.qa.fact_answers``)."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    question: str | None = None
    answer: str | None = None
    answers: list[str] | None = None
    aliases: list[str] | None = None
    fact_key: str | None = None
    kind: str | None = None  # the real dev set's name for fact_key


class FactSheetLine(FactQuestion):
    """One line of a facts file, in either form: a fact sheet (``{id, title, qa: [...]}``, one line
    per article, as the replica writes) or one question (``{article_id, question, answer, aliases,
    kind}``, as the real dev set's questions.jsonl): :meth:`entries` gives the questions of both."""

    id: str | None = None
    article_id: str | None = None
    title: str | None = None
    qa: list[FactQuestion] | None = None

    @property
    def article(self) -> str:
        return str(self.id or self.article_id or "")

    def entries(self) -> list[FactQuestion]:
        """The line's questions: its ``qa`` list, or the line itself in the one-question form."""
        if "qa" in self.model_fields_set or "question" not in self.model_fields_set:
            return list(self.qa or [])
        return [self]


# -- evaluate -> report, use, pipeline: metrics/<variant>.json, metrics/<set>/<variant>.jsonl ---


class MetricsDocument(BaseModel):
    """``metrics/<variant>.json``: every number of one variant with what it was measured on."""

    model_config = ConfigDict(extra="allow")

    variant: str = ""
    source: dict[str, Any] = {}
    created: str | None = None
    device: str | None = None
    dtype: str | None = None
    settings: dict[str, Any] = {}
    inputs: dict[str, Any] = {}
    inputs_key: str | None = None
    #: metric name -> its value with ``definition``, sample size, interval (a dict), or a plain number
    metrics: dict[str, Any] = {}
    errors: list[str] = []
    seconds: dict[str, float] = {}
    hardware: dict[str, Any] = {}


@with_config(ConfigDict(extra="allow"))
class QuestionRow(TypedDict, total=False):
    """One asked question of a QA set: a line of ``metrics/<set>/<variant>.jsonl`` (``qa``,
    ``qa_train``, ``qa_probe``, ``rag_qa_train``, ``qa_seen``). Rows written before ``gold`` was
    added name the gold answer ``answer`` and the model's ``prediction``."""

    qid: str
    article_id: str
    question: str
    fact_key: str
    source: str
    aliases: list[str]
    gold: str
    answer: str
    prediction: str
    exact_match: bool
    contains_answer: bool
    answer_logprob: float
    answer_tokens: int
    retrieved_articles: list[str]
    retrieved_right_article: bool
    answer_in_train_text: bool  # held-out rows: the gold answer stands in a train-split document


# -- reading ------------------------------------------------------------------------------------


class RecordFileError(ValueError):
    """A record file holds a line that is not the record it should be (message: file, line, why)."""


T = TypeVar("T")


def _why(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in exc.errors())


def read_records(path: str | Path, validate: Callable[[Any], T], what: str) -> list[T]:
    """Every line of the JSONL file ``path`` checked by ``validate`` (a pydantic validator), in file
    order; blank lines are skipped, a missing file reads as no records. A line that is no JSON or
    not ``what`` raises :class:`RecordFileError` naming the file and the line."""
    path = Path(path)
    if not path.exists():
        return []
    out: list[T] = []
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, 1):
            line = raw.strip()
            if not line:
                continue
            try:
                value = json.loads(line.decode("utf-8"))
            except json.JSONDecodeError as exc:
                raise RecordFileError(f"{path}:{line_no}: invalid JSON ({exc.msg})") from None
            except UnicodeDecodeError:
                raise RecordFileError(f"{path}:{line_no}: invalid JSON (not UTF-8)") from None
            if not isinstance(value, dict):
                raise RecordFileError(f"{path}:{line_no}: not a JSON object") from None
            try:
                out.append(validate(value))
            except ValidationError as exc:
                raise RecordFileError(f"{path}:{line_no}: not {what}: {_why(exc)}") from None
    return out


_DOCUMENT = TypeAdapter(CorpusDocument)
_QUESTION_ROW = TypeAdapter(QuestionRow)


def read_documents(path: str | Path) -> list[CorpusDocument]:
    """``dataset/documents.jsonl``, every line checked."""
    return read_records(path, _DOCUMENT.validate_python, "a corpus document")


def read_question_rows(path: str | Path) -> list[QuestionRow]:
    """``metrics/<set>/<variant>.jsonl``, every line checked."""
    return read_records(path, _QUESTION_ROW.validate_python, "an asked question's row")


def read_held_out_questions(path: str | Path) -> list[HeldOutQuestion]:
    """``dataset/qa_valid.jsonl``, every line checked."""
    return read_records(path, HeldOutQuestion.model_validate, "a held-out question (id, question, answer, ...)")


def read_fact_sheets(path: str | Path) -> list[FactSheetLine]:
    """A facts file (``facts.jsonl``, ``replica_facts.jsonl``), every line checked."""
    return read_records(path, FactSheetLine.model_validate, "a fact sheet or a question")


def metrics_document(path: str | Path, raw: Any) -> MetricsDocument:
    """The parsed content of ``metrics/<variant>.json`` (``path``, for the message) as a document."""
    try:
        return MetricsDocument.model_validate(raw)
    except ValidationError as exc:
        raise RecordFileError(f"{path}: not a metrics document: {_why(exc)}") from None
