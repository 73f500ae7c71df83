"""CLI commands: ask, chat, export."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
