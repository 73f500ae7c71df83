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


def verdict(name: str, metrics: dict[str, Any], base: dict[str, Any] | None) -> Verdict:
    """The one-line verdict of variant ``name`` (its ``metrics`` dict) against ``base``'s metrics
    (None when the run has no base: the numbers alone)."""
    is_base = name == "base" or base is None
    base_metrics: dict[str, Any] = {} if is_base or base is None else base
    parts: list[str] = []
    judged: list[str] = []

    know, know_base = metrics.get(KNOWLEDGE_KEY), base_metrics.get(KNOWLEDGE_KEY)
    knowledge = None
    if _value(know) is not None:
        text = f"knows {_pct(_value(know))} of the news"
        if _value(know_base) is not None:
            text += f" (base {_pct(_value(know_base))})"
            knowledge = share_change(know, know_base, metrics.get(f"{KNOWLEDGE_KEY}_vs_base"))
        parts.append(text)
        if knowledge:
            judged.append(KNOWLEDGE_WORDS[knowledge])

    retention = None
    kept, kept_base = metrics.get(RETENTION_KEY), base_metrics.get(RETENTION_KEY)
    reference = metrics if name == "base" else base_metrics
    if _value(kept) is not None and _value(reference.get(RETENTION_KEY)) != 0.0:
        text = f"answers {_pct(_value(kept))} of general questions"
        if _value(kept_base) is not None:
            text += f" (base {_pct(_value(kept_base))})"
            retention = share_change(kept, kept_base, metrics.get(f"{RETENTION_KEY}_vs_base"))
        parts.append(text)
        if retention:
            judged.append(RETENTION_WORDS[retention])
    elif _value(metrics.get(RETENTION_PPL_KEY)) is not None:
        # A base that answers no general question cannot lose any (the demo's tiny model): its
        # perplexity on texts it handles is then the retention measure.
        ppl, ppl_base = metrics.get(RETENTION_PPL_KEY), base_metrics.get(RETENTION_PPL_KEY)
        text = f"general-text perplexity {_ppl(_value(ppl))}"
        if _value(ppl_base) is not None:
            text += f" (base {_ppl(_value(ppl_base))})"
            retention = perplexity_change(ppl, ppl_base)
        parts.append(text)
        if retention:
            judged.append(RETENTION_PPL_WORDS[retention])

    fluency = None
    domain, domain_base = metrics.get(DOMAIN_PPL_KEY), base_metrics.get(DOMAIN_PPL_KEY)
    if _value(domain) is not None:
        text = f"domain perplexity {_ppl(_value(domain))}"
        if _value(domain_base) is not None:
            text += f" (base {_ppl(_value(domain_base))})"
            fluency = perplexity_change(domain, domain_base)
        parts.append(text)
        if fluency:
            judged.append(FLUENCY_WORDS[fluency])

    if not parts:
        line = "no knowledge, retention or perplexity measured"
    elif name == "base":
        line = "the reference: " + ", ".join(parts)
    elif not base_metrics:
        line = ", ".join(parts) + " (no base measured to compare with)"
    else:
        line = ", ".join(parts) + (": " + "; ".join(judged) if judged else "")
    return Verdict(name, line, knowledge, retention, fluency)


def verdicts(metrics: dict[str, dict[str, Any]]) -> dict[str, Verdict]:
    """Every variant's verdict against the run's base (``metrics/base.json``) when there is one."""
    base_doc = metrics.get("base")
    base = base_doc.get("metrics") if isinstance(base_doc, dict) else None
    return {name: verdict(name, doc.get("metrics") or {}, base) for name, doc in metrics.items()}
