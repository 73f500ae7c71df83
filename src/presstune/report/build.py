"""Write ``report/index.html`` (self-contained: inline CSS, plots as data URIs), ``report/README.md``
(plots under ``report/plots/``) from one data model (:mod:`presstune.report.data`) and two jinja2
templates (``report/templates/``)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from presstune.report.data import report_data
from presstune.rundir import RunDir, atomic_write_bytes, atomic_write_text

PLOT_FILES = {"quality_size": "quality_size.png", "loss": "loss.png", "importance": "importance.png"}


def clip(text: Any, limit: int = 1200) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[:limit] + " …"


def fence(text: Any, info: str = "text") -> str:
    """A Markdown code block whose fence is longer than any backtick run in ``text``, so the
    content cannot close it (CommonMark: a closing fence is at least as long as the opening)."""
    text = str(text or "")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def md_cell(text: Any) -> str:
    """One Markdown table cell: no line breaks, pipes escaped, HTML as entities (never raw tags)."""
    text = str(text if text is not None else "")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def pretty_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, default=str)


def _environment(html: bool):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("presstune.report", "templates"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(
        clip=clip,
        fence=fence,
        cell=md_cell,
        pretty_json=pretty_json,
        # Markdown is not HTML: jinja's tojson would write a quote as \u0027 there.
        plain_json=lambda obj: json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str),
        b64=lambda data: base64.b64encode(data).decode("ascii"),
    )
    return env


def render_html(data: dict[str, Any]) -> str:
    return _environment(html=True).get_template("index.html.jinja").render(**data)


def render_markdown(data: dict[str, Any]) -> str:
    return _environment(html=False).get_template("README.md.jinja").render(**data)


def build_report(run_dir: str | Path, title: str | None = None) -> dict[str, Path]:
    """Write report/index.html, report/README.md and report/plots/*.png; returns their paths."""
    run = RunDir(run_dir)
    data = report_data(run, title)
    out = run.report
    paths = {}
    for key, name in PLOT_FILES.items():
        if data["plots"].get(key):
            paths[name] = atomic_write_bytes(out / "plots" / name, data["plots"][key])
    paths["index.html"] = atomic_write_text(out / "index.html", render_html(data))
    paths["README.md"] = atomic_write_text(out / "README.md", render_markdown(data))
    return paths
