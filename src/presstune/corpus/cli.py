"""CLI commands of the corpus stage."""

from pathlib import Path
from typing import Annotated

import typer

from presstune.cli_common import ConfigOpt, SetOpt, fail, load_cli_config
from presstune.corpus.pipeline import build_corpus, force_corpus
from presstune.rundir import RunDir


def register(app: typer.Typer) -> None:
    """Add ``presstune corpus`` to the root app (one command; its options are most of it)."""

    @app.command("corpus")
    def corpus(
        run: Annotated[Path, typer.Option("--run", help="Run directory holding articles.jsonl and pdfs/.")],
        phase: Annotated[
            str | None, typer.Option(help="regex | llm | format | all | no-llm (default: config, no-llm).")
        ] = None,
        style: Annotated[str | None, typer.Option(help="instruct | article | qa.")] = None,
        train_ratio: Annotated[float | None, typer.Option("--train-ratio", help="Share of documents in train.")] = None,
        split: Annotated[str | None, typer.Option(help="family | date (newest families to eval).")] = None,
        tokenizer: Annotated[
            str | None, typer.Option(help="Tokenizer path or hub id ('tinybase' = demo tokenizer).")
        ] = None,
        llm_model: Annotated[
            str | None, typer.Option("--llm-model", help="LLM phase: model path/id (or endpoint model name).")
        ] = None,
        llm_url: Annotated[
            str | None, typer.Option("--llm-url", help="LLM phase: OpenAI-compatible endpoint base URL.")
        ] = None,
        workers: Annotated[
            int | None, typer.Option(help="Extract phase: processes (default: the usable CPUs; 1 = in-process).")
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Recompute every phase (per-document outputs go to <run>/stale/).")
        ] = False,
        config: ConfigOpt = None,
        set_: SetOpt = None,
    ) -> None:
        """Build the training corpus: extract, clean, [LLM], filter, split, format (phases re-runnable)."""
        sets = list(set_ or [])
        for key, value in (
            ("phase", phase),
            ("style", style),
            ("train_ratio", train_ratio),
            ("split", split),
            ("tokenizer", tokenizer),
            ("llm.model", llm_model),
            ("llm.url", llm_url),
            ("workers", workers),
        ):
            if value is not None:
                sets.append(f"corpus.{key}={value}")
        if llm_url is not None:
            sets.append("corpus.llm.backend=openai")
        cfg = load_cli_config(config, sets)
        if force:
            print(f"--force: moved {', '.join(force_corpus(RunDir(run))) or 'nothing'} to stale/")
        try:
            summary = build_corpus(cfg.corpus, run, profile=cfg.portal.load())
        except (FileNotFoundError, RuntimeError, ValueError) as exc:
            fail(str(exc))
            return
        import json

        print(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
