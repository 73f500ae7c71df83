"""The augmentation step's settings: the generator (``corpus.augment``) and the training mixes (``corpus.mix``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from presstune.config.llm_client import LLMClientConfig
from presstune.schema import Strict

#: Bump when the generated rows for the same input change (re-generates every article).
#: 3: quotes over several sentences, the PressClub's "Name (Role):" form, power in two units as one
#: fact, facts chosen kind by kind, questions that cannot tell two facts apart rejected. 4: event
#: names with an elided article ("Concorso d’Eleganza Villa d’Este"), amounts asked as prices or
#: investments when the words before them say so. 5: one person's role once, the whole of it.
#: 8: facts wherever a sentence states them (every figure, date, position and name), asked from
#: their own sentence by a wh-phrase, naming the subject instead of quoting the headline;
#: restatements of standalone sentences with the release's month; fact lists of statements.
AUGMENT_VERSION = "8"
KINDS = ("article", "qa", "paraphrase", "facts", "reading", "replay")

DEFAULT_QA_INSTRUCTION = "Answer the following question in a single brief but complete sentence."


class AugmentLLM(LLMClientConfig):
    """The model backends' settings (the client is the LLM cleaning phase's)."""

    #: "base" (transformers): the run's base model writes its own study data (Active Reading).
    model: str = "base"
    max_new_tokens: int = Field(768, ge=16)
    #: A restatement shorter/longer than these shares of the passage it restates is rejected.
    min_length_ratio: float = 0.3
    max_length_ratio: float = 2.5
    #: A restatement whose content words are more than this share new to the article is rejected
    #: (rewording keeps most words; embellishing brings new ones).
    max_novel_word_share: float = Field(0.3, ge=0, le=1)
    #: The model is asked about passages of about this many characters (paragraphs merged or cut):
    #: short requests are what a small model follows (see presstune.corpus.augment.llm).
    chunk_chars: int = Field(600, ge=100)
    #: Question-answer pairs asked for per passage.
    qa_per_chunk: int = Field(3, ge=1, le=10)
    #: Per passage, at most this many answers the rules find there (figures, dates, names) each
    #: get a question the model words (0 = none): the answer is given, the model writes the question.
    span_questions: int = Field(8, ge=0)


class AugmentConfig(Strict):
    """Generated training rows per train article (see presstune.corpus.augment)."""

    #: "none": no generated rows (the seed recipe); "rules": offline templates; "transformers" /
    #: "openai": a model writes QA pairs and restatements (``llm``); "rules+llm": the rules' rows
    #: plus the model's restatements and extra QA pairs.
    backend: Literal["none", "rules", "transformers", "openai", "rules+llm"] = "rules"
    #: Question wordings per atomic fact (rules backend).
    qa_phrasings: int = Field(2, ge=1, le=5)
    #: At most this many facts per article get QA rows (in text order, kind by kind). The rules
    #: find some 40 facts in a real release, up to about 100 in a long one
    #: (benchmarks/bench_realdev_coverage.py); configs for short replica articles set fewer.
    max_facts: int = Field(96, ge=1)
    #: Restatements (fact sentences in a permuted order) per article.
    paraphrases: int = Field(2, ge=0, le=8)
    #: Fact lists (one fact per line, permuted order) per article.
    fact_lists: int = Field(1, ge=0, le=8)
    #: Reading rows (a mix with ``reading`` > 0): QA pairs per article (one wording per fact,
    #: a seeded sample) asked with the top-k passages, chunked as evaluation chunks them;
    #: keep top_k / passage_words equal to ``evaluate.rag_top_k`` / ``rag_passage_words``.
    reading_per_article: int = Field(4, ge=0)
    reading_top_k: int = Field(3, ge=1)
    reading_passage_words: int = Field(120, ge=10)
    #: Share of train articles whose QA rows are withheld (probe set for qa_probe_*).
    probe_share: float = Field(0.2, ge=0, lt=1)
    #: Share of each non-probe train article's facts (with two wordings or more) whose one wording
    #: is withheld from every mix and written to ``dataset/qa_valid.jsonl``: held-out questions
    #: about trained facts, for a stopping rule. The fact stays trained through its other wordings.
    valid_share: float = Field(0.2, ge=0, lt=1)
    seed: int = 0
    #: Prefix of QA prompts, the way evaluation and `presstune ask` phrase a question (empty = none).
    qa_instruction: str = DEFAULT_QA_INSTRUCTION
    llm: AugmentLLM = Field(default_factory=AugmentLLM)


class MixWeights(Strict):
    """Copies per row of each kind in one epoch (0 = left out; 0.5 = a seeded half)."""

    article: float = Field(1.0, ge=0)
    qa: float = Field(0.0, ge=0)
    paraphrase: float = Field(0.0, ge=0)
    facts: float = Field(0.0, ge=0)
    #: QA pairs asked with retrieved passages in the prompt (see ``reading`` above).
    reading: float = Field(0.0, ge=0)
    #: Share of the final mix taken from ``replay_file`` (general rows against forgetting).
    replay: float = Field(0.0, ge=0, lt=1)
    #: General rows (JSONL, the dataset's row format), or ``base``: the base model's own answers
    #: to presstune's general instructions (self-rehearsal, see presstune.corpus.replay).
    replay_file: str | None = None


#: The seed's recipe: the release itself, nothing generated.
SEED_MIX = MixWeights()
#: The default knowledge recipe.
KNOWLEDGE_MIX = MixWeights(article=1.0, qa=1.0, paraphrase=1.0, facts=1.0)
