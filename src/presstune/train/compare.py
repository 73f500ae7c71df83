"""Diff two resolved configs, so a report can state every difference between variant runs.

Variant files ``extends:`` one base and change only what names the variant; this module is
the check: any key outside :data:`VARIANT_KEYS` that differs is a confound and is flagged.
"""

from __future__ import annotations

from typing import Any

from presstune.cache import flatten_keys

#: Top-level keys a variant file is expected to change.
VARIANT_KEYS = ("variants", "run.name")


def diff_configs(a: Any, b: Any) -> list[dict[str, Any]]:
    """Every key path whose resolved value differs: ``[{key, a, b, expected}]``.

    ``a``/``b`` are Config objects or plain dicts. ``expected`` is True for keys a variant
    file is meant to change (the variant list, the run name).
    """
    da = a.model_dump(mode="json") if hasattr(a, "model_dump") else a
    db = b.model_dump(mode="json") if hasattr(b, "model_dump") else b
    fa, fb = flatten_keys(da), flatten_keys(db)
    rows = []
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key, "<unset>"), fb.get(key, "<unset>")
        if va != vb:
            expected = any(key == k or key.startswith(k + ".") for k in VARIANT_KEYS)
            rows.append({"key": key, "a": va, "b": vb, "expected": expected})
    return rows


def format_diff(rows: list[dict[str, Any]], name_a: str = "a", name_b: str = "b") -> str:
    """A Markdown table of the differences; unexpected ones are marked."""
    if not rows:
        return f"{name_a} and {name_b} resolve to identical settings."
    lines = [f"| key | {name_a} | {name_b} | |", "|---|---|---|---|"]
    for row in rows:
        flag = "variant" if row["expected"] else "**differs outside the variant**"
        lines.append(f"| `{row['key']}` | {row['a']!s} | {row['b']!s} | {flag} |")
    return "\n".join(lines)


def training_differences(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The differences that would make a variant comparison unfair."""
    return [row for row in rows if not row["expected"]]
