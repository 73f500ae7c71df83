"""CLI of the replica stage: ``presstune replica serve`` and ``presstune replica export``."""

import signal
from pathlib import Path
from typing import Annotated

import typer

from presstune.cli_common import fail
from presstune.replica import html
from presstune.replica.faults import PRESETS
from presstune.replica.server import ReplicaServer
from presstune.replica.site import Site
from presstune.rundir import atomic_write_bytes, atomic_write_text

replica_app = typer.Typer(help="The local, generated PressClub replica (127.0.0.1 only).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(replica_app, name="replica")


@replica_app.command("serve")
def serve(
    articles: Annotated[int, typer.Option(help="Number of generated articles.")] = 300,
    seed: Annotated[int, typer.Option(help="Generator seed (same seed -> same bytes).")] = 0,
    faults: Annotated[str, typer.Option(help="Fault preset: none, mild or harsh.")] = "none",
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1; 0 picks a free one.")] = 0,
    latency: Annotated[float, typer.Option(help="Extra delay per request in seconds.")] = 0.0,
    no_sitemap: Annotated[
        bool, typer.Option("--no-sitemap", help="robots.txt without Sitemap:, sitemaps 404.")
    ] = False,
) -> None:
    """Serve the replica; the first line printed is ``serving http://127.0.0.1:<port>/global``."""
    if faults not in PRESETS:
        fail(f"--faults: unknown preset {faults!r} (choose none, mild or harsh)")
    if articles < 1:
        fail(f"--articles must be >= 1, got {articles}")
    try:
        server = ReplicaServer(
            articles=articles, seed=seed, faults=faults, latency=latency, port=port, sitemap=not no_sitemap
        ).start()
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
        return

    stop_requested: list[int] = []

    def _request_stop(signum: int, frame: object) -> None:
        stop_requested.append(signum)  # SIGINT and SIGTERM end the server cleanly (exit code 0)

    # Before the first line: a caller may stop us right after reading it.
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    try:
        print(f"serving {server.base_url}", flush=True)
        server.serve_until(lambda: bool(stop_requested))
    finally:
        server.stop()


@replica_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    articles: Annotated[int, typer.Option(help="Number of generated articles.")] = 300,
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 0,
    pages: Annotated[int, typer.Option(help="Also write this many article pages and their PDFs.")] = 5,
) -> None:
    """Write facts.jsonl (with ground-truth bodies) and a few sample pages/PDFs, atomically."""
    site = Site(articles=articles, seed=seed)
    atomic_write_text(out / "facts.jsonl", site.facts_jsonl(body=True))
    for art in site.articles()[:pages]:
        sizes = {a.no: len(site.attachment_bytes(art.id, a.no)) for a in art.attachments}
        atomic_write_text(out / "pages" / f"{art.id}.html", html.detail_page(art, sizes=sizes))
        for a in art.attachments:
            ext = "pdf" if a.kind == "pdf" else "zip"
            atomic_write_bytes(out / "attachments" / f"{art.id}_{a.no}.{ext}", site.attachment_bytes(art.id, a.no))
    print(f"wrote {out}/facts.jsonl ({len(site)} articles) and {min(pages, len(site))} sample pages")
