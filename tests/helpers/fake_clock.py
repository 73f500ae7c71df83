"""A fake clock for code that takes ``clock`` and ``sleep`` functions: time passes only when the code
under test sleeps, so waits are checked exactly and take no wall time."""

from __future__ import annotations

import asyncio
import threading


class FakeClock:
    """``clock()`` reads the fake time; ``await clock.sleep(s)`` (or ``clock.sleep_blocking(s)`` in
    threaded code) records ``s`` and moves the fake time on by it. ``sleeps`` lists every wait."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)  # still a suspension point, like a real sleep

    def sleep_blocking(self, seconds: float) -> None:
        self.advance(seconds)
