"""The thin command-line layer: one verb per stage; the work lives in the stage packages.

Stage modules register their own commands (``presstune/<stage>/cli.py::register``) and
import heavy libraries (torch, transformers) inside the command bodies, so ``--help`` is fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.markup import escape

from presstune import __version__
from presstune.config import Config, ConfigError, dump_config, load_config
from presstune.runlock import RunLocked

console = Console(stderr=True)

app = typer.Typer(
    name="presstune",
    help="Press portal -> domain-tuned LLM: collect, corpus, layer-pruned variants, train, evaluate, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file (may 'extends:' another).")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a config key, e.g. --set train.learning_rate=1e-4 (repeatable)."),
]


def fail(message: str, code: int = 2) -> None:
    """Print one clear line and exit (no traceback)."""
    console.print(f"[bold red]error:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_cli_config(config: Path | None, sets: list[str] | None) -> Config:
    try:
        return load_config(config, sets or [])
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable, keeps type checkers happy


def _version_callback(value: bool) -> None:
    if value:
        print(f"presstune {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """presstune command line."""


config_app = typer.Typer(help="Inspect and validate configuration files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Print the resolved configuration (after 'extends' and --set) as YAML."""
    cfg = load_cli_config(config, set_)
    print(yaml.safe_dump(dump_config(cfg), sort_keys=False, allow_unicode=True), end="")


@config_app.command("validate")
def config_validate(config: Annotated[Path, typer.Argument(help="YAML config file.")], set_: SetOpt = None) -> None:
    """Validate a configuration file; exit 2 with one line naming the key if it is wrong."""
    load_cli_config(config, set_)
    print(f"{config}: ok")


def _register_stages() -> None:
    from presstune.collect import cli as collect_cli
    from presstune.corpus import cli as corpus_cli
    from presstune.evaluate import cli as evaluate_cli
    from presstune.models import cli as models_cli
    from presstune.replica import cli as replica_cli
    from presstune.report import cli as report_cli
    from presstune.train import cli as train_cli

    for module in (replica_cli, collect_cli, corpus_cli, models_cli, train_cli, evaluate_cli, report_cli):
        module.register(app)
    try:
        from presstune import pipeline
    except ImportError:  # the pipeline module arrives with the end-to-end issue
        return
    pipeline.register(app)


_register_stages()


def main() -> None:
    try:
        app()
    except (ConfigError, RunLocked) as exc:  # raised from inside a stage
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
