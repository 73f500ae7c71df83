"""Resumable collect state: an atomic snapshot plus an append-only journal.

``collect_state.json`` is rewritten atomically at the end of a run; while a run goes on, every
completed page fetch and every PDF renamed into place is appended (fsync'd) to
``collect_journal.jsonl``. After ``kill -9`` the next run loads the snapshot and replays the
journal, so it knows the ETag/Last-Modified of every complete page and file and fetches
nothing twice. (Rewriting a large JSON file per item would cost O(n^2) I/O; an append does not.)
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
from pathlib import Path
from typing import Any

from presstune.rundir import append_jsonl, atomic_write_json, read_jsonl

STATE_FILE = "collect_state.json"
JOURNAL_FILE = "collect_journal.jsonl"
VERSION = 1


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


class CollectState:
    def __init__(self, run_path: Path):
        self.path = run_path / STATE_FILE
        self.journal = run_path / JOURNAL_FILE
        self.pages: dict[str, dict[str, Any]] = {}  # article id -> url, etag, last_modified, lastmod, html
        self.files: dict[str, dict[str, Any]] = {}  # attachment url -> path, etag, last_modified, sha256, bytes
        self.info: dict[str, Any] = {}

    def load(self) -> CollectState:
        if self.path.exists():
            with contextlib.suppress(json.JSONDecodeError, OSError):
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if data.get("version") == VERSION:
                    self.pages = data.get("pages", {})
                    self.files = data.get("files", {})
                    self.info = data.get("info", {})
        for event in read_jsonl(self.journal):
            self._apply(event)
        return self

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        key = event.get("key")
        if not isinstance(key, str):
            return
        data = event.get("data", {})
        if kind == "page":
            self.pages[key] = data
        elif kind == "file":
            self.files[key] = data
        elif kind == "file_gone":
            self.files.pop(key, None)

    def apply(self, kind: str, key: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Apply an event in memory and return it; the caller appends it to the journal."""
        event = {"event": kind, "key": key, "data": data or {}}
        self._apply(event)
        return event

    def record(self, kind: str, key: str, data: dict[str, Any] | None = None) -> None:
        append_jsonl(self.journal, self.apply(kind, key, data))

    def save(self) -> None:
        """Snapshot atomically, then drop the journal (a crash in between only replays it)."""
        atomic_write_json(
            self.path,
            {"version": VERSION, "updated": now_iso(), "info": self.info, "pages": self.pages, "files": self.files},
            indent=None,
        )
        with contextlib.suppress(FileNotFoundError):
            self.journal.unlink()
