"""CLI commands of the collect stage."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from presstune.cli_common import ConfigOpt, SetOpt, fail, load_cli_config
from presstune.collect.runner import run_collect
from presstune.config import dump_config
from presstune.rundir import RunDir
from presstune.runlock import RunLocked, run_lock


def register(app: typer.Typer) -> None:
    """Add ``presstune collect`` to the root app."""

    @app.command("collect")
    def collect(
        run: Annotated[
            Path | None, typer.Option("--run", help="Run directory (default: <run.root>/<run.name> of the config).")
        ] = None,
        base_url: Annotated[
            str | None,
            typer.Option("--base-url", help="Portal base URL (default: the portal profile's, portal.profile)."),
        ] = None,
        target: Annotated[
            int | None, typer.Option("--target", help="Collect the newest N articles (after filters).")
        ] = None,
        language: Annotated[
            str | None, typer.Option("--language", help="Language from the id suffix (default en).")
        ] = None,
        variants: Annotated[
            bool | None, typer.Option("--variants/--no-variants", help="Count EN_GB/EN_US ids as English.")
        ] = None,
        since: Annotated[str | None, typer.Option("--since", help="Only articles dated on/after YYYY-MM-DD.")] = None,
        until: Annotated[str | None, typer.Option("--until", help="Only articles dated on/before YYYY-MM-DD.")] = None,
        concurrency: Annotated[
            int | None, typer.Option("--concurrency", help="Requests in flight per host (default 4).")
        ] = None,
        min_delay: Annotated[
            float | None, typer.Option("--min-delay", help="Seconds between request starts per host.")
        ] = None,
        sitemaps: Annotated[
            bool | None,
            typer.Option("--sitemaps/--no-sitemaps", help="Discover via robots.txt sitemaps (else listing pages)."),
        ] = None,
        pdfs: Annotated[bool | None, typer.Option("--pdfs/--no-pdfs", help="Download PDF attachments.")] = None,
        max_failure_share: Annotated[
            float | None, typer.Option("--max-failure-share", help="Exit 1 above this failed share.")
        ] = None,
        browser_fallback: Annotated[
            bool | None,
            typer.Option(
                "--browser-fallback/--no-browser-fallback",
                help="Render unparseable pages with Playwright (if installed).",
            ),
        ] = None,
        config: ConfigOpt = None,
        set_: SetOpt = None,
    ) -> None:
        """Discover and download press releases into RUN/articles.jsonl, RUN/pdfs/ and RUN/html/."""
        flags = {
            "base_url": base_url,
            "target": target,
            "language": language,
            "include_variants": variants,
            "date_from": since,
            "date_to": until,
            "concurrency_per_host": concurrency,
            "min_delay": min_delay,
            "use_sitemaps": sitemaps,
            "download_pdfs": pdfs,
            "max_failure_share": max_failure_share,
            "browser_fallback": browser_fallback,
        }
        _collect(run, config, _flag_sets(set_, flags))


def _flag_sets(set_: list[str] | None, flags: dict[str, Any]) -> list[str]:
    """The ``--set`` overrides, then one ``collect.<key>=<JSON value>`` per flag that was given."""
    sets = list(set_ or [])
    for key, value in flags.items():
        if value is not None:
            sets.append(f"collect.{key}={json.dumps(value)}")
    return sets


def _collect(run: Path | None, config: Path | None, sets: list[str]) -> None:
    """Run the collect stage into the run folder (locked, its config recorded) and report it."""
    cfg = load_cli_config(config, sets)
    run_dir = RunDir(run if run is not None else cfg.run_dir()).create()
    try:
        with run_lock(run_dir.path, "collect"):  # before run.json is touched
            run_dir.record_config(dump_config(cfg), [str(config)] if config else [])
            summary = run_collect(cfg, run_dir)
    except (ValueError, RunLocked) as exc:
        fail(str(exc))
        return
    s = summary
    typer.echo(
        f"collect: {s.collected} collected, {s.unchanged} unchanged, {s.failed_articles} failed articles, "
        f"{s.pdfs_downloaded} PDFs downloaded ({s.pdfs_unchanged} unchanged, {s.pdfs_failed} failed), "
        f"{s.requests} requests in {s.seconds:.1f}s -> {run_dir.path}/collect_report.json",
        err=True,
    )
    if s.exit_code:
        typer.echo(f"collect: {s.message}", err=True)
        raise typer.Exit(s.exit_code)
