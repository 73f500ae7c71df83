"""The collect stage's item pipeline (Scrapy's term): everything written under the run directory.

The engine (:mod:`presstune.collect.runner`) schedules and fetches; it hands finished items here:
page HTML with its validators, verified PDF downloads, article records and the report. The
order of writes is what makes ``kill -9`` + resume safe, so it lives in one place:

- a page: journal line (ETag/Last-Modified) first, then the atomic cache file;
- a PDF: journal line first, then the rename of the verified ``.part`` file onto its final name;
- a record: one fsync'd line appended to ``articles.jsonl``; the run ends by compacting to the
  last line per id.

Appends run on one thread, so fsync'd lines stay in order while the event loop keeps the
network busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from presstune.collect.parse import safe_name
from presstune.collect.state import CollectState
from presstune.records import ArticleRecord
from presstune.rundir import (
    RunDir,
    append_jsonl,
    atomic_write_json,
    atomic_write_text,
    fsync_dir,
    read_jsonl,
    write_jsonl,
)

ARTICLES = RunDir.ARTICLES
REPORT = "collect_report.json"


class RunStore:
    def __init__(self, run_path: Path):
        self.run_path = run_path
        self.pdf_dir = run_path / "pdfs"
        self.html_dir = run_path / "html"
        self.articles = RunDir(run_path).articles
        self.state = CollectState(run_path)
        self.records: dict[str, ArticleRecord] = {}
        self._appender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collect-append")
        self._duplicate_lines = 0

    def prepare(self) -> None:
        """Create folders, remove leftovers of a killed run, load records and state."""
        self.run_path.mkdir(parents=True, exist_ok=True)
        self.pdf_dir.mkdir(exist_ok=True)
        self.html_dir.mkdir(exist_ok=True)
        for folder, patterns in (
            (self.pdf_dir, ("*.part", ".*.tmp")),
            (self.html_dir, (".*.tmp",)),
            (self.run_path, (f".{ARTICLES}.*.tmp", ".collect_*.tmp")),
        ):
            for pattern in patterns:
                for leftover in folder.glob(pattern):
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()
        self.state.load()
        lines = 0
        for raw in read_jsonl(self.articles):
            lines += 1
            with contextlib.suppress(Exception):
                record = ArticleRecord.model_validate(raw)
                self.records[record.id] = record
        self._duplicate_lines = lines - len(self.records)

    # -- pages ------------------------------------------------------------------------------
    def html_cache(self, article_id: str) -> Path:
        return self.html_dir / f"{safe_name(article_id)}.html"

    async def save_page(self, article_id: str, meta: dict[str, Any], html: str | None) -> None:
        """Journal first, then the cache: a kill in between leaves no cache file (refetched next
        time), never a cache file whose ETag/Last-Modified were lost. ``html=None``: no cache."""
        await self.journal("page", article_id, meta)
        if html is not None:
            await asyncio.to_thread(atomic_write_text, self.html_cache(article_id), html)

    # -- files ------------------------------------------------------------------------------
    async def adopt_file(self, url: str, rel: str) -> dict[str, Any]:
        """A file under its final name with no journal line (killed between the rename and the
        line): it was verified before the rename, so record it as it is."""
        digest, size = await asyncio.to_thread(_sha256, self.run_path / rel)
        known = {"path": rel, "etag": None, "last_modified": None, "sha256": digest, "bytes": size}
        await self.journal("file", url, known)
        return known

    async def commit_file(self, url: str, part: Path, rel: str, headers: Any) -> dict[str, Any]:
        """Journal a verified download, then rename it onto its final name (durably)."""
        digest, size = await asyncio.to_thread(_sha256, part)
        meta = {
            "path": rel,
            "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
            "sha256": digest,
            "bytes": size,
        }
        await self.journal("file", url, meta)
        await asyncio.to_thread(_finalize, part, self.run_path / rel)
        return meta

    # -- records ----------------------------------------------------------------------------
    async def add_record(self, record: ArticleRecord) -> None:
        await self._append(self.articles, record.model_dump(mode="json"))
        if record.id in self.records:
            self._duplicate_lines += 1
        self.records[record.id] = record

    async def journal(self, kind: str, key: str, data: dict[str, Any]) -> None:
        event = self.state.apply(kind, key, data)
        await self._append(self.state.journal, event)

    async def _append(self, path: Path, record: dict[str, Any]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._appender, append_jsonl, path, record)

    # -- the end of a run -------------------------------------------------------------------
    def close(self) -> None:
        """Wait for every pending append."""
        self._appender.shutdown(wait=True)

    def finish(self, info: dict[str, Any]) -> None:
        """Compact articles.jsonl to one line per id (the last), snapshot the state."""
        if self._duplicate_lines > 0:
            write_jsonl(self.articles, [r.model_dump(mode="json") for r in self.records.values()])
        self.state.info.update(info)
        self.state.save()

    def write_report(self, report: dict[str, Any]) -> None:
        atomic_write_json(self.run_path / REPORT, report)


def _finalize(part: Path, final: Path) -> None:
    """Rename the verified .part file onto its final name (durably)."""
    os.replace(part, final)
    fsync_dir(final.parent)


def _sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size
