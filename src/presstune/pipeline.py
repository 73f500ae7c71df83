"""The main job: collect -> corpus -> models -> train -> evaluate -> report in one run directory.

Every stage reuses what is already done and computed from the same inputs (collect revalidates
items by ETag / Last-Modified / lastmod, corpus skips documents by content hash; importance,
variants, training and metrics are keyed by their config section and their inputs' content, see
presstune/cache.py), says in the log what it reused or recomputed and why, and moves outputs
built from a changed input to ``<run>/stale/``; so the same command resumes a killed run, and a
changed setting recomputes exactly what depends on it. ``--force STAGE`` recomputes a stage.

Two special values make the offline demo self-contained:

- ``collect.base_url: replica`` starts the local press-portal replica in-process (settings
  from the ``replica:`` section) and collects from it; its ground-truth fact sheets are saved
  as ``<run>/replica_facts.jsonl`` for closed-book QA.
- ``model.name_or_path: demo-base`` builds (or reuses from ``~/.cache/presstune``) a
  demo-scale Qwen3 pretrained on the replica's *older* articles; collection is then limited
  to the *newer* ones, so fine-tuning teaches the model news it has never seen.
"""

import contextlib
import copy
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from presstune import cache
from presstune.cli_common import ConfigOpt, SetOpt, fail, load_cli_config
from presstune.collect.runner import run_collect
from presstune.config import Config, dump_config, load_raw
from presstune.console import console, log, print_result, run_logging, step
from presstune.corpus.augment import AugmentConfig, PortalNames, generated_rows, reading_passages, rules_generate
from presstune.corpus.pipeline import PHASES, build_corpus, force_corpus
from presstune.evaluate.runner import evaluate_variant
from presstune.models.importance import compute_importance, load_calibration_texts, write_importance
from presstune.models.loading import load_base_model, load_tokenizer
from presstune.models.params import count_params, default_keep, resolve_config
from presstune.models.surgery import make_variant, plan_variant, save_variant
from presstune.models.tinybase import (
    article_fields,
    cached_demo_base,
    default_cache_root,
    demo_cutoff,
    demo_pretraining_texts,
    train_tokenizer,
)
from presstune.prompts import chat_prompt, qa_prompt
from presstune.records import ChatMessage, TrainingRow
from presstune.replica.server import ReplicaServer
from presstune.replica.site import Site
from presstune.report.build import build_report
from presstune.retrieval import Retriever, chunk_documents, rag_question
from presstune.rundir import RunDir, atomic_write_bytes, atomic_write_json
from presstune.runlock import run_lock
from presstune.train.records import invalidate_stale, prepare_training
from presstune.train.trainer import train_variant

STAGES = ("collect", "corpus", "models", "train", "evaluate", "report")
REPLICA = "replica"
DEMO_BASE = "demo-base"


class PipelineError(RuntimeError):
    """A stage could not run; the message names the stage and the cause."""


def select_stages(from_stage: str | None, until_stage: str | None) -> list[str]:
    for name in (from_stage, until_stage):
        if name is not None and name not in STAGES:
            raise PipelineError(f"unknown stage {name!r}; stages are {', '.join(STAGES)}")
    start = STAGES.index(from_stage) if from_stage else 0
    stop = STAGES.index(until_stage) if until_stage else len(STAGES) - 1
    if start > stop:
        raise PipelineError(f"--from {from_stage} comes after --until {until_stage}")
    return list(STAGES[start : stop + 1])


# -- the in-process replica and the demo base ------------------------------------------------


@contextlib.contextmanager
def replica_if_needed(cfg: Config, run: RunDir) -> Iterator[Any]:
    """Start the replica when ``collect.base_url`` is ``replica``; point collect at it."""
    if cfg.collect.base_url != REPLICA:
        yield None
        return
    server = ReplicaServer.from_config(cfg.replica)
    server.start()
    try:
        cfg.collect.base_url = server.base_url
        cfg.collect.allowed_hosts = ["127.0.0.1"]
        # Fetched on every run and rewritten when it differs: the fact sheets follow the replica's
        # settings and code (a run made before the fact-sheet questions changed gets the current
        # ones, and evaluation, keyed by the file's digest, asks them).
        facts = run.replica_facts
        import httpx

        response = httpx.get(f"{server.root_url}/_replica/facts.jsonl", timeout=60)
        response.raise_for_status()
        if not facts.is_file() or facts.read_bytes() != response.content:
            atomic_write_bytes(facts, response.content)
        if cfg.evaluate.facts_file is None:
            cfg.evaluate.facts_file = str(facts)
        console.print(
            f"[dim]replica serving {server.base_url} ({cfg.replica.articles} articles, faults {cfg.replica.faults})[/]"
        )
        yield server
    finally:
        server.stop()


def resolve_demo_base(cfg: Config, run: RunDir) -> dict[str, Any] | None:
    """Build or reuse the demo base model; restrict collection to the articles after its cutoff."""
    if cfg.model.name_or_path != DEMO_BASE:
        return None
    site = Site(articles=cfg.replica.articles, seed=cfg.replica.seed)
    cutoff = demo_cutoff(site, cfg.demo_base.pretrain_fraction)
    texts = demo_pretraining_texts(site, cutoff)
    chats = demo_instruction_chats(site, cutoff, cfg) if cfg.demo_base.instruction_data else []
    t0 = time.perf_counter()
    settings = cfg.demo_base.model_dump(
        exclude={
            "pretrain_fraction",
            "instruction_data",
            "instruction_qa_per_article",
            "instruction_phrasings",
            "reading_share",
        }
    )
    log.info(
        "demo base: %d articles before %s and %d conversations about them (cached under %s)",
        len(texts),
        cutoff.date(),
        len(chats),
        default_cache_root(),
    )
    with step(f"demo base: pretraining on {len(texts)} articles before {cutoff.date()}", unit="steps") as bar:

        def progress(done: int, total: int, loss: float) -> None:
            bar.update(completed=done, total=total, info=f"loss {loss:.3f}")

        path = cached_demo_base(texts, chats=chats, progress=progress, **settings)
        if not bar.completed:
            bar.update(info=f"cached ({path})")
    info = {
        "path": str(path),
        "cutoff": cutoff.isoformat(),
        "pretraining_articles": len(texts),
        "instruction_conversations": len(chats),
        "seconds": round(time.perf_counter() - t0, 1),
        "demo_scale": True,
    }
    cfg.model.name_or_path = str(path)
    cfg.corpus.tokenizer = str(path)
    # The fine-tuning corpus is the news the base has not seen.
    cfg.collect.date_from = cutoff.date().isoformat()
    run.update_manifest(demo_base=info, demo_scale=True)
    return info


def demo_instruction_chats(site: Any, cutoff: Any, cfg: Config) -> list[list[ChatMessage]]:
    """The demo base's instruction data: conversations about its own (older) articles only.

    A real base such as Qwen3-8B or SmolLM2-Instruct has been instruction-tuned: it can answer a
    question and read passages in its prompt, and lacks only the news. The demo's base gets the
    same from the articles before its cutoff, written by the corpus stage's offline rules
    (:func:`presstune.corpus.augment.rules_generate`: QA per atomic fact, fact lists; the article
    text only, never the replica's fact sheets), in the prompts fine-tuning and evaluation use, and
    for a seeded ``reading_share`` of the articles one question answered from the top-k BM25
    passages of the older articles (the passage holding the answer put in if retrieval missed it).
    No newer article, and no evaluation question, is in any of it.
    """
    import random

    docs = []
    for item in site.articles():
        title, _subtitle, paragraphs, date, ident = article_fields(item)
        if date is not None and date < cutoff:
            docs.append({"id": ident, "title": title, "body": "\n\n".join(paragraphs), "date": str(date)})
    docs.sort(key=lambda d: d["id"])
    aug = AugmentConfig(
        backend="rules",
        qa_phrasings=cfg.demo_base.instruction_phrasings,
        max_facts=cfg.corpus.augment.max_facts,
        paraphrases=0,
        fact_lists=1,
        seed=cfg.run.seed,
        qa_instruction=cfg.corpus.augment.qa_instruction,
    )
    system_prompt = cfg.corpus.system_prompt
    rng = random.Random(f"demo-instruct:{cfg.run.seed}")
    passages = chunk_documents(docs, cfg.evaluate.rag_passage_words)
    retriever = Retriever(passages, "bm25") if passages and cfg.demo_base.reading_share > 0 else None
    chats: list[list[ChatMessage]] = []
    names_of = PortalNames.of(cfg.portal.load())
    for doc in docs:
        generated = rules_generate(doc, aug, names_of)
        rows = generated_rows(doc, generated, {}, aug, system_prompt)
        # a seeded sample of facts, each with all its wordings (rows align with generated["qa"];
        # a fact's wordings are consecutive, phrasing 0 first)
        facts: list[list[TrainingRow]] = []
        for item, row in zip(generated["qa"], rows["qa"]):
            if item.get("phrasing", 0) == 0 or not facts:
                facts.append([])
            facts[-1].append(row)
        picked = rng.sample(facts, min(cfg.demo_base.instruction_qa_per_article, len(facts)))
        qa_rows = [row for fact in picked for row in fact]
        chats.extend([*row["prompt"], *row["completion"]] for row in qa_rows + rows["facts"])
        if retriever is None or not generated["qa"] or rng.random() >= cfg.demo_base.reading_share:
            continue
        item = rng.choice(generated["qa"])
        found = reading_passages(
            item["question"], item["answer"], doc["id"], retriever, passages, cfg.evaluate.rag_top_k, rng
        )
        if found is None:
            continue
        hits = found[0]
        answer = item["answer"] if item["answer"].endswith((".", "!", "?")) else item["answer"] + "."
        question = qa_prompt(aug.qa_instruction, rag_question(item["question"], hits))
        chats.append([*chat_prompt(system_prompt, question), {"role": "assistant", "content": answer}])
    return chats


def resolve_benchmark_tokenizer(cfg: Config, run: RunDir) -> str | None:
    """``model.tokenizer: tinybase``: a Qwen3-style BPE tokenizer trained on the replica's text.

    For benchmarking the real architecture offline (``model.random_init: true``), where the
    model's own tokenizer cannot be downloaded. Trained once per run into ``<run>/tokenizer/``.
    """
    if cfg.model.tokenizer != "tinybase":
        return None
    path = run / "tokenizer"
    if not (path / "tokenizer_config.json").is_file():
        import shutil
        import tempfile

        site = Site(articles=cfg.replica.articles, seed=cfg.replica.seed)
        texts = demo_pretraining_texts(site, "9999-12-31T00:00:00+00:00")  # every dated article
        tmp = Path(tempfile.mkdtemp(prefix=".tokenizer-", dir=run.path))
        try:
            train_tokenizer(texts, vocab_size=cfg.demo_base.vocab_size).save_pretrained(str(tmp))
            if path.exists():
                shutil.rmtree(path)
            tmp.rename(path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    cfg.model.tokenizer = cfg.corpus.tokenizer = str(path)
    run.update_manifest(
        benchmark_tokenizer={
            "path": str(path),
            "trained_on": "replica articles",
            "vocab_size": cfg.demo_base.vocab_size,
        }
    )
    return str(path)


# -- stages ----------------------------------------------------------------------------------


def stage_collect(cfg: Config, run: RunDir, force: bool = False) -> dict[str, Any]:
    summary = run_collect(cfg, run)
    brief = summary.brief()
    if summary.exit_code != 0:
        raise PipelineError(f"collect failed: {brief}")
    return brief


def stage_corpus(cfg: Config, run: RunDir, force: bool = False) -> dict[str, Any]:
    augment = cfg.corpus.augment
    local_model = augment.backend == "transformers" or (augment.backend == "rules+llm" and not augment.llm.url)
    if local_model and augment.llm.model == "base":  # self-generated study data
        augment.llm.model = cfg.model.name_or_path
    if cfg.corpus.replay.model == "base":  # self-rehearsal rows: the base model's own answers
        cfg.corpus.replay.model = cfg.model.name_or_path

    with step("corpus phases", total=len(PHASES[cfg.corpus.phase]), unit="phases"):
        return build_corpus(cfg.corpus, run.path, profile=cfg.portal.load())


def stage_models(cfg: Config, run: RunDir, force: bool = False) -> dict[str, Any]:
    """Parameter report, layer importance on the corpus, and the variants as HF checkpoints.

    The base model is loaded only when importance or a variant has to be (re)computed."""
    loaded: dict[str, Any] = {}

    def base() -> tuple[Any, Any]:
        if not loaded:
            loaded["model"] = load_base_model(cfg.model)
            loaded["tokenizer"] = load_tokenizer(cfg.model, required=True)
        return loaded["model"], loaded["tokenizer"]

    try:
        model_config = resolve_config(cfg.model.name_or_path)[0]
    except (OSError, ValueError):
        model_config = base()[0].config
    report = count_params(model_config, model=cfg.model.name_or_path)
    keep = next((v.keep_layers for v in cfg.variants if v.kind == "pruned" and v.keep_layers), None)
    total = model_config.num_hidden_layers
    params = report.to_dict(keep=keep or default_keep(total))
    atomic_write_json(run.params, params)
    importance, importance_decision = _models_importance(cfg, run, base, force)
    built = {spec.name: _models_variant(cfg, run, spec, importance, total, base, force) for spec in cfg.variants}
    return {"params_total": params.get("total"), "importance": importance_decision, "variants": built}


def _models_importance(cfg: Config, run: RunDir, base: Any, force: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """``models/importance.json``, reused when its inputs are unchanged; (importance, decision)."""
    out = run.models
    importance_path = run.importance
    record_path = out / cache.IMPORTANCE_RECORD
    inputs = cache.importance_inputs(cfg, run)
    decision = cache.decide(cache.read_record(record_path), inputs, force)
    if not importance_path.is_file():
        decision = cache.Decision(False, "not computed yet")
    _log_decision("models/importance.json", decision)
    if not decision.reuse:
        model, tokenizer = base()
        with step("importance", unit="texts") as bar:
            texts, errors = load_calibration_texts(run.dataset, tokenizer, samples=cfg.importance.samples)
            for line in errors:
                console.print(f"[yellow]calibration:[/] {line}")
            result = compute_importance(
                model,
                tokenizer,
                texts,
                max_length=cfg.importance.max_length,
                batch_size=cfg.importance.batch_size,
                block_size=cfg.importance.block_size,
                allow_last=cfg.importance.allow_last,
                model_name=cfg.model.name_or_path,
            )
            write_importance(result, out)
            cache.write_record(record_path, inputs)
            bar.update(completed=len(texts), total=len(texts))
    return json.loads(importance_path.read_text(encoding="utf-8")), decision.to_dict()


def _models_variant(
    cfg: Config, run: RunDir, spec: Any, importance: dict[str, Any], total: int, base: Any, force: bool
) -> dict[str, Any]:
    """``variants/<name>/`` built (or reused when its inputs are unchanged); what was done and why."""
    if spec.kind == "original":
        return {"removed_layers": [], "layers": total, "reused": True, "reason": "the base model"}
    plan = plan_variant(total, spec, importance)
    out_dir = run.variant(spec.name)
    inputs = cache.variant_inputs(cfg, plan.get("removed_layers"))
    decision = cache.decide(cache.read_record(out_dir / cache.RECORD), inputs, force)
    if not (out_dir / "config.json").is_file():
        decision = cache.Decision(False, "not built yet")
    _log_decision(f"variants/{spec.name}", decision)
    built = {"removed_layers": plan.get("removed_layers"), **decision.to_dict()}
    if decision.reuse:
        return built
    # What was trained or evaluated on the old variant goes with it (train/evaluate redo it).
    trained = cache.read_record(run.checkpoint(spec.name) / cache.RECORD)
    same_plan = trained is not None and all(trained["inputs"].get(k) == inputs[k] for k in ("removed_layers", "model"))
    stale = [] if same_plan else [run.checkpoint(spec.name), run.train_logs(spec.name)]
    moved = cache.move_aside(run, [*stale, *cache.metrics_paths(run, spec.name)])
    if moved:
        console.print(f"[dim]  moved to stale/: {', '.join(moved)}[/]")
        built["moved_to_stale"] = moved
    model, tokenizer = base()
    with step(f"variant {spec.name}", unit="variants"):
        variant, info = make_variant(copy.deepcopy(model), spec, importance)
        info["base_model"] = cfg.model.name_or_path
        save_variant(variant, out_dir, info, tokenizer=tokenizer, base_model=cfg.model.name_or_path)
        cache.write_record(out_dir / cache.RECORD, inputs)  # last: a variant without it is rebuilt
    built["layers"] = variant.config.num_hidden_layers
    del variant
    return built


def _log_decision(what: str, decision: Any) -> None:
    console.print(f"[dim]{what}: {'kept' if decision.reuse else 'recomputing'} ({decision.reason})[/]")


def stage_train(cfg: Config, run: RunDir, force: bool = False) -> dict[str, Any]:
    results = {}
    for spec in cfg.variants:
        plan = prepare_training(cfg, spec, run, force)
        verb = {"reuse": "kept", "resume": "resuming", "train": "training"}[plan["action"]]
        console.print(f"[dim]train {spec.name} ({spec.kind}, {cfg.train.method}): {verb} ({plan['reason']})[/]")
        result = train_variant(cfg, spec, run.path, resume=True)
        results[spec.name] = {
            **plan,
            "status": result.status,
            "skipped": getattr(result, "skipped", False),
            "best_eval_loss": getattr(result, "best_eval_loss", None),
        }
    return results


def stage_evaluate(cfg: Config, run: RunDir, force: bool = False) -> dict[str, Any]:
    """Evaluate the base and every variant. Outputs the current config did not produce are moved
    to stale/ first (as the report does): a checkpoint trained under other settings (e.g. after
    ``--from evaluate`` with a new learning rate) is not evaluated as if it were this config's."""
    stale = {
        item["output"].split("/", 1)[1]: item["reason"]
        for item in _report_invalidated(invalidate_stale(cfg, run))
        if item["output"].startswith("checkpoints/")
    }
    names = (["base"] if cfg.evaluate.include_base else []) + [v.name for v in cfg.variants]
    done: dict[str, Any] = {}
    phases = None  # learnt from the first variant evaluated, for the others' ETA
    for name in names:
        if name in stale:
            reason = f"not evaluated: its checkpoint was stale ({stale[name]}); run the train stage"
            console.print(f"[yellow]evaluate {name}[/]: {reason}")
            done[name] = {"reused": False, "skipped": True, "reason": reason}
            continue
        with step(f"evaluate {name}", total=phases, unit="metrics") as bar:
            metrics = evaluate_variant(cfg.evaluate, run.path, name, config=cfg, force=force)
            decision = metrics.get("cache", {})
            if bar.phases:
                phases = len(bar.phases)
            else:
                bar.update(info=f"earlier metrics kept ({decision.get('reason')})")
        if not decision.get("reused"):
            console.print(f"[dim]evaluate {name}: evaluated ({decision.get('reason')})[/]")
        done[name] = {**decision, **_headline(metrics)}
    return done


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    """The few numbers worth a console line (metrics files hold every number with its definition)."""
    flat = metrics.get("metrics", metrics)
    keep = (
        "perplexity_assistant",
        "perplexity_text",
        "qa_train_contains",
        "qa_probe_contains",
        "rag_qa_train_contains",
        "qa_contains",
        "semantic_entropy",
    )
    out = {}
    for key in keep:
        value = flat.get(key)
        value = value.get("value") if isinstance(value, dict) else value
        if isinstance(value, (int, float)):
            out[key] = round(float(value), 4)
    return out


def stage_report(cfg: Config, run: RunDir, force: bool = False) -> dict[str, Any]:
    """Always rebuilt (it only reads files); stale training outputs and metrics are moved out of
    the way first, so the page never shows numbers that the recorded config did not produce."""
    moved = _report_invalidated(invalidate_stale(cfg, run))
    paths = build_report(run.path, title=cfg.report.title)
    return {
        "reused": False,
        "reason": "always rebuilt (reads only files)",
        **({"moved_to_stale": moved} if moved else {}),
        **{k: str(v) for k, v in paths.items()},
    }


def _report_invalidated(moved: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for item in moved:
        console.print(f"[yellow]stale[/] {item['reason']}: moved {', '.join(item['moved'])} to stale/")
    return moved


STAGE_FUNCTIONS = {
    "collect": stage_collect,
    "corpus": stage_corpus,
    "models": stage_models,
    "train": stage_train,
    "evaluate": stage_evaluate,
    "report": stage_report,
}


def run_pipeline(
    cfg: Config,
    *,
    config_files: list[str] | None = None,
    from_stage: str | None = None,
    until_stage: str | None = None,
    run_dir: str | Path | None = None,
    force: Iterable[str] = (),
) -> RunDir:
    """Run the selected stages in order; returns the run directory.

    ``force``: stages whose outputs are recomputed even when their recorded inputs are unchanged
    (``all`` = every selected stage but collect, which revalidates every item by itself)."""
    stages = select_stages(from_stage, until_stage)
    forced = select_forced(force, stages)
    cfg = cfg.model_copy(deep=True)
    run = RunDir(run_dir or cfg.run_dir()).create()
    run.record_config(dump_config(cfg), config_files)
    timings: dict[str, float] = dict(run.read_manifest().get("pipeline_seconds", {}))
    t_start = time.perf_counter()
    with run_lock(run.path, "pipeline"), replica_if_needed(cfg, run):
        if cfg.model.name_or_path == DEMO_BASE:
            t0 = time.perf_counter()
            resolve_demo_base(cfg, run)
            timings["demo_base"] = round(time.perf_counter() - t0, 1)
        resolve_benchmark_tokenizer(cfg, run)
        # The config as the stages see it (demo base path, tokenizer, facts file), so that a stage
        # rerun alone on this run directory (`presstune evaluate --run DIR`) sees the same.
        run.update_manifest(
            resolved={
                "model": cfg.model.name_or_path,
                "collect_base_url": cfg.collect.base_url,
                "collect_date_from": cfg.collect.date_from,
            },
            resolved_config=dump_config(cfg),
        )
        for index, name in enumerate(stages, 1):
            elapsed = time.perf_counter() - t_start
            console.rule(f"[bold]{index}/{len(stages)} {name}[/]  (elapsed {elapsed:,.0f} s)")
            t0 = time.perf_counter()
            try:
                summary = _run_stage(name, cfg, run, name in forced)
            except PipelineError:
                raise
            except Exception as exc:
                raise PipelineError(f"stage {name} failed: {type(exc).__name__}: {exc}") from exc
            finally:
                timings[name] = round(time.perf_counter() - t0, 1)
                run.update_manifest(pipeline_seconds=timings)
            log.info("%s summary: %s", name, json.dumps(summary, default=str))
            console.print(f"[green]✓ {name}[/] in {timings[name]:,.1f} s", soft_wrap=True)
        if "report" not in stages:
            # A partial run (e.g. --until models with a new learning rate): what the new config
            # no longer produces must not stay next to it in run.json.
            moved = _report_invalidated(invalidate_stale(cfg, run))
            if moved:
                run.update_manifest(invalidated=moved)
    return run


def _run_stage(name: str, cfg: Config, run: RunDir, force: bool) -> dict[str, Any]:
    """collect and corpus record themselves in run.json (``stages.<name>``); the others here."""
    if name == "collect":
        return stage_collect(cfg, run)
    if name == "corpus":
        if force:
            moved = force_corpus(run)
            console.print(f"[yellow]corpus --force[/]: moved {', '.join(moved) or 'nothing'} to stale/")
        return stage_corpus(cfg, run)
    with run.stage(name, forced=force) as details:
        summary = STAGE_FUNCTIONS[name](cfg, run, force)
        details.update(summary)
    return summary


def select_forced(force: Iterable[str], stages: list[str]) -> set[str]:
    names = set(force)
    unknown = names - {*STAGES, "all"}
    if unknown:
        raise PipelineError(f"--force {sorted(unknown)[0]!r}: not a stage; stages are {', '.join(STAGES)} (or all)")
    if "collect" in names:
        raise PipelineError(
            "--force collect: collect has no force; it revalidates every item (ETag, Last-Modified, sitemap lastmod) "
            "on each run"
        )
    return {s for s in stages if s != "collect"} if "all" in names else names


# -- CLI -----------------------------------------------------------------------------------


#: ``presstune demo --base NAME``: (full, --quick) config files of each real-model profile.
DEMO_PROFILES = {"smollm2-135m-instruct": ("demo-smollm2.yaml", "demo-smollm2-quick.yaml")}


def repo_configs_dir() -> Path:
    """``configs/`` of the source checkout (the demo config lives there)."""
    return Path(__file__).resolve().parents[2] / "configs"


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_cmd(
        config: ConfigOpt = None,
        set_: SetOpt = None,
        from_stage: Annotated[str | None, typer.Option("--from", help=f"First stage: {', '.join(STAGES)}.")] = None,
        until_stage: Annotated[str | None, typer.Option("--until", help="Last stage.")] = None,
        run_dir: Annotated[Path | None, typer.Option("--run", help="Run directory (default runs/<run.name>).")] = None,
        force: Annotated[
            list[str] | None,
            typer.Option("--force", help="Recompute this stage's outputs even if its inputs are unchanged (or all)."),
        ] = None,
    ) -> None:
        """Run the whole pipeline (or --from/--until a part) in one run directory; re-running resumes
        and reuses every output whose recorded inputs (config section + upstream content) are unchanged."""
        if config is None:
            fail("--config is required, e.g. presstune run --config configs/qwen3-8b.yaml")
        try:  # usage errors: before anything is loaded or run
            select_forced(force or (), select_stages(from_stage, until_stage))
        except PipelineError as exc:
            fail(str(exc), code=2)
        cfg = load_cli_config(config, set_)
        files = [str(p) for p in load_raw(config)[1]]
        try:
            with run_logging(run_dir or cfg.run_dir(), "run"):
                run = run_pipeline(
                    cfg,
                    config_files=files,
                    from_stage=from_stage,
                    until_stage=until_stage,
                    run_dir=run_dir,
                    force=force or (),
                )
        except PipelineError as exc:
            fail(str(exc), code=1)
            return
        _print_outcome(run)

    @app.command("demo")
    def demo_cmd(
        quick: Annotated[bool, typer.Option("--quick", help="Smoke-test size (about 2 minutes).")] = False,
        base: Annotated[
            str | None,
            typer.Option(
                "--base",
                help=f"Base model profile: {', '.join(DEMO_PROFILES)} (a real pretrained model, LoRA). "
                "Default: the demo-scale Qwen3 built here.",
            ),
        ] = None,
        out: Annotated[Path | None, typer.Option("--out", help="Run directory (default runs/demo[-BASE]).")] = None,
        set_: SetOpt = None,
    ) -> None:
        """The offline demo: replica + demo-scale Qwen3 on CPU, end to end, to a report."""
        if base is not None and base not in DEMO_PROFILES:
            fail(f"--base {base!r}: profiles are {', '.join(DEMO_PROFILES)} (leave it out for the demo-scale Qwen3)")
        name = DEMO_PROFILES.get(base or "", ("demo.yaml", "demo-quick.yaml"))[quick]
        out = out or Path("runs") / (f"demo-{base}" if base else "demo")
        config = repo_configs_dir() / name
        cfg = load_cli_config(config, set_)
        files = [str(p) for p in load_raw(config)[1]]
        t0 = time.perf_counter()
        try:
            with run_logging(out, "demo"):
                run = run_pipeline(cfg, config_files=files, run_dir=out)
        except PipelineError as exc:
            fail(str(exc), code=1)
            return
        run.update_manifest(demo_wall_seconds=round(time.perf_counter() - t0, 1))
        _print_outcome(run)


def _print_outcome(run: RunDir) -> None:
    index = run.report_index
    if index.is_file():
        print_result(f"report: {index.resolve()}")
    else:
        print_result(f"run directory: {run.path.resolve()}")
