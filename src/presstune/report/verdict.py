"""The trade-off in one line per variant: what it learnt (knowledge QA), what it kept (general
answers) and how fluent it stayed (perplexity on held-out domain text), each against the base
and judged by a rule stated here, from the numbers of ``metrics/<variant>.json`` only.

Rules (the thresholds and why):

* Shares of questions (knowledge QA, retention): a change is shown when McNemar's paired test on
  the same questions (``<key>_vs_base``, written by the evaluation) gives p < :data:`PAIRED_ALPHA`;
  without a paired result, when the two Wilson intervals do not overlap. Both variants answer the
  same questions, so the paired test is the sharper one; interval overlap is the conservative
  fallback (overlapping intervals do not prove equality: "unchanged" there means "no change shown").
* Perplexity: a ratio to the base's within +-:data:`PERPLEXITY_TOLERANCE` is "unchanged". Not
  interval overlap: every variant is scored on the same documents, so the bootstrap intervals over
  documents move together and overlap even when every document got worse; and a few per cent of
  perplexity is below what one reads as a change in fluency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from presstune.records import MetricsDocument

#: Two-sided p below which a paired difference with the base counts as a change.
PAIRED_ALPHA = 0.05
#: Relative perplexity change against the base that still counts as unchanged fluency.
PERPLEXITY_TOLERANCE = 0.05

Change = Literal["better", "worse", "unchanged"]

#: The metric each part of the verdict reads.
KNOWLEDGE_KEY = "qa_train_contains"
RETENTION_KEY = "retention_contains"
RETENTION_PPL_KEY = "retention_perplexity"
DOMAIN_PPL_KEY = "perplexity_text"


@dataclass(frozen=True)
class Verdict:
    """One variant's trade-off: the numbers in words (``text``) and the judgement per axis
    (None where a number or the base's is missing)."""

    variant: str
    text: str
    knowledge: Change | None = None
    retention: Change | None = None
    fluency: Change | None = None


def _value(metric: Any) -> float | None:
    value = metric.get("value") if isinstance(metric, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _interval(metric: Any) -> tuple[float, float] | None:
    ci = metric.get("ci95") if isinstance(metric, dict) else None
    if isinstance(ci, list | tuple) and len(ci) == 2 and all(isinstance(x, int | float) for x in ci):
        return float(ci[0]), float(ci[1])
    return None


def share_change(metric: Any, base_metric: Any, paired: Any = None) -> Change | None:
    """Whether a share of right answers moved against the base's (rules: module docstring)."""
    value, base = _value(metric), _value(base_metric)
    if value is None or base is None:
        return None
    if isinstance(paired, dict) and isinstance(paired.get("p_value"), int | float):
        if paired["p_value"] >= PAIRED_ALPHA or paired.get("b") == paired.get("c"):
            return "unchanged"
        return "better" if (paired.get("c") or 0) > (paired.get("b") or 0) else "worse"
    ours, theirs = _interval(metric), _interval(base_metric)
    if ours is None or theirs is None:
        return None
    if ours[0] > theirs[1]:
        return "better"
    if ours[1] < theirs[0]:
        return "worse"
    return "unchanged"


def perplexity_change(metric: Any, base_metric: Any) -> Change | None:
    """Lower perplexity is better; within +-PERPLEXITY_TOLERANCE of the base's is unchanged."""
    value, base = _value(metric), _value(base_metric)
    if value is None or base is None or base <= 0:
        return None
    ratio = value / base
    if ratio > 1 + PERPLEXITY_TOLERANCE:
        return "worse"
    if ratio < 1 - PERPLEXITY_TOLERANCE:
        return "better"
    return "unchanged"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _ppl(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


# "unchanged" for a share means that no change was shown (a test's power is limited by n): said so.
KNOWLEDGE_WORDS = {
    "better": "learnt the news",
    "unchanged": "no gain in news shown",
    "worse": "knows less news than the base",
}
RETENTION_WORDS = {
    "better": "general answers better",
    "unchanged": "no loss of general answers shown",
    "worse": "general answers lost",
}
RETENTION_PPL_WORDS = {
    "better": "general text fits better",
    "unchanged": "general text unchanged",
    "worse": "general text worse",
}
FLUENCY_WORDS = {"better": "fluency better", "unchanged": "fluency unchanged", "worse": "fluency worse"}


@dataclass(frozen=True)
class _Axis:
    """One part of the verdict: the metric it reads, how its number is said, and how it is judged."""

    key: str
    label: str  # "{}" is the number
    share: bool  # a share of right answers (paired test / intervals), else a perplexity (tolerance)
    words: dict[str, str]


KNOWLEDGE_AXIS = _Axis(KNOWLEDGE_KEY, "knows {} of the news", True, KNOWLEDGE_WORDS)
RETENTION_AXIS = _Axis(RETENTION_KEY, "answers {} of general questions", True, RETENTION_WORDS)
RETENTION_PPL_AXIS = _Axis(RETENTION_PPL_KEY, "general-text perplexity {}", False, RETENTION_PPL_WORDS)
FLUENCY_AXIS = _Axis(DOMAIN_PPL_KEY, "domain perplexity {}", False, FLUENCY_WORDS)


def _judge_axis(
    axis: _Axis, metrics: dict[str, Any], base_metrics: dict[str, Any], parts: list[str], judged: list[str]
) -> Change | None:
    """Say ``axis``'s number (and the base's) in ``parts``, its judgement in ``judged``; the change."""
    metric, base_metric = metrics.get(axis.key), base_metrics.get(axis.key)
    show = _pct if axis.share else _ppl
    text = axis.label.format(show(_value(metric)))
    change = None
    if _value(base_metric) is not None:
        text += f" (base {show(_value(base_metric))})"
        if axis.share:
            change = share_change(metric, base_metric, metrics.get(f"{axis.key}_vs_base"))
        else:
            change = perplexity_change(metric, base_metric)
    parts.append(text)
    if change:
        judged.append(axis.words[change])
    return change


def verdict(name: str, metrics: dict[str, Any], base: dict[str, Any] | None) -> Verdict:
    """The one-line verdict of variant ``name`` (its ``metrics`` dict) against ``base``'s metrics
    (None when the run has no base: the numbers alone)."""
    is_base = name == "base" or base is None
    base_metrics: dict[str, Any] = {} if is_base or base is None else base
    parts: list[str] = []
    judged: list[str] = []

    knowledge = retention = fluency = None
    if _value(metrics.get(KNOWLEDGE_KEY)) is not None:
        knowledge = _judge_axis(KNOWLEDGE_AXIS, metrics, base_metrics, parts, judged)
    reference = metrics if name == "base" else base_metrics
    if _value(metrics.get(RETENTION_KEY)) is not None and _value(reference.get(RETENTION_KEY)) != 0.0:
        retention = _judge_axis(RETENTION_AXIS, metrics, base_metrics, parts, judged)
    elif _value(metrics.get(RETENTION_PPL_KEY)) is not None:
        # A base that answers no general question cannot lose any (the demo's tiny model): its
        # perplexity on texts it handles is then the retention measure.
        retention = _judge_axis(RETENTION_PPL_AXIS, metrics, base_metrics, parts, judged)
    if _value(metrics.get(DOMAIN_PPL_KEY)) is not None:
        fluency = _judge_axis(FLUENCY_AXIS, metrics, base_metrics, parts, judged)

    if not parts:
        line = "no knowledge, retention or perplexity measured"
    elif name == "base":
        line = "the reference: " + ", ".join(parts)
    elif not base_metrics:
        line = ", ".join(parts) + " (no base measured to compare with)"
    else:
        line = ", ".join(parts) + (": " + "; ".join(judged) if judged else "")
    return Verdict(name, line, knowledge, retention, fluency)


def verdicts(metrics: dict[str, MetricsDocument]) -> dict[str, Verdict]:
    """Every variant's verdict against the run's base (``metrics/base.json``) when there is one."""
    base = metrics["base"].metrics if "base" in metrics else None
    return {name: verdict(name, doc.metrics, base) for name, doc in metrics.items()}
