"""Decompression with a cap on the decoded size, for Content-Encoding and ``.xml.gz`` sitemaps.

Written by hand because httpx's decoders and ``gzip.decompress`` inflate each input chunk whole:
one 64 KiB network chunk of a gzip bomb becomes ~64 MiB before any cap can look at it. zlib's
``max_length`` bounds every call instead, so memory never exceeds the cap.
"""

from __future__ import annotations

import zlib


class TooLarge(Exception):
    """More decoded bytes than the cap allows."""


class CappedInflater:
    """Streaming gzip / zlib / raw-deflate decoder that raises :class:`TooLarge` past ``cap``."""

    def __init__(self, encoding: str, cap: int):
        self.encoding = encoding
        self.cap = cap
        self.decoded = 0
        # gzip: gzip header; deflate: zlib header (RFC 9110), or raw deflate from broken servers
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        self._raw_fallback = encoding == "deflate"

    def feed(self, data: bytes) -> bytes:
        room = self.cap - self.decoded + 1
        try:
            piece = self._z.decompress(data, room)
        except zlib.error:
            if not (self._raw_fallback and self.decoded == 0):
                raise
            self._raw_fallback = False
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            piece = self._z.decompress(data, room)
        self._raw_fallback = False
        self.decoded += len(piece)
        if self.decoded > self.cap:  # max_length reached: more output is pending
            raise TooLarge(f"more than {self.cap} bytes decoded")
        return piece
