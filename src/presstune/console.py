"""The console a person reads, and the log file that holds everything else.

presstune's own lines (stage rules, one line per finished sub-step, errors) go to the console;
library output — Hugging Face progress bars ("Loading weights", "Writing model shards",
"Tokenizing ..."), the trainer's ``{'loss': ...}`` dicts, ``FutureWarning``\\ s, library
logging — goes to the run's log file ``<run>/logs/<name>.log`` (and to the console as well with
``-v``). :func:`run_logging` does the routing by swapping ``sys.stdout``/``sys.stderr`` for the
duration of a command: libraries write there at call time, so no library needs configuring one
by one, and nothing they print is lost.

Progress: :func:`step` is one line per stage sub-step. On a terminal it is a rich progress bar
(ETA when the total is known); elsewhere (CI, a pipe) it prints one plain line when the step
ends, without cursor codes. Code deep inside a stage marks its phases with :func:`phase`, a
no-op when no step is open, so stage modules need no console plumbing.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.markup import escape

log = logging.getLogger("presstune")


@dataclass
class _State:
    verbose: bool = False
    debug: bool = False
    #: The process's real streams while run_logging has swapped sys.stdout/sys.stderr.
    real_stdout: IO[str] | None = None
    real_stderr: IO[str] | None = None
    log_path: Path | None = None
    log_console: Console | None = None
    steps: list[Step] = field(default_factory=list)
    progress: Any = None


_state = _State()


class _Stream:
    """File-like target of the console: the real stderr, resolved at write time (pytest and
    typer's CliRunner swap sys.stderr, run_logging swaps it for the log)."""

    def __init__(self, name: str):
        self.name = name

    def _target(self) -> IO[str]:
        real = _state.real_stderr if self.name == "stderr" else _state.real_stdout
        return real or getattr(sys, self.name)

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return bool(getattr(self._target(), "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._target().fileno()


class _MirroredConsole(Console):
    """A console whose printed lines and rules (not its live progress frames) are also written to the log file."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*objects, **kwargs)
        if _state.log_console is not None:
            _state.log_console.print(*objects, **kwargs)


console = _MirroredConsole(file=_Stream("stderr"), highlight=False)  # type: ignore[arg-type]  # duck-typed: write/flush


def configure(verbose: bool = False, debug: bool = False) -> None:
    """Set from the root command's ``-v`` / ``--debug``."""
    _state.verbose = verbose
    _state.debug = debug


def debug_enabled() -> bool:
    return _state.debug


def log_path() -> Path | None:
    return _state.log_path


def stdout() -> IO[str]:
    """The real stdout, for results (an answer streamed token by token), also inside run_logging."""
    return _state.real_stdout or sys.stdout


def print_result(text: str) -> None:
    """A result line for stdout (a path, an answer), never the log file, never rich markup."""
    stream = stdout()
    stream.write(text + "\n")
    stream.flush()


def error(message: str, item: str | None = None) -> None:
    """Print one error line; names the item and the log file; --debug adds the traceback."""
    text = f"[bold red]error:[/] {escape(str(message))}"
    if item:
        text += f"  [dim](item: {escape(item)})[/]"
    exc = sys.exc_info()[1]
    if exc is not None and _state.real_stderr is not None:  # the log file is open: the traceback goes there
        log.error("%s", message, exc_info=exc)
    if exc is not None and _state.debug:
        console.print(escape("".join(traceback.format_exception(exc))), soft_wrap=True)
    console.print(text, soft_wrap=True)
    if _state.log_path is not None:
        hint = "" if _state.debug else "; --debug prints the traceback"
        console.print(f"[dim]details: {escape(str(_state.log_path))}{hint}[/]", soft_wrap=True)


# -- routing library output to the log file -------------------------------------------------


class _LogStream:
    """Stands in for sys.stdout/sys.stderr: writes to the log file (and, with -v, to the real stream).

    Progress bars end their updates with carriage returns; in the file each update becomes a line.
    """

    def __init__(self, log_file: IO[str], real: IO[str]):
        self.log_file = log_file
        self.real = real

    def write(self, text: str) -> int:
        self.log_file.write(text.replace("\r", "\n"))
        if _state.verbose:
            self.real.write(text)
        return len(text)

    def flush(self) -> None:
        self.log_file.flush()
        if _state.verbose:
            self.real.flush()

    def isatty(self) -> bool:
        return False  # library bars and colours are for the file: plain

    def fileno(self) -> int:
        return self.real.fileno()  # for C code and child processes that need an fd

    @property
    def encoding(self) -> str:
        return "utf-8"


def _transformers_logging_to_root(on: bool) -> None:
    """transformers keeps its own stderr handler (made at import): send its records to ours instead."""
    import transformers.utils.logging as hf_logging

    if on:
        hf_logging.disable_default_handler()
        hf_logging.enable_propagation()
    else:
        hf_logging.disable_propagation()
        hf_logging.enable_default_handler()


@contextlib.contextmanager
def run_logging(run_dir: str | Path, name: str) -> Iterator[Path]:
    """Route library output to ``<run_dir>/logs/<name>.log`` for the duration of a command.

    The file is appended to (a resumed run keeps the earlier attempt's log above). Exceptions
    are written to it with their traceback before they propagate.
    """
    if _state.real_stderr is not None:  # nested (a stage run inside the pipeline): one log
        yield _state.log_path or Path(run_dir) / "logs" / f"{name}.log"
        return
    path = Path(run_dir) / "logs" / f"{name}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (closed in finally)
    log_file.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S %Z')} presstune {' '.join(sys.argv[1:])}\n")
    _state.real_stdout, _state.real_stderr = sys.stdout, sys.stderr
    _state.log_path = path
    _state.log_console = Console(file=log_file, width=120, no_color=True, highlight=False, soft_wrap=True)
    sys.stdout = _LogStream(log_file, _state.real_stdout)
    sys.stderr = _LogStream(log_file, _state.real_stderr)
    handler = logging.StreamHandler(sys.stderr)  # the log stream: file, + console with -v
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    _transformers_logging_to_root(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")  # every warning once per place, into the log
            yield path
    except BaseException as exc:
        if not isinstance(exc, SystemExit | KeyboardInterrupt):
            log.error("failed: %s: %s", type(exc).__name__, exc, exc_info=exc)
        raise
    finally:
        _stop_progress()  # a step a library left open (an exception skipped its end)
        logging.captureWarnings(False)
        _transformers_logging_to_root(False)
        root.removeHandler(handler)
        root.setLevel(old_level)
        sys.stdout, sys.stderr = _state.real_stdout, _state.real_stderr
        _state.real_stdout = _state.real_stderr = None
        _state.log_console = None
        log_file.close()
        # the path stays known: a failure printed after the command returns still names the file


# -- progress -------------------------------------------------------------------------------


def _format_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


class Step:
    """One sub-step's line: a bar on a terminal, a plain line when it ends elsewhere."""

    def __init__(self, description: str, total: float | None, unit: str):
        self.description = description
        self.total = total
        self.unit = unit
        self.completed = 0.0
        self.info = ""
        self.phases: list[tuple[str, float]] = []
        self._phase_started = 0.0
        self.started = time.perf_counter()
        self.task = None

    def update(self, completed: float | None = None, total: float | None = None, info: str | None = None) -> None:
        if completed is not None:
            self.completed = completed
        if total is not None:
            self.total = total
        if info is not None:
            self.info = info
        if _state.progress is not None and self.task is not None:
            _state.progress.update(
                self.task, completed=self.completed, total=self.total, info=escape(self.info), refresh=False
            )

    def advance(self, amount: float = 1) -> None:
        self.update(completed=self.completed + amount)

    def phase(self, name: str) -> None:
        """Start the next named phase (the previous one ends, and counts as one unit done)."""
        now = time.perf_counter()
        if self.phases:
            last, _ = self.phases[-1]
            self.phases[-1] = (last, now - self._phase_started)
            self.advance()
        self.phases.append((name, 0.0))
        self._phase_started = now
        self.update(info=name)

    def _close_phase(self) -> None:
        if self.phases:
            last, _ = self.phases[-1]
            self.phases[-1] = (last, time.perf_counter() - self._phase_started)

    def summary(self) -> str:
        parts = []
        if self.total and not self.phases:
            parts.append(f"{self.completed:,.0f}/{self.total:,.0f}{(' ' + self.unit) if self.unit else ''}")
        parts.append(_format_seconds(time.perf_counter() - self.started))
        if self.phases:
            parts.append(" · ".join(f"{n} {s:.1f} s" for n, s in self.phases))
        elif self.info:
            parts.append(self.info)
        return "  ".join(parts)


def _make_progress() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.progress import TimeRemainingColumn as Eta

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        Eta(),
        TextColumn("{task.fields[info]}"),
        console=console,
        transient=False,
    )


@contextlib.contextmanager
def step(description: str, total: float | None = None, unit: str = "", completed: float = 0) -> Iterator[Step]:
    """One line for a sub-step; ``with step("train original", total=steps) as s: s.advance()``."""
    current = Step(description, total, unit)
    current.completed = completed
    interactive = console.is_terminal
    if interactive:
        if _state.progress is None:
            _state.progress = _make_progress()
            _state.progress.start()
        current.task = _state.progress.add_task(escape(description), total=total, completed=completed, info="")
    _state.steps.append(current)
    log.info("start: %s", description)
    ok = False
    try:
        yield current
        ok = True
    finally:
        current._close_phase()
        if current in _state.steps:  # _stop_progress may have cleared a step an exception left open
            _state.steps.remove(current)
        line = f"{description}: {current.summary()}"
        log.info("%s: %s", "done" if ok else "failed", line)
        if interactive:
            if ok and current.total is None:
                _state.progress.update(current.task, total=1, completed=1)
            if not _state.steps:
                _state.progress.stop()
                _state.progress = None
            if _state.log_console is not None:
                _state.log_console.print(("✓ " if ok else "✗ ") + line)
        else:
            console.print(("[green]✓[/] " if ok else "[red]✗[/] ") + escape(line), soft_wrap=True)


def _stop_progress() -> None:
    _state.steps.clear()
    if _state.progress is not None:
        _state.progress.stop()
        _state.progress = None


def phase(name: str) -> None:
    """Mark the next phase of the innermost open step (no-op outside a step)."""
    if _state.steps:
        _state.steps[-1].phase(name)
