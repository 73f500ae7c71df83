import re
from typing import Literal

from pydantic import Field, field_validator

from presstune.config.augment import KNOWLEDGE_MIX, SEED_MIX, AugmentConfig, MixWeights
from presstune.config.llm_client import LLMClientConfig
from presstune.config.replay import ReplayConfig
from presstune.schema import Strict

#: Every corpus step by name, in the format phase's default order. The settings are validated
#: against it without importing the steps; :mod:`presstune.corpus.steps` registers one class
#: under each name (a test keeps the two lists equal).
CORPUS_STEPS: tuple[str, ...] = (
    "length_filter",
    "language_filter",
    "exact_dedup",
    "release_links",
    "near_dedup",
    "headline_links",
    "families",
    "split",
    "leak_check",
    "format_rows",
    "augment",
    "scrub_pii",
    "measure_tokens",
    "write_dataset",
)


class LLMConfig(LLMClientConfig):
    """The optional LLM cleaning phase; its output is only kept when every guard passes."""

    #: "transformers": a local model (batched generate); "openai": any OpenAI-compatible endpoint.
    backend: Literal["transformers", "openai"] = "transformers"
    model: str = "Qwen/Qwen3-8B"
    #: Upper bound; the actual budget is min(max_new_tokens, input tokens * 1.3 + 64).
    max_new_tokens: int = Field(4096, ge=1)
    #: Guards: reject output shorter than this share of the input (characters).
    min_length_ratio: float = 0.6
    #: ... or longer than this share (the model rambles / invents).
    max_length_ratio: float = 1.1
    #: ... or whose word n-grams (size novel_ngram) are missing from the input above this share.
    max_novel_ngram_share: float = 0.1
    novel_ngram: int = 3
    #: Documents longer than this (characters) are not sent (kept as the regex version).
    max_input_chars: int = 24000
    system_prompt: str = (
        "You clean press releases extracted from PDFs. Return the article body only: remove "
        "page headers and footers, contact blocks, company boilerplate, legal and consumption "
        "disclaimers and links. Do not add, rephrase or summarise anything. Keep paragraphs "
        "separated by one blank line. Output the cleaned text and nothing else."
    )


class CorpusConfig(Strict):
    """Corpus building: extraction, cleaning, filters, split and chat formatting."""

    phase: Literal["regex", "llm", "format", "all", "no-llm"] = "no-llm"
    style: Literal["instruct", "article", "qa"] = "instruct"
    train_ratio: float = Field(0.9, gt=0, lt=1)
    split: Literal["family", "date"] = "family"
    languages: list[str] = ["en"]
    min_chars: int = Field(200, ge=1)
    #: Documents longer than this (characters) are dropped (reason too_long): one document
    #: must not outweigh the corpus (a whole attached book as one row).
    max_chars: int | None = Field(200_000, ge=1)
    #: Seed of the family split (deterministic given the same documents).
    seed: int = 0

    # -- extraction -----------------------------------------------------------------------
    #: PDF text engine. pypdfium2 (Apache-2.0/BSD) was picked by benchmarks/bench_corpus.py;
    #: pypdf is the baseline. PyMuPDF is not offered: its AGPL licence would bind the package.
    pdf_engine: Literal["pypdfium2", "pypdf"] = "pypdfium2"
    #: A PDF with fewer extracted characters than this counts as having no text layer.
    min_pdf_chars: int = 40
    #: Use the PDF when its text is at least this share of the page body's length (else the page).
    min_pdf_to_html_ratio: float = 0.5
    #: ... and at most this multiple of it (a 2,000-page annual report attached as the
    #: printable version is not the release; the page body is used, note pdf_much_longer).
    max_pdf_to_html_ratio: float = Field(5.0, gt=1)
    #: Reject a PDF whose detected language differs from the article's (some EN articles link a
    #: German PDF first); the next attachment or the page body is used instead.
    check_pdf_language: bool = True
    #: Processes of the extract phase (one document per task, results in the records' order):
    #: None = every CPU this process may use (``os.sched_getaffinity``), 1 = in this process.
    #: The output does not depend on it; a run with few documents to extract stays in-process.
    workers: int | None = Field(None, ge=1)

    # -- cleaning -------------------------------------------------------------------------
    #: A line is a running header/footer when it recurs (digits normalised) on at least this
    #: share of pages (and on 2 or more pages) within the top/bottom zone of each page.
    header_footer_share: float = 0.5
    #: Lines from the top and bottom of each page considered as header/footer zone.
    header_footer_zone: int = 6
    #: Remove the portal's boilerplate blocks (contacts, company paragraph, disclaimers ...).
    remove_boilerplate: bool = True

    # -- filters --------------------------------------------------------------------------
    #: MinHash/LSH near-duplicate threshold (estimated Jaccard of word shingles).
    near_dup_threshold: float = Field(0.7, gt=0, le=1)
    shingle_size: int = Field(5, ge=1)
    minhash_perm: int = Field(128, ge=16)
    #: Drop near-duplicates (keep one per cluster: the preferred language, then the longest).
    drop_near_duplicates: bool = True
    #: Documents published within this many days whose normalised headlines match (rapidfuzz
    #: ratio >= headline_similarity) are one family: regional republications (EN_GB/EN_US)
    #: edited below the MinHash threshold.
    headline_window_days: float = Field(7.0, ge=0)
    headline_similarity: float = Field(0.9, gt=0, le=1)
    #: Independent leak check (train x eval pairs re-tested directly): a pair leaks when its
    #: headlines match within the window or its bodies' word-shingle Jaccard is at least this
    #: (republications seen on the real portal: 0.4-0.7; unrelated templated releases of the
    #: replica reach 0.35).
    leak_jaccard: float = Field(0.4, gt=0, le=1)

    # -- privacy --------------------------------------------------------------------------
    #: Replace phone numbers and e-mail addresses in every row and document before writing.
    scrub_pii: bool = True

    # -- formatting -----------------------------------------------------------------------
    #: Tokenizer for chat templates and token lengths (hub id or local path).
    tokenizer: str = "Qwen/Qwen3-8B"
    #: The system turn of every chat row, and of evaluation and `presstune ask` prompts; "" = no
    #: system turn at all (configs/demo.yaml: its model is trained here and follows none).
    system_prompt: str = "You are a helpful assistant that knows the company's press releases."
    #: QA style: questions per article (templated from the article's own sentences).
    qa_per_article: int = Field(3, ge=1)
    #: Drop formatted rows longer than this many tokens (counted as rows_over_max_tokens), so
    #: no row outweighs the rest; None = keep all (the trainer truncates).
    max_tokens: int | None = Field(8192, ge=1)

    #: The format phase's steps in order (names from corpus/steps.py); None = the default list.
    format_steps: list[str] | None = None

    llm: LLMConfig = Field(default_factory=LLMConfig)

    # -- knowledge augmentation and the training mix (presstune.corpus.augment) --------------
    augment: AugmentConfig = Field(default_factory=AugmentConfig)
    #: The mix every variant trains on (dataset/train.jsonl).
    mix: MixWeights = Field(default_factory=lambda: KNOWLEDGE_MIX.model_copy())
    #: Further named mixes, written as dataset/train.<name>.jsonl for variants that name one
    #: (``variants[].mix``); "seed" = the seed recipe (the release only), for the ablation.
    mixes: dict[str, MixWeights] = Field(default_factory=lambda: {"seed": SEED_MIX.model_copy()})
    #: Self-rehearsal rows for mixes with ``replay_file: base`` (presstune.corpus.replay).
    replay: ReplayConfig = Field(default_factory=ReplayConfig)

    @field_validator("mixes")
    @classmethod
    def _mix_names(cls, value: dict[str, MixWeights]) -> dict[str, MixWeights]:
        for name in value:
            if name == "default" or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
                raise ValueError(f"mix name {name!r}: letters, digits, '-' and '_' only, and not 'default'")
        return value

    @field_validator("format_steps")
    @classmethod
    def _known_steps(cls, names: list[str] | None) -> list[str] | None:
        unknown = [n for n in names or [] if n not in CORPUS_STEPS]
        if unknown:
            raise ValueError(f"unknown corpus step(s) {unknown}; known: {sorted(CORPUS_STEPS)}")
        return names
