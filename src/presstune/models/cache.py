"""Build-once entries under ``~/.cache/presstune``: the demo base, converted models, tokenizers.

An entry is built into a private temporary folder next to it and renamed into place only when
complete, so an entry that exists is whole: a build that fails, is killed or races another never
leaves a half entry that gets used. When two builds race, the first rename wins and the loser's
copy is discarded. Temporary folders of dead builds are cleaned up.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any


def default_cache_root() -> Path:
    """``$PRESSTUNE_CACHE`` or ``~/.cache/presstune``."""
    return Path(os.environ.get("PRESSTUNE_CACHE") or Path.home() / ".cache" / "presstune")


def cached_build(entry: Path, marker: str, build: Callable[[Path], Any]) -> Path:
    """``entry`` once ``entry/marker`` exists; else ``build(tmp_folder)`` and rename it to ``entry``."""
    if (entry / marker).is_file():
        return entry
    entry.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_temp_dirs(entry.parent, entry.name)
    tmp = entry.parent / f".tmp-{entry.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        build(tmp)
        try:
            os.rename(tmp, entry)
        except OSError:
            if not (entry / marker).is_file():
                raise
            # Another build finished first: use its (same-key) entry.
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return entry


def remove_dead_temp_dirs(base: Path, key: str) -> None:
    """Delete ``.tmp-<key>-<pid>-<random>`` dirs whose build process is gone (killed mid-build)."""
    for path in base.glob(f".tmp-{key}-*"):
        try:
            pid = int(path.name.rsplit("-", 2)[1])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            continue
