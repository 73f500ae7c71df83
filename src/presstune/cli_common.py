"""Helpers shared by every stage's CLI module: config options, config loading, one-line failures.

A module of its own (not ``presstune.cli``) so that stage CLIs do not import the root CLI that
imports them: no import circle, and an import error in a stage surfaces instead of hiding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from presstune.config import Config, ConfigError, load_config
from presstune.console import console, error

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file (may 'extends:' another).")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a config key, e.g. --set train.learning_rate=1e-4 (repeatable)."),
]


def fail(message: str, code: int = 2, item: str | None = None) -> NoReturn:
    """Print one clear line (and where the details are) and exit; the traceback only with --debug."""
    error(message, item)
    raise typer.Exit(code)


def load_cli_config(config: Path | None, sets: list[str] | None) -> Config:
    try:
        return load_config(config, sets or [])
    except ConfigError as exc:
        fail(str(exc))


__all__ = ["ConfigOpt", "SetOpt", "console", "fail", "load_cli_config"]
