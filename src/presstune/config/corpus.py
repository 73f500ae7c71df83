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

    backend: Literal["transformers", "openai"] = Field(
        "transformers",
        description='"transformers": a local model (batched generate); "openai": any OpenAI-compatible endpoint.',
    )
    model: str = Field(
        "Qwen/Qwen3-8B",
        description=(
            "The cleaning model: hub id or local path (transformers), or the model name sent to the endpoint (openai)."
        ),
    )
    max_new_tokens: int = Field(
        4096, ge=1, description="Upper bound; the actual budget is min(max_new_tokens, input tokens * 1.3 + 64)."
    )
    min_length_ratio: float = Field(
        0.6, description="Guard: reject output shorter than this share of the input (characters)."
    )
    max_length_ratio: float = Field(
        1.1, description="Guard: reject output longer than this share of the input (the model rambles or invents)."
    )
    max_novel_ngram_share: float = Field(
        0.1,
        description=(
            "Guard: reject output whose word n-grams (size novel_ngram) are missing from the input above this share."
        ),
    )
    novel_ngram: int = Field(3, description="Size of the word n-grams the novelty guard compares.")
    max_input_chars: int = Field(
        24000, description="Documents longer than this (characters) are not sent (kept as the regex version)."
    )
    system_prompt: str = Field(
        "You clean press releases extracted from PDFs. Return the article body only: remove "
        "page headers and footers, contact blocks, company boilerplate, legal and consumption "
        "disclaimers and links. Do not add, rephrase or summarise anything. Keep paragraphs "
        "separated by one blank line. Output the cleaned text and nothing else.",
        description="The cleaning instruction: remove boilerplate, change nothing else.",
    )


class CorpusConfig(Strict):
    """Corpus building: extraction, cleaning, filters, split and chat formatting."""

    phase: Literal["regex", "llm", "format", "all", "no-llm"] = Field(
        "no-llm",
        description="Phases to run: regex (extract + clean), llm, format, no-llm (extract, clean, format) or all.",
    )
    style: Literal["instruct", "article", "qa"] = Field(
        "instruct",
        description=(
            "Row format: instruct (a chat that asks for the release by title and date), "
            "article (plain text) or qa (templated questions)."
        ),
    )
    train_ratio: float = Field(
        0.9, gt=0, lt=1, description="Share of documents in the train split; the rest is the eval split."
    )
    split: Literal["family", "date"] = Field(
        "family",
        description=(
            "How the eval split is chosen: family (whole families of republications, seeded) "
            "or date (the newest families)."
        ),
    )
    languages: list[str] = Field(["en"], description="Languages kept (detected from the text).")
    min_chars: int = Field(
        200, ge=1, description="Documents shorter than this (characters) are dropped (reason too_short)."
    )
    max_chars: int | None = Field(
        200_000,
        ge=1,
        description=(
            "Documents longer than this (characters) are dropped (reason too_long): one "
            "document must not outweigh the corpus (a whole attached book as one row)."
        ),
    )
    seed: int = Field(0, description="Seed of the family split (deterministic given the same documents).")

    # -- extraction -----------------------------------------------------------------------
    pdf_engine: Literal["pypdfium2", "pypdf"] = Field(
        "pypdfium2",
        description=(
            "PDF text engine. pypdfium2 (Apache-2.0/BSD) was picked by "
            "benchmarks/bench_corpus.py; pypdf is the baseline. PyMuPDF is not offered: its "
            "AGPL licence would bind the package."
        ),
    )
    min_pdf_chars: int = Field(
        40, description="A PDF with fewer extracted characters than this counts as having no text layer."
    )
    min_pdf_to_html_ratio: float = Field(
        0.5, description="Use the PDF when its text is at least this share of the page body's length (else the page)."
    )
    max_pdf_to_html_ratio: float = Field(
        5.0,
        gt=1,
        description=(
            "... and at most this multiple of it (a 2,000-page annual report attached as the "
            "printable version is not the release; the page body is used, note "
            "pdf_much_longer)."
        ),
    )
    check_pdf_language: bool = Field(
        True,
        description=(
            "Reject a PDF whose detected language differs from the article's (some EN "
            "articles link a German PDF first); the next attachment or the page body is used "
            "instead."
        ),
    )
    workers: int | None = Field(
        None,
        ge=1,
        description=(
            "Processes of the extract phase (one document per task, results in the records' "
            "order): None = every CPU this process may use (`os.sched_getaffinity`), 1 = in "
            "this process. The output does not depend on it; a run with few documents to "
            "extract stays in-process."
        ),
    )

    # -- cleaning -------------------------------------------------------------------------
    header_footer_share: float = Field(
        0.5,
        description=(
            "A line is a running header/footer when it recurs (digits normalised) on at least "
            "this share of pages (and on 2 or more pages) within the top/bottom zone of each "
            "page."
        ),
    )
    header_footer_zone: int = Field(
        6, description="Lines from the top and bottom of each page considered as header/footer zone."
    )
    remove_boilerplate: bool = Field(
        True, description="Remove the portal's boilerplate blocks (contacts, company paragraph, disclaimers ...)."
    )

    # -- filters --------------------------------------------------------------------------
    near_dup_threshold: float = Field(
        0.7, gt=0, le=1, description="MinHash/LSH near-duplicate threshold (estimated Jaccard of word shingles)."
    )
    shingle_size: int = Field(5, ge=1, description="Words per shingle in the MinHash near-duplicate check.")
    minhash_perm: int = Field(
        128, ge=16, description="MinHash permutations: more estimate Jaccard more exactly, at more cost."
    )
    drop_near_duplicates: bool = Field(
        True, description="Drop near-duplicates (keep one per cluster: the preferred language, then the longest)."
    )
    headline_window_days: float = Field(
        7.0,
        ge=0,
        description=(
            "Documents published within this many days whose normalised headlines match "
            "(headline_similarity) are one family: regional republications edited below the "
            "MinHash threshold."
        ),
    )
    headline_similarity: float = Field(
        0.9,
        gt=0,
        le=1,
        description="rapidfuzz ratio at which two normalised headlines match (see headline_window_days).",
    )
    leak_jaccard: float = Field(
        0.4,
        gt=0,
        le=1,
        description=(
            "Independent leak check (train x eval pairs re-tested directly): a pair leaks "
            "when its headlines match within the window or its bodies' word-shingle Jaccard "
            "is at least this (republications seen on the real portal: 0.4-0.7; unrelated "
            "templated releases of the replica reach 0.35)."
        ),
    )

    # -- privacy --------------------------------------------------------------------------
    scrub_pii: bool = Field(
        True, description="Replace phone numbers and e-mail addresses in every row and document before writing."
    )

    # -- formatting -----------------------------------------------------------------------
    tokenizer: str = Field(
        "Qwen/Qwen3-8B", description="Tokenizer for chat templates and token lengths (hub id or local path)."
    )
    system_prompt: str = Field(
        "You are a helpful assistant that knows the company's press releases.",
        description=(
            "The system turn of every chat row, and of evaluation and `presstune ask` "
            'prompts; "" = no system turn at all (configs/demo.yaml: its model is trained '
            "here and follows none)."
        ),
    )
    qa_per_article: int = Field(
        3, ge=1, description="QA style: questions per article (templated from the article's own sentences)."
    )
    max_tokens: int | None = Field(
        8192,
        ge=1,
        description=(
            "Drop formatted rows longer than this many tokens (counted as "
            "rows_over_max_tokens), so no row outweighs the rest; None = keep all (the "
            "trainer truncates)."
        ),
    )

    format_steps: list[str] | None = Field(
        None, description="The format phase's steps in order (names from corpus/steps.py); None = the default list."
    )

    llm: LLMConfig = Field(default_factory=LLMConfig, description="The optional LLM cleaning phase.")

    # -- knowledge augmentation and the training mix (presstune.corpus.augment) --------------
    augment: AugmentConfig = Field(
        default_factory=AugmentConfig,
        description="Generated training rows per train article (QA, restatements, fact lists, reading rows).",
    )
    mix: MixWeights = Field(
        default_factory=lambda: KNOWLEDGE_MIX.model_copy(),
        description="The mix every variant trains on (dataset/train.jsonl).",
    )
    mixes: dict[str, MixWeights] = Field(
        default_factory=lambda: {"seed": SEED_MIX.model_copy()},
        description=(
            "Further named mixes, written as dataset/train.<name>.jsonl for variants that "
            'name one (`variants[].mix`); "seed" = the seed recipe (the release only), for '
            "the ablation."
        ),
    )
    replay: ReplayConfig = Field(
        default_factory=ReplayConfig,
        description="Self-rehearsal rows for mixes with `replay_file: base` (presstune.corpus.replay).",
    )

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
