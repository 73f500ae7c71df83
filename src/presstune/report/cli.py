"""CLI commands of the report stage."""

import typer


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the root app (filled in by the stage's issue)."""
