"""report stage: one self-contained HTML page and one Markdown file comparing the run's variants."""

from __future__ import annotations

from pathlib import Path


def build_report(run_dir: str | Path, title: str | None = None) -> dict[str, Path]:
    from presstune.report.build import build_report as _build

    return _build(run_dir, title)


__all__ = ["build_report"]
