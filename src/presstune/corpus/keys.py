"""Per-document cache keys of the corpus phases and the augmentation cache: the hash of what an
output was computed from, and the file name a document id is stored under."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def input_hash(*parts: Any) -> str:
    """sha256 (32 hex digits) of JSON-able parts, keys sorted: the same inputs, the same key."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def safe_file_name(doc_id: str) -> str:
    """``doc_id`` with everything but letters, digits, ``-`` and ``_`` replaced by ``_``."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in doc_id)
