"""One variant under evaluation and the interface every measurement implements."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from presstune.config.evaluate import EvaluateConfig
from presstune.evaluate.data import EvalData
from presstune.records import QuestionRow
from presstune.rundir import RunDir, write_jsonl


@dataclass
class VariantUnderTest:
    """One variant under evaluation: the loaded model, where it came from, the run's eval data and
    settings, and what the measurements have found so far. Each :class:`Measurement` of
    :func:`presstune.evaluate.runner.evaluate_variant` reads and adds to it."""

    run: RunDir
    name: str
    eval_cfg: EvaluateConfig
    config: Any
    model: Any
    tokenizer: Any
    data: EvalData
    system_prompt: str
    pad_id: int
    eot: int
    #: The model source (:func:`presstune.models.checkpoints.resolve_variant`).
    source: dict[str, Any] = field(default_factory=dict)
    #: The semantic-entropy clusterer given by the caller (None: built from the settings).
    judge: Any = None
    metrics: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    #: The device the cost measurement ran on (its name, for the result document).
    device_name: str = ""
    #: The QA sets (:func:`presstune.evaluate.qa_sets.qa_sets`), once the held-out QA has built them.
    qa_sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Per-question rows of each QA set asked so far, by their folder under ``metrics/``.
    rows: dict[str, list[QuestionRow]] = field(default_factory=dict)

    @property
    def score_kw(self) -> dict[str, Any]:
        """The perplexity scorer's settings (:func:`score_documents`)."""
        cfg = self.eval_cfg
        return dict(
            window=cfg.window,
            stride=cfg.stride,
            batch_size=cfg.batch_size,
            max_batch_tokens=cfg.max_batch_tokens,
            logits_chunk=cfg.logits_chunk,
            pad_id=self.pad_id,
        )

    def write_rows(self, folder: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """The per-item file ``metrics/<folder>/<variant>.jsonl``."""
        write_jsonl(self.run.metric_rows(folder, self.name), rows)

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Record the wall-clock seconds of one step under ``seconds[step]``."""
        t = time.perf_counter()
        yield
        self.seconds[step] = time.perf_counter() - t


@dataclass(frozen=True)
class Measurement:
    """One measurement of a variant: ``measure(v)`` adds its metrics (and any error that must not
    stop the others) to ``v`` and writes its per-item rows under ``metrics/``. The runner shows
    ``progress`` as the phase when set and records the wall-clock seconds under
    ``seconds[step]`` when ``step`` is set."""

    step: str
    progress: str | None
    measure: Callable[[VariantUnderTest], None]
