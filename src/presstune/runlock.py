"""An exclusive lock on a run directory for every stage that writes into it.

Two writers on one run directory corrupt it (two collectors appended duplicate lines and crashed
in the final rename). ``with run_lock(path, "collect"):`` takes an advisory ``flock`` on
``<run>/.presstune.lock`` and writes the holder's pid and stage into it; a second *process*
gets :class:`RunLocked` naming that pid at once, instead of waiting. The kernel drops the lock
when its holder dies (kill -9 included), so a lock file left by a dead pid is simply taken
over. Within one process the lock is re-entrant: ``presstune run`` holds it for the whole
pipeline while each stage takes it again.

Written on ``fcntl.flock`` (POSIX) rather than a pid file alone because only the kernel knows
for sure that the holder is gone; the pid in the file is there for the message.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LOCK_FILE = ".presstune.lock"


@dataclass
class _Held:
    handle: IO[str]  # the open lock file: closing it releases the flock
    depth: int


_held: dict[Path, _Held] = {}  # resolved run directory -> this process's hold on it
_guard = threading.Lock()


class RunLocked(RuntimeError):
    """The run directory is in use by another process."""


def _holder(lock_path: Path) -> str:
    try:
        info = json.loads(lock_path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another process"
    return f"pid {info['pid']} ({info.get('stage', '?')}, since {info.get('since', '?')})"


@contextlib.contextmanager
def run_lock(run_path: str | Path, stage: str) -> Iterator[None]:
    """Hold the run directory's lock for the block; raises :class:`RunLocked` if another
    process holds it."""
    path = Path(run_path).resolve()
    with _guard:
        entry = _held.get(path)
        if entry is not None:  # this process holds it already (pipeline -> stage)
            entry.depth += 1
        else:
            path.mkdir(parents=True, exist_ok=True)
            lock_path = path / LOCK_FILE
            handle = open(lock_path, "a+", encoding="utf-8")  # held open for the whole block
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise RunLocked(
                    f"run directory {path} is in use by {_holder(lock_path)}; wait for it to finish "
                    "or stop it (a dead holder's lock is taken over automatically)"
                ) from None
            since = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "stage": stage, "since": since}))
            handle.flush()
            entry = _held[path] = _Held(handle, 1)
    try:
        yield
    finally:
        with _guard:
            entry.depth -= 1
            if entry.depth == 0:
                del _held[path]
                entry.handle.truncate(0)
                entry.handle.close()
