"""Deterministic fault injection for the replica.

Transient faults (5xx, 429 with Retry-After, connection reset, slow answer, truncated PDF)
are chosen per request path from a hash of ``(site seed, path)``; a chosen path fails on
its first ``k`` attempts (``1 <= k <= max_failures``, also from the hash) and then
succeeds, so a client with enough retries always gets through and two runs with the same
seed see the same faults. Permanent faults (HTML instead of a PDF, an oversized
attachment, a changed page layout) are fixed items that never recover; they are listed by
:meth:`FaultPlan.permanent` (and ``/_replica/faults``) so tests can check that a collector
names them.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Literal

from presstune.config.replica import FaultConfig

if TYPE_CHECKING:
    from presstune.replica.site import Site

TransientKind = Literal["5xx", "429", "reset", "slow", "truncated"]


PRESETS: dict[str, FaultConfig] = {
    "none": FaultConfig(),
    "mild": FaultConfig(
        error_5xx=0.03,
        rate_limit_429=0.03,
        retry_after=1,
        reset=0.01,
        slow=0.02,
        slow_seconds=1.0,
        truncated_pdf=0.03,
        max_failures=1,
        html_instead_of_pdf=0.01,
        oversized=1,
        changed_layout=0.01,
    ),
    "harsh": FaultConfig(
        error_5xx=0.10,
        rate_limit_429=0.08,
        retry_after=1,
        reset=0.05,
        slow=0.05,
        slow_seconds=2.0,
        truncated_pdf=0.10,
        max_failures=3,
        html_instead_of_pdf=0.03,
        oversized=2,
        changed_layout=0.03,
    ),
}


def resolve(faults: str | FaultConfig | None) -> FaultConfig:
    if faults is None:
        return PRESETS["none"]
    if isinstance(faults, FaultConfig):
        return faults
    try:
        return PRESETS[faults]
    except KeyError:
        raise ValueError(f"unknown fault preset {faults!r}; choose one of {', '.join(PRESETS)}") from None


def _h01(*parts: object) -> float:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


#: Paths that never get transient faults: tools and tests read them, and robots.txt
#: decides whether a crawler may start at all.
EXEMPT_PREFIXES = ("/_replica/", "/robots.txt")


class FaultPlan:
    def __init__(self, config: FaultConfig, site: Site) -> None:
        self.config = config
        self.seed = site.seed
        pdfs = [(a.id, att.no) for a in site.articles() for att in a.attachments if att.kind == "pdf"]
        ranked = sorted(pdfs, key=lambda k: _h01(self.seed, "perm-att", *k))
        n_html = _count(config.html_instead_of_pdf, len(ranked))
        self.html_instead_of_pdf: set[tuple[str, int]] = set(ranked[:n_html])
        self.oversized: set[tuple[str, int]] = set(ranked[n_html : n_html + config.oversized])
        ids = sorted((a.id for a in site.articles()), key=lambda i: _h01(self.seed, "layout", i))
        self.changed_layout: set[str] = set(ids[: _count(config.changed_layout, len(ids))])

    def transient(self, path: str, is_attachment: bool) -> tuple[TransientKind | None, int]:
        """(fault kind, number of failing attempts) for this request path."""
        c = self.config
        if path.startswith(EXEMPT_PREFIXES):
            return None, 0
        r = _h01(self.seed, "transient", path)
        k = 1 + int(_h01(self.seed, "k", path) * c.max_failures)
        edge = 0.0
        for kind, share in (
            ("5xx", c.error_5xx),
            ("429", c.rate_limit_429),
            ("reset", c.reset),
            ("slow", c.slow),
            ("truncated", c.truncated_pdf if is_attachment else 0.0),
        ):
            edge += share
            if r < edge:
                return kind, k  # type: ignore[return-value]
        return None, 0

    def status_5xx(self, path: str) -> int:
        return (500, 502, 503)[int(_h01(self.seed, "code", path) * 3)]

    def permanent(self) -> dict[str, list[str]]:
        return {
            "html_instead_of_pdf": sorted(f"/global/article/attachment/{i}/{n}" for i, n in self.html_instead_of_pdf),
            "oversized": sorted(f"/global/article/attachment/{i}/{n}" for i, n in self.oversized),
            "changed_layout": sorted(self.changed_layout),
        }


def _count(share: float, n: int) -> int:
    if share <= 0 or n == 0:
        return 0
    return min(n, max(1, round(share * n)))
