"""Bootstrap intervals and the AUROC the metrics report."""

from __future__ import annotations

import numpy as np


def mean_ci(values: list[float], samples: int, seed: int) -> list[float] | None:
    """Bootstrap 95% interval (over items) of the mean of ``values``; None below two items."""
    if len(values) < 2 or samples <= 0:
        return None
    arr = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = arr[rng.integers(0, len(arr), size=(samples, len(arr)))].mean(axis=1)
    return [float(x) for x in np.percentile(means, [2.5, 97.5])]


def ratio_ci(numer: list[float], denom: list[float], samples: int, seed: int) -> list[float] | None:
    """Bootstrap 95% interval (over items) of sum(numer) / sum(denom)."""
    if len(numer) < 2 or samples <= 0:
        return None
    num, den = np.asarray(numer, dtype=np.float64), np.asarray(denom, dtype=np.float64)
    idx = np.random.default_rng(seed).integers(0, len(num), size=(samples, len(num)))
    ratios = num[idx].sum(axis=1) / np.maximum(den[idx].sum(axis=1), 1)
    return [float(x) for x in np.percentile(ratios, [2.5, 97.5])]


def auroc(scores: list[float], positives: list[bool]) -> float | None:
    """P(score of a wrong answer > score of a right one), ties count half."""
    pos = [s for s, p in zip(scores, positives) if p]
    neg = [s for s, p in zip(scores, positives) if not p]
    if not pos or not neg:
        return None
    wins = sum((n > p) + 0.5 * (n == p) for n in neg for p in pos)
    return wins / (len(pos) * len(neg))
