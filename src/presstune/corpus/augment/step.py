"""The augment step: per-article generation with its cache, the probe split, and the training mixes."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presstune.config.augment import AUGMENT_VERSION, AugmentConfig
from presstune.console import step as console_step
from presstune.corpus.augment.audit import audit_against_facts, row_text
from presstune.corpus.augment.llm import MODEL_GENERATOR_VERSION, generate_with_model, make_backend
from presstune.corpus.augment.portal import PortalNames
from presstune.corpus.augment.rows import apply_mix, as_text_row, generated_rows, qa_reply, reading_rows
from presstune.corpus.augment.rules import rules_generate
from presstune.corpus.keys import input_hash, safe_file_name
from presstune.corpus.replay import self_replay_rows
from presstune.portal import PRESSCLUB, PortalProfile
from presstune.prompts import qa_prompt
from presstune.records import GeneratedQA, HeldOutQuestion, ProbeFile, TrainingRow
from presstune.rundir import RunDir, atomic_write_json, write_jsonl


def probe_ids(ids: list[str], share: float, seed: int) -> set[str]:
    """A seeded share of ``ids`` (lowest ranks of a hash: stable when other ids come and go)."""
    n = int(round(share * len(ids)))
    ranked = sorted(ids, key=lambda i: hashlib.sha256(f"probe:{seed}:{i}".encode()).hexdigest())
    return set(ranked[:n])


def augment_documents(
    docs: list[dict[str, Any]], cfg: AugmentConfig, cache_dir: Path, backend=None, profile: PortalProfile = PRESSCLUB
) -> tuple[dict[str, dict[str, Any]], Counter]:
    """Generated rows per document id (cached per article); counts of reused/generated. The
    releases are ``profile``'s portal's: its brand and publisher names go into the rules."""
    out: dict[str, dict[str, Any]] = {}
    counts: Counter = Counter()
    if cfg.backend == "none":
        return out, counts
    backend = make_backend(cfg, backend)
    backend_name = getattr(backend, "name", cfg.backend)
    # What the generator does not read stays out of the key (changing it must not re-generate).
    # (probe_share, valid_share and qa_answer shape the rows of the mix from the generated items: build_mixes)
    unread = {
        "probe_share",
        "valid_share",
        "qa_answer",
        "llm",
        "reading_per_article",
        "reading_top_k",
        "reading_passage_words",
    }
    settings = {"v": AUGMENT_VERSION, "backend": backend_name, **cfg.model_dump(exclude=unread)}
    names_of = PortalNames.of(profile)
    # what the rules read of the profile: its names, and where a release's own text ends
    settings["portal"] = {
        "brands": profile.brands.model_dump(),
        "text_ends": profile.boilerplate.text_ends,
        "company_profile": profile.boilerplate.company_profile,
    }
    if cfg.backend != "rules":
        settings["llm"] = cfg.llm.model_dump(exclude={"api_key_env", "timeout", "concurrency", "batch_size"})
        settings["model_generator"] = MODEL_GENERATOR_VERSION
    todo: list[tuple[dict[str, Any], str, Path]] = []
    for doc in docs:
        # questions and restatements name the release's month (rules and model prompts): an input
        h = input_hash(settings, doc.get("title"), doc.get("body"), str(doc.get("date") or "")[:7])
        path = cache_dir / f"{safe_file_name(str(doc['id']))}.json"
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            old = None
        if old and old.get("input_hash") == h:
            out[doc["id"]] = old
            counts["reused"] += 1
            continue
        todo.append((doc, h, path))
    # A model's requests go out for many articles at once (batched); the rules go article by article.
    todo_docs = [doc for doc, _, _ in todo]
    results: Iterator[dict[str, Any]]
    if cfg.backend == "rules":
        results = (rules_generate(doc, cfg, names_of) for doc in todo_docs)
    else:
        results = generate_with_model(todo_docs, cfg, backend, names_of)
    with console_step(f"knowledge augmentation ({backend_name})", total=len(todo), unit="articles") as bar:
        for (doc, h, path), res in zip(todo, results, strict=True):
            res = {"id": doc["id"], "input_hash": h, "backend": backend_name, **res}
            if not res.get("backend_errors"):  # an article the client failed on is asked again next run
                atomic_write_json(path, res, indent=None)
            out[doc["id"]] = res
            counts["generated"] += 1
            bar.advance()
    return out, counts


_NOT_A_WORD = re.compile(r"[^\w\s]")


def wording(text: str) -> str:
    """``text`` as its words: lower case, punctuation as spaces, one space between words and one at
    either end, so that ``wording(q) in wording(t)`` says that ``t`` holds the question ``q`` as
    whole words ("In June 2024, which model ...?" holds "Which model ...?")."""
    return " " + " ".join(_NOT_A_WORD.sub(" ", text.lower()).split()) + " "


def held_out_questions(items: list[GeneratedQA], share: float, seed: int, doc_id: str) -> set[str]:
    """One wording of a seeded ``share`` of an article's facts that have two wordings or more (the
    fact stays trained through the others); a wording that another wording holds, whatever its case
    and punctuation ("In June 2024, which ...?" holds "Which ...?"), is never the one withheld."""
    facts: dict[Any, list[str]] = {}
    for item in items:
        facts.setdefault(item.get("fact", item["answer"]), []).append(item["question"])
    rng = random.Random(f"valid:{seed}:{doc_id}")
    eligible = []
    for key in sorted(facts, key=str):
        wordings = facts[key]
        free = [q for q in wordings if not any(q != o and wording(q) in wording(o) for o in wordings)]
        if len(wordings) >= 2 and free:
            eligible.append(free)
    chosen = rng.sample(eligible, int(round(share * len(eligible))))
    return {rng.choice(free) for free in chosen}


@dataclass
class _ArticleRows:
    """The generated rows of the train articles by kind, before the leak filters and the mixes."""

    rows: dict[str, list[TrainingRow]]
    #: Rows generated per kind (probe articles' QA rows included).
    kinds: Counter
    #: Rejected pairs by "kind:reason".
    rejected: Counter
    #: QA rows of probe articles, withheld from training.
    withheld: int
    #: Questions held out for validation, each with the reply its fact's other wordings train.
    valid: list[tuple[HeldOutQuestion, str]]


def _article_rows(
    train_docs: list[dict[str, Any]],
    article_rows: list[TrainingRow],
    generated: dict[str, dict[str, Any]],
    probes: set[str],
    aug: AugmentConfig,
    system_prompt: str,
    meta_for,
) -> _ArticleRows:
    """Each train article's generated rows, its held-out questions taken out and its probe QA withheld."""
    rows: dict[str, list[TrainingRow]] = {
        "article": [{**r, "kind": "article"} for r in article_rows],
        "qa": [],
        "paraphrase": [],
        "facts": [],
        "reading": [],
    }
    kinds: Counter = Counter()
    rejected: Counter = Counter()
    withheld = 0
    valid: list[tuple[HeldOutQuestion, str]] = []
    for doc in sorted(train_docs, key=lambda d: d["id"]):
        gen = generated.get(doc["id"])
        if not gen:
            continue
        for r in gen.get("rejected", []):
            rejected[f"{r['kind']}:{r['reason']}"] += 1
        if doc["id"] not in probes and aug.valid_share > 0:
            held = held_out_questions(gen.get("qa", []), aug.valid_share, aug.seed, doc["id"])
            valid += [
                (
                    HeldOutQuestion(
                        id=doc["id"], question=it["question"], answer=it["answer"], fact_kind=it.get("fact_kind", "")
                    ),
                    qa_reply(it, aug.qa_answer),
                )
                for it in gen["qa"]
                if it["question"] in held
            ]
            gen = {**gen, "qa": [it for it in gen["qa"] if it["question"] not in held]}
        per_kind = generated_rows(doc, gen, meta_for(doc), aug, system_prompt)
        for kind, kind_rows in per_kind.items():
            kinds[kind] += len(kind_rows)
            if kind == "qa" and doc["id"] in probes:
                withheld += len(kind_rows)  # probe articles: their QA never reaches training
                continue
            rows[kind].extend(kind_rows)
    return _ArticleRows(rows, kinds, rejected, withheld, valid)


def _held_out_kept(
    valid: list[tuple[HeldOutQuestion, str]], mixes: dict[str, list[TrainingRow]], qa_rows: list[TrainingRow]
) -> list[HeldOutQuestion]:
    """The held-out questions whose words no training row of any mix holds and whose answer is
    still trained (see :func:`build_mixes`)."""
    blob = "\n".join(dict.fromkeys(wording(row_text(r)) for m in mixes.values() for r in m))
    trained = {(r["id"], r["completion"][0]["content"]) for r in qa_rows if "completion" in r}
    trained |= {(r["id"], r["text"].rsplit("\n\n", 1)[-1]) for r in qa_rows if "text" in r}
    return [v for v, reply in valid if wording(v.question) not in blob and (v.id, reply) in trained]


def _without_withheld_questions(
    qa_rows: list[TrainingRow], probe_questions: set[str], valid_prompts: set[str], rejected: Counter
) -> list[TrainingRow]:
    """``qa_rows`` without a probe article's question or a held-out question, each counted in ``rejected``."""
    shared = [r for r in qa_rows if r["prompt"][-1]["content"] in probe_questions]
    if shared:
        qa_rows = [r for r in qa_rows if r["prompt"][-1]["content"] not in probe_questions]
        rejected["qa:question_of_a_probe_article"] += len(shared)
    # a held-out question is asked in no training row, not even as another article's question
    # (the same words in another case or punctuation included)
    valid_wordings = {wording(p) for p in valid_prompts}
    shared = [r for r in qa_rows if wording(r["prompt"][-1]["content"]) in valid_wordings]
    if shared:
        qa_rows = [r for r in qa_rows if wording(r["prompt"][-1]["content"]) not in valid_wordings]
        rejected["qa:question_held_out_for_validation"] += len(shared)
    return qa_rows


def _write_probe_file(path: Path, probes: set[str], aug: AugmentConfig, withheld: int) -> None:
    probe = ProbeFile(
        articles=sorted(probes),
        share=aug.probe_share,
        seed=aug.seed,
        withheld_qa_rows=withheld,
        definition="train-split articles whose generated QA rows are withheld from every training mix "
        "(their text, restatements and fact lists are trained): qa_probe_* asks about them",
    )
    atomic_write_json(path, probe.model_dump())


def build_mixes(
    run: Path,
    cfg: Any,
    train_docs: list[dict[str, Any]],
    article_rows: list[TrainingRow],
    meta_for,
    backend=None,
    replay_backend=None,
    profile: PortalProfile = PRESSCLUB,
) -> tuple[dict[str, list[TrainingRow]], dict[str, Any]]:
    """The training rows of ``corpus.mix`` (key "default") and of each ``corpus.mixes`` entry,
    and the augmentation's numbers for the card (``cfg`` is the CorpusConfig; ``profile`` the
    portal whose releases these are)."""
    aug: AugmentConfig = cfg.augment
    out_dir = RunDir(run).dataset
    generated, reuse = augment_documents(train_docs, aug, out_dir / "augment", backend, profile)
    probes = probe_ids(sorted(d["id"] for d in train_docs), aug.probe_share, aug.seed) if generated else set()
    per_article = _article_rows(train_docs, article_rows, generated, probes, aug, cfg.system_prompt, meta_for)
    rows, kinds, rejected = per_article.rows, per_article.kinds, per_article.rejected
    withheld, valid = per_article.withheld, per_article.valid
    # Articles may share a title (hence question strings): a probe article's question is never
    # trained, not even as another article's question with another answer.
    probe_questions = {
        row["prompt"][-1]["content"]
        for doc in train_docs
        if doc["id"] in probes and generated.get(doc["id"])
        for row in generated_rows(doc, generated[doc["id"]], meta_for(doc), aug, cfg.system_prompt)["qa"]
    }
    valid_prompts = {qa_prompt(aug.qa_instruction, v.question) for v, _ in valid}
    rows["qa"] = _without_withheld_questions(rows["qa"], probe_questions, valid_prompts, rejected)
    if any(w.reading > 0 for w in [cfg.mix, *cfg.mixes.values()]):
        asked = {d["id"] for d in train_docs} - probes
        rows["reading"], reading_rejected, reading = reading_rows(
            train_docs, asked, generated, probe_questions | valid_prompts, aug, cfg.system_prompt, meta_for
        )
        kinds["reading"] += len(rows["reading"])
        rejected.update(reading_rejected)
        reading_stats = {"rows": len(rows["reading"]), "top_k": aug.reading_top_k, **reading}
    else:
        reading_stats = None
    self_replay, replay_stats = None, None
    if any(w.replay > 0 and w.replay_file == "base" for w in [cfg.mix, *cfg.mixes.values()]):
        self_replay, replay_stats = self_replay_rows(
            cfg.replay, cfg.system_prompt, out_dir / "replay", replay_backend, aug.qa_instruction
        )
    if cfg.style == "article":
        rows = {k: [as_text_row(r) if "prompt" in r else r for r in v] for k, v in rows.items()}
        self_replay = [as_text_row(r) for r in self_replay] if self_replay is not None else None
    mixes = {"default": apply_mix(rows, cfg.mix, aug.seed, self_replay)}
    for name, weights in cfg.mixes.items():
        mixes[name] = apply_mix(rows, weights, aug.seed, self_replay)
    # A held-out question whose words some training row of any mix holds, whatever their case and
    # punctuation (another fact's question, a restatement), is no held-out question: it is left out
    # of the file, and counted. Left out, not put back into training: its words are trained already,
    # and withholding the whole fact instead would leave no trained fact to ask about. (And one whose
    # fact lost its trained wordings to another article's identical question is no question about a
    # trained fact.)
    kept_valid = _held_out_kept(valid, mixes, rows["qa"])
    write_jsonl(out_dir / "qa_valid.jsonl", [v.model_dump() for v in kept_valid])
    _write_probe_file(out_dir / "probe.json", probes, aug, withheld)
    stats = {
        "backend": aug.backend,
        "articles": len(generated),
        "cache": dict(reuse),
        "atomic_facts": sum(g.get("atomic_facts") or 0 for g in generated.values()),
        "generated": dict(kinds),
        "rejected": dict(rejected),
        "probe_articles": len(probes),
        "withheld_qa_rows": withheld,
        "valid_questions": len(kept_valid),
        "valid_questions_left_out": len(valid) - len(kept_valid),
        "valid_share": aug.valid_share,
        "mix": {"default": cfg.mix.model_dump(), **{n: w.model_dump() for n, w in cfg.mixes.items()}},
        "mix_rows": {n: dict(Counter(r.get("kind", "article") for r in m)) for n, m in mixes.items()},
        "self_replay": replay_stats,
        "reading": reading_stats,
        "audit": audit_against_facts(run, {d["id"] for d in train_docs}, [r for m in mixes.values() for r in m]),
    }
    return mixes, stats
