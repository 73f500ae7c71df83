"""Knowledge augmentation (``corpus.augment``) and the training mix (``corpus.mix``).

Raw press releases alone do not make their facts extractable (EntiGraph, PIT, Physics of LMs
3.1); several wordings per fact and QA per atomic fact next to the documents do. For every
*train* article this step generates, from the article text only (never the replica's fact
sheets):

* ``qa``: question/answer pairs per atomic fact (figures with units, prices, dates, plants and
  places, people, roles, events, quotes); every answer is a span of the article text, else the
  pair is rejected with a named reason;
* ``paraphrase``: restatements of the article's fact sentences, in seeded permuted orders;
* ``facts``: the article's facts as a list, in a permuted order;
* ``reading``: some of the QA pairs asked with the top-k retrieved passages of the train
  articles in the prompt (the passage holding the answer put in when retrieval missed it), in
  the layout ``rag_qa_train_*`` and ``ask --rag`` use: fine-tuning on closed-book QA alone
  teaches answering from memory over reading the passages (RAFT, Zhang et al. 2024, trains on
  such rows); built from the QA pairs only, so probe articles never get one.

Backends: ``rules`` (offline templates that work on any press release), ``transformers`` (a
local model, e.g. the base itself: self-generated study data) and ``openai`` (any
OpenAI-compatible endpoint); the model backends reuse the LLM cleaning phase's clients
(:mod:`presstune.corpus.llm`) and pass the same guards as the rules. Results are cached per
article (``dataset/augment/<ID>.json``, keyed by a hash of the text and the settings).

A seeded share of the train articles are *probe* articles: their QA rows are withheld from
every mix (their text, paraphrases and fact lists are trained), so evaluation can measure
whether facts learnt from documents alone can be extracted (``qa_probe_*``).

The mix turns rows of each kind into the training file: weight w = w copies of every row of
that kind (a fractional part is a seeded sample); ``replay`` is a share of general rows from
``replay_file``. ``dataset/train.jsonl`` is ``corpus.mix``; each of ``corpus.mixes`` is also
written as ``dataset/train.<name>.jsonl`` for variants that name it (``variants[].mix``).

Validation: for every non-probe train article, one wording of a seeded share of its facts
(``valid_share``) is withheld from every mix and written to ``dataset/qa_valid.jsonl``, one row
per question: ``{"id", "question", "answer", "aliases": [], "fact_kind"}`` — questions about
facts the model is trained on (through their other wordings), in words it never saw, for a
training stopping rule.

Modules: :mod:`.config` (settings), :mod:`.facts` (fact extraction), :mod:`.questions` (question
wordings), :mod:`.guards`, :mod:`.rules` (the rules generator), :mod:`.llm` (the model generator),
:mod:`.rows` (rows, reading rows, the mix), :mod:`.audit` (audit, dataset card), :mod:`.portal` (the
portal profile's brand and publisher names, compiled) and :mod:`.step` (cache, probe split, mixes).
"""

from presstune.config.augment import (
    AUGMENT_VERSION,
    DEFAULT_QA_INSTRUCTION,
    KINDS,
    KNOWLEDGE_MIX,
    SEED_MIX,
    AugmentConfig,
    AugmentLLM,
    MixWeights,
)
from presstune.corpus.augment.audit import audit_against_facts, card_section, ngram_overlap, row_text
from presstune.corpus.augment.facts import Fact, extract_facts, model_names, select_facts, sentences
from presstune.corpus.augment.guards import guard_qa, guard_restatement
from presstune.corpus.augment.llm import llm_generate, make_backend
from presstune.corpus.augment.portal import PRESSCLUB_NAMES, PortalNames
from presstune.corpus.augment.questions import questions_for
from presstune.corpus.augment.rows import apply_mix, generated_rows, reading_passages, reading_rows
from presstune.corpus.augment.rules import rules_generate
from presstune.corpus.augment.step import augment_documents, build_mixes, probe_ids

__all__ = [
    "AUGMENT_VERSION",
    "DEFAULT_QA_INSTRUCTION",
    "KINDS",
    "KNOWLEDGE_MIX",
    "SEED_MIX",
    "AugmentConfig",
    "AugmentLLM",
    "Fact",
    "MixWeights",
    "PRESSCLUB_NAMES",
    "PortalNames",
    "apply_mix",
    "audit_against_facts",
    "augment_documents",
    "build_mixes",
    "card_section",
    "extract_facts",
    "generated_rows",
    "guard_qa",
    "guard_restatement",
    "llm_generate",
    "make_backend",
    "model_names",
    "ngram_overlap",
    "probe_ids",
    "questions_for",
    "reading_passages",
    "reading_rows",
    "row_text",
    "rules_generate",
    "select_facts",
    "sentences",
]
