"""Collect throughput: presstune vs a seed-style sequential client, side by side in one run.

    python benchmarks/bench_collect.py [--articles 1000] [--latency 0.05] [--seed-articles 200]
                                       [--pause-scale 0.02] [--out benchmarks/RESULTS_collect.md]

The replica (``--articles`` articles, fixed ``--latency`` per request) runs in its own
process with every PDF pre-built, so neither client pays for PDF generation. Each client runs
in its own process (peak RSS = that process's ru_maxrss):

* presstune: ``run_collect`` with 4 requests in flight per host, ``min_delay`` 0 and the
  replica's ``Crawl-delay: 1`` capped to 0 (``max_crawl_delay=0``) so that both clients get the
  same budget: the per-host concurrency is the only limit.
* seed-style: what the seed does, over plain HTTP: listing pages for discovery, then one
  request at a time -- detail page, a pause of 1.5 s x ``--pause-scale`` per article, each
  PDF followed by 0.5 s x ``--pause-scale`` -- for the first ``--seed-articles`` articles (a
  rate, so a subset is enough). The pauses are scaled down to keep the benchmark short; the
  rate the seed would have with its real pauses is computed from the measured request time
  and reported as well.

Throughput = (articles + PDFs) per second of wall time, discovery included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any


def _serve(articles: int, latency: float, q: Any, stop: Any) -> None:
    from presstune.replica.server import ReplicaServer
    from presstune.replica.site import Site

    site = Site(articles=articles, seed=0)
    for a in site.articles():  # pre-build every attachment: measure the clients, not the generator
        for att in a.attachments:
            site.attachment_bytes(a.id, att.no)
    with ReplicaServer(site, latency=latency) as srv:
        q.put(srv.base_url)
        stop.wait()


def _presstune(base_url: str, out: str, q: Any) -> None:
    from presstune.collect.runner import run_collect
    from presstune.config.collect import CollectConfig

    cfg = CollectConfig(
        base_url=base_url, concurrency_per_host=4, min_delay=0.0, max_crawl_delay=0.0, progress=False, timeout=30.0
    )
    t0 = time.perf_counter()
    s = run_collect(cfg, out)
    seconds = time.perf_counter() - t0
    q.put(
        {
            "articles": s.collected,
            "pdfs": s.pdfs_downloaded,
            "seconds": seconds,
            "requests": s.requests,
            "failed": s.failed_articles + s.pdfs_failed,
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def _seed_style(base_url: str, out: str, limit: int, scale: float, q: Any) -> None:
    """One request at a time, as the seed does (pauses scaled by ``scale``)."""
    import httpx

    from presstune.collect.parse import language_of, parse_article, parse_listing
    from presstune.config.collect import Selectors

    sel = Selectors()
    outdir = Path(out)
    (outdir / "pdfs").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    pause_total = 0.0
    request_time = 0.0
    articles = pdfs = requests = 0
    with httpx.Client(headers={"User-Agent": "seed-style"}, timeout=30.0) as client:
        urls: list[tuple[str, str]] = []
        page = 1
        while len(urls) < limit:
            t = time.perf_counter()
            r = client.get(f"{base_url}/article" + ("" if page == 1 else f"?page={page}"))
            request_time += time.perf_counter() - t
            requests += 1
            items = parse_listing(r.text, str(r.url), sel)
            if not items:
                break
            urls += [(i.id, i.url) for i in items if language_of(i.id) == "en"]
            page += 1
        for article_id, url in urls[:limit]:
            t = time.perf_counter()
            r = client.get(url, follow_redirects=True)
            request_time += time.perf_counter() - t
            requests += 1
            rec = parse_article(r.text, str(r.url), sel, expected_id=article_id).record
            articles += 1
            time.sleep(1.5 * scale)
            pause_total += 1.5 * scale
            for i, att in enumerate(a for a in rec.attachments if a.type == "pdf"):
                t = time.perf_counter()
                resp = client.get(att.url)
                request_time += time.perf_counter() - t
                requests += 1
                if resp.content.startswith(b"%PDF"):
                    (outdir / "pdfs" / f"{article_id}-{i + 1}.pdf").write_bytes(resp.content)
                    pdfs += 1
                time.sleep(0.5 * scale)
                pause_total += 0.5 * scale
    seconds = time.perf_counter() - t0
    q.put(
        {
            "articles": articles,
            "pdfs": pdfs,
            "seconds": seconds,
            "requests": requests,
            "pause_s": pause_total,
            "failed": 0,
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def _child(target: Any, *args: Any) -> dict[str, Any]:
    q: Any = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=target, args=(*args, q))
    p.start()
    result = q.get()
    p.join()
    return result


def _row(*cells: object) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--seed-articles", type=int, default=200)
    ap.add_argument("--pause-scale", type=float, default=0.02)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "RESULTS_collect.md")
    args = ap.parse_args()

    ctx = mp.get_context("spawn")
    q, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(args.articles, args.latency, q, stop), daemon=True)
    server.start()
    base_url = q.get(timeout=600)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            pt = _child(_presstune, base_url, os.path.join(tmp, "presstune"))
            sd = _child(_seed_style, base_url, os.path.join(tmp, "seed"), args.seed_articles, args.pause_scale)
    finally:
        stop.set()
        server.join(10)

    def rate(r: dict[str, Any]) -> float:
        return (r["articles"] + r["pdfs"]) / r["seconds"]

    # the seed's rate with its real pauses (1.5 s per article, 0.5 s per PDF), from measured times
    seed_real_s = sd["seconds"] - sd["pause_s"] + 1.5 * sd["articles"] + 0.5 * sd["pdfs"]
    seed_real_rate = (sd["articles"] + sd["pdfs"]) / seed_real_s
    machine = (
        f"{platform.platform()}, {os.cpu_count()} CPUs (shared with other jobs), Python {platform.python_version()}"
    )
    lines = [
        "# Collect benchmark",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine}.",
        f"Replica: {args.articles} articles, fixed latency {args.latency * 1000:.0f} ms per request, "
        "own process, PDFs pre-built.",
        "Both clients measured side by side in this one run; throughput = (articles + PDFs) / wall seconds, "
        "discovery included.",
        "",
        "| client | articles | PDFs | requests | seconds | items/s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
        _row(
            "presstune (4 per host, min_delay 0, Crawl-delay capped to 0)",
            pt["articles"],
            pt["pdfs"],
            pt["requests"],
            f"{pt['seconds']:.1f}",
            f"{rate(pt):.1f}",
            f"{pt['maxrss_mb']:.0f}",
        ),
        _row(
            f"seed-style sequential, pauses x{args.pause_scale:g} (0.03 s/article, 0.01 s/PDF)",
            sd["articles"],
            sd["pdfs"],
            sd["requests"],
            f"{sd['seconds']:.1f}",
            f"{rate(sd):.2f}",
            f"{sd['maxrss_mb']:.0f}",
        ),
        _row(
            "seed-style with the seed's real pauses (1.5 s/article, 0.5 s/PDF), "
            "computed from the measured request time",
            sd["articles"],
            sd["pdfs"],
            "-",
            f"{seed_real_s:.1f}",
            f"{seed_real_rate:.2f}",
            "-",
        ),
        "",
        f"**Ratio presstune / seed-style (scaled pauses, measured): {rate(pt) / rate(sd):.1f}x.**",
        f"**Ratio presstune / seed-style with the real 1.5 s pause (computed): {rate(pt) / seed_real_rate:.0f}x** "
        "(goal: >= 50x).",
        "",
        f"presstune failures: {pt['failed']}. The seed-style client handled the first {sd['articles']} articles "
        "(a rate, so a subset suffices); at 4 requests in flight and "
        f"{args.latency * 1000:.0f} ms latency the ideal presstune rate is about {4 / args.latency:.0f} requests/s.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
