"""CLI commands: ask (one question), chat (interactive), export (a plain HF checkpoint)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from presstune.cli_common import fail
from presstune.console import console, error, print_result, run_logging, stdout
from presstune.evaluate.cli import run_config
from presstune.rundir import RunDir
from presstune.use.chat import Assistant, ChatError
from presstune.use.export import ExportError, export_variant
from presstune.use.retrieval import RetrievalError, Retriever

RunOpt = Annotated[Path, typer.Option("--run", help="Run directory (its run.json names the base model).")]
VariantOpt = Annotated[
    str | None, typer.Option("--variant", help="Variant name or 'base' (default: the run's first variant).")
]
RagOpt = Annotated[bool, typer.Option("--rag", help="Answer with passages retrieved from the run's corpus (BM25).")]
TokensOpt = Annotated[int, typer.Option("--max-new-tokens", min=1, help="Longest answer in tokens.")]


def _config_and_variant(run: Path, variant: str | None):
    if not RunDir(run).manifest_path.is_file():
        fail(f"not a run directory (no run.json): {run}")
    config = run_config(run, None, None)
    return config, variant or (config.variants[0].name if config.variants else "base")


def _assistant(run: Path, variant: str, rag: bool, max_new_tokens: int, config):
    try:
        retriever = Retriever.from_run(run) if rag else None
        assistant = Assistant(run, config, retriever, max_new_tokens)
        assistant.load(variant)
    except (ChatError, RetrievalError) as exc:
        fail(str(exc), code=1)
    return assistant


def _chat_loop(assistant, interactive: bool) -> None:
    """One message per line until end of input or /quit; /reset and /variant NAME are commands."""
    while True:
        if interactive:
            console.print("[bold]you>[/] ", end="")
        try:
            line = input().strip()
        except EOFError:
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/reset":
            assistant.history = []
            console.print("[dim]conversation cleared[/]")
            continue
        if line.startswith("/variant"):
            name = line.removeprefix("/variant").strip()
            try:
                assistant.load(name)
                console.print(f"[dim]now chatting with {name} (new conversation)[/]")
            except ChatError as exc:
                error(str(exc))  # the current variant stays
            continue
        out = stdout()
        out.write(f"{assistant.variant}> ")
        assistant.answer(line, out)


def register(app: typer.Typer) -> None:
    @app.command("ask")
    def ask(
        question: Annotated[str, typer.Argument(help="The question.")],
        run: RunOpt,
        variant: VariantOpt = None,
        rag: RagOpt = False,
        max_new_tokens: TokensOpt = 256,
    ) -> None:
        """Ask a run's variant one question; the answer streams to stdout."""
        config, variant = _config_and_variant(run, variant)
        with run_logging(run, "ask"):
            _assistant(run, variant, rag, max_new_tokens, config).answer(question, stdout())

    @app.command("chat")
    def chat(
        run: RunOpt,
        variant: VariantOpt = None,
        rag: RagOpt = False,
        max_new_tokens: TokensOpt = 256,
    ) -> None:
        """Chat with a run's variant (the conversation is kept); /variant NAME switches, /reset, /quit.
        Reads one message per line, so piped input works too."""
        config, variant = _config_and_variant(run, variant)
        interactive = sys.stdin.isatty()
        if interactive:
            import readline  # noqa: F401  (arrow keys and line history for input())
        with run_logging(run, "chat"):
            assistant = _assistant(run, variant, rag, max_new_tokens, config)
            console.print(
                f"[dim]chatting with {assistant.variant}{' + RAG' if rag else ''}; "
                "/variant NAME switches, /reset forgets, /quit ends[/]"
            )
            _chat_loop(assistant, interactive)

    @app.command("export")
    def export(
        run: RunOpt,
        variant: Annotated[str, typer.Option("--variant", help="Variant name (or 'base').")],
        out: Annotated[Path, typer.Option("--out", help="New folder for the checkpoint.")],
    ) -> None:
        """Write a variant as a plain HF checkpoint (adapter merged, tokenizer + chat template, model card)."""
        config, variant = _config_and_variant(run, variant)
        try:
            with run_logging(run, "export"):
                path = export_variant(run, variant, out, config)
        except ExportError as exc:
            fail(str(exc), code=1)
        print_result(str(path))
