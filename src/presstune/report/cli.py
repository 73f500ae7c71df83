"""CLI commands of the report stage."""

from pathlib import Path
from typing import Annotated

import typer

from presstune.cli_common import fail
from presstune.console import print_result, run_logging
from presstune.report.build import build_report
from presstune.rundir import RunDir
from presstune.runlock import run_lock


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        run: Annotated[
            Path, typer.Option("--run", help="Run directory (reads metrics/, checkpoints/, models/, run.json).")
        ],
        title: Annotated[
            str | None, typer.Option("--title", help="Page title (default: report.title from the config).")
        ] = None,
    ) -> None:
        """Write <run>/report/index.html (self-contained) and <run>/report/README.md."""
        if not run.is_dir():
            fail(f"run directory not found: {run}")
        with run_lock(run, "report"), run_logging(run, "report"), RunDir(run).stage("report") as details:
            paths = build_report(run, title)
            details["files"] = sorted(str(p.relative_to(run)) for p in paths.values())
        for p in paths.values():
            print_result(str(p))
