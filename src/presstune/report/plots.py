"""The report's plots as PNG bytes (matplotlib, Agg backend)."""

from __future__ import annotations

import io
from typing import Any


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return buf.getvalue()


def _loss(row: dict[str, Any]) -> Any:
    # the trainer exports "train_loss"; older/other exports may call it "loss"
    return row.get("train_loss", row.get("loss"))


def _error_bar(value: float | None, ci: Any, scale: float = 1.0) -> list[list[float]] | None:
    if value is None or not (isinstance(ci, list | tuple) and len(ci) == 2):
        return None
    return [[max(value - ci[0], 0) * scale], [max(ci[1] - value, 0) * scale]]


def quality_size_plot(points: list[dict[str, Any]]) -> bytes | None:
    """Knowledge QA and perplexity against parameters: one point per variant, base included."""
    if not points:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    panels = (
        (axes[0], "knowledge", "knowledge_ci", 100.0, "knowledge QA contains answer (%)"),
        (axes[1], "perplexity", "perplexity_ci", 1.0, "perplexity on held-out text (lower = more fluent)"),
    )
    for ax, key, ci_key, scale, label in panels:
        drawn = False
        for p in points:
            value = p.get(key)
            if value is None:
                continue
            drawn = True
            err = _error_bar(value, p.get(ci_key), scale)
            ax.errorbar(p["parameters"] / 1e6, value * scale, yerr=err, fmt="o", capsize=4)
            ax.annotate(p["variant"], (p["parameters"] / 1e6, value * scale), xytext=(6, 4), textcoords="offset points")
            if key == "knowledge" and p.get("rag") is not None:
                ax.plot(p["parameters"] / 1e6, p["rag"] * scale, marker="^", color="grey", linestyle="none")
        if key == "knowledge" and any(p.get("rag") is not None for p in points):
            ax.plot([], [], marker="^", color="grey", linestyle="none", label="+ RAG")
            ax.legend(loc="best", fontsize=8)
        if key == "knowledge" and drawn:  # a share: from 0, so that 0% reads as nothing, not as a middle
            top = max(
                (
                    100 * (p.get("knowledge_ci") or [0, p["knowledge"] or 0])[1]
                    for p in points
                    if p.get("knowledge") is not None
                ),
                default=0,
            )
            top = max([top, *(100 * p["rag"] for p in points if p.get("rag") is not None)])
            ax.set_ylim(-2, max(10.0, 1.15 * top))
        if not drawn:
            ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes, color="grey")
        ax.set_xlabel("parameters (millions)")
        ax.set_ylabel(label, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_title("what it knows, by size", fontsize=10)
    axes[1].set_title("how fluent, by size", fontsize=10)
    fig.tight_layout(w_pad=3)
    return _png(fig)


def loss_plot(curves: dict[str, list[dict[str, Any]]], resumed: dict[str, int] | None = None) -> bytes | None:
    if not curves:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name, rows in curves.items():
        train = [(r["step"], _loss(r)) for r in rows if _loss(r) is not None and r.get("step") is not None]
        evals = [
            (r["step"], r["eval_loss"]) for r in rows if r.get("eval_loss") is not None and r.get("step") is not None
        ]
        color = None
        if train:
            color = axes[0].plot(*zip(*train), label=name)[0].get_color()
        if evals:
            color = axes[1].plot(*zip(*evals), marker="o", label=name, color=color)[0].get_color()
        step = (resumed or {}).get(name)
        if step is not None:
            # a killed run resumed here: the curve continues from this checkpoint
            for ax in axes:
                ax.axvline(step, color=color, linestyle=":", linewidth=1)
            axes[0].annotate(
                f"{name} resumed",
                (step, 0.98),
                xycoords=("data", "axes fraction"),
                fontsize=7,
                rotation=90,
                va="top",
                ha="right",
                color=color,
            )
    for ax, title in zip(axes, ("training loss", "eval loss")):
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.set_ylabel("loss (nats/token)")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    return _png(fig)


def importance_plot(values: list[float]) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 3.5))
    ax.bar(range(len(values)), values)
    ax.set_xlabel("layer")
    ax.set_ylabel("block influence")
    ax.set_title("layer importance")
    return _png(fig)
