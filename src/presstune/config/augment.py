"""The augmentation step's settings: the generator (``corpus.augment``) and the training mixes (``corpus.mix``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from presstune.config.llm_client import LLMClientConfig
from presstune.schema import Strict

#: Bump when the generated rows for the same input change (re-generates every article); the
#: commit history says what each version changed.
AUGMENT_VERSION = "10"
KINDS = ("article", "qa", "paraphrase", "facts", "reading", "replay")

DEFAULT_QA_INSTRUCTION = "Answer the following question in a single brief but complete sentence."


class AugmentLLM(LLMClientConfig):
    """The model backends' settings (the client is the LLM cleaning phase's)."""

    model: str = Field(
        "base", description='"base" (transformers): the run\'s base model writes its own study data (Active Reading).'
    )
    max_new_tokens: int = Field(768, ge=16, description="Upper bound on tokens per model answer.")
    min_length_ratio: float = Field(
        0.3, description="A restatement shorter than this share of the passage it restates is rejected."
    )
    max_length_ratio: float = Field(
        2.5, description="A restatement longer than this share of the passage it restates is rejected."
    )
    max_novel_word_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description=(
            "A restatement whose content words are more than this share new to the article is "
            "rejected (rewording keeps most words; embellishing brings new ones)."
        ),
    )
    chunk_chars: int = Field(
        600,
        ge=100,
        description=(
            "The model is asked about passages of about this many characters (paragraphs "
            "merged or cut): short requests are what a small model follows (see "
            "presstune.corpus.augment.llm)."
        ),
    )
    qa_per_chunk: int = Field(3, ge=1, le=10, description="Question-answer pairs asked for per passage.")
    span_questions: int = Field(
        8,
        ge=0,
        description=(
            "Per passage, at most this many answers the rules find there (figures, dates, "
            "names) each get a question the model words (0 = none): the answer is given, the "
            "model writes the question."
        ),
    )


class AugmentConfig(Strict):
    """Generated training rows per train article (see presstune.corpus.augment)."""

    backend: Literal["none", "rules", "transformers", "openai", "rules+llm"] = Field(
        "rules",
        description=(
            '"none": no generated rows (the seed recipe); "rules": offline templates; '
            '"transformers" / "openai": a model writes QA pairs and restatements (`llm`); '
            "\"rules+llm\": the rules' rows plus the model's restatements and extra QA pairs."
        ),
    )
    qa_phrasings: int = Field(2, ge=1, le=5, description="Question wordings per atomic fact (rules backend).")
    qa_answer: Literal["span", "statement"] = Field(
        "span",
        description=(
            'The reply of QA and reading rows: "span" = the answer alone ("Cluj-Napoca."); "statement" = '
            'the fact\'s clause with the answer in place ("BMW TechWorks Romania was founded in Cluj-Napoca."), '
            "the complete sentence the QA instruction asks for, where the rules have one (else the span)."
        ),
    )
    max_facts: int = Field(
        96,
        ge=1,
        description=(
            "At most this many facts per article get QA rows (in text order, kind by kind). "
            "The rules find some 40 facts in a real release, up to about 100 in a long one "
            "(benchmarks/bench_realdev_coverage.py); configs for short replica articles set "
            "fewer."
        ),
    )
    paraphrases: int = Field(
        2, ge=0, le=8, description="Restatements (fact sentences in a permuted order) per article."
    )
    fact_lists: int = Field(1, ge=0, le=8, description="Fact lists (one fact per line, permuted order) per article.")
    reading_per_article: int = Field(
        4,
        ge=0,
        description=(
            "Reading rows (a mix with reading > 0): QA pairs per article asked with the top-k "
            "passages, chunked as evaluation chunks them."
        ),
    )
    reading_top_k: int = Field(3, ge=1, description="Passages per reading row; keep equal to evaluate.rag_top_k.")
    reading_passage_words: int = Field(
        120, ge=10, description="Words per passage of a reading row; keep equal to evaluate.rag_passage_words."
    )
    probe_share: float = Field(
        0.2, ge=0, lt=1, description="Share of train articles whose QA rows are withheld (probe set for qa_probe_*)."
    )
    valid_share: float = Field(
        0.2,
        ge=0,
        lt=1,
        description=(
            "Share of each non-probe train article's facts (with two wordings or more) whose "
            "one wording is withheld from every mix and written to `dataset/qa_valid.jsonl`: "
            "held-out questions about trained facts, for a stopping rule. The fact stays "
            "trained through its other wordings."
        ),
    )
    seed: int = Field(0, description="Seed of the generated rows' sampling.")
    qa_instruction: str = Field(
        DEFAULT_QA_INSTRUCTION,
        description="Prefix of QA prompts, the way evaluation and `presstune ask` phrase a question (empty = none).",
    )
    llm: AugmentLLM = Field(default_factory=AugmentLLM, description="The model backends' settings.")


class MixWeights(Strict):
    """Copies per row of each kind in one epoch (0 = left out; 0.5 = a seeded half)."""

    article: float = Field(1.0, ge=0, description="Copies of each article row (the release itself).")
    qa: float = Field(0.0, ge=0, description="Copies of each generated QA row.")
    paraphrase: float = Field(0.0, ge=0, description="Copies of each restatement row.")
    facts: float = Field(0.0, ge=0, description="Copies of each fact-list row.")
    reading: float = Field(
        0.0, ge=0, description="Copies of each reading row (QA asked with retrieved passages in the prompt)."
    )
    replay: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Share of the final mix taken from `replay_file` (general rows against forgetting).",
    )
    replay_file: str | None = Field(
        None,
        description=(
            "General rows (JSONL, the dataset's row format), or `base`: the base model's own "
            "answers to presstune's general instructions (self-rehearsal, see "
            "presstune.corpus.replay)."
        ),
    )


#: The seed's recipe: the release itself, nothing generated.
SEED_MIX = MixWeights()
#: The default knowledge recipe.
KNOWLEDGE_MIX = MixWeights(article=1.0, qa=1.0, paraphrase=1.0, facts=1.0)
