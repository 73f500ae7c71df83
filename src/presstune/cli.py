"""The thin command-line layer: one verb per stage; the work lives in the stage packages.

Stage modules register their own commands (``presstune/<stage>/cli.py::register``) and
import heavy libraries (torch, transformers) inside the command bodies, so ``--help`` is fast.
Their shared helpers live in :mod:`presstune.cli_common`, so no stage imports this module back.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml

from presstune import __version__, pipeline
from presstune import console as console_module
from presstune.cli_common import ConfigOpt, SetOpt, fail, load_cli_config
from presstune.collect import cli as collect_cli
from presstune.config import ConfigError, dump_config
from presstune.console import console, error
from presstune.corpus import cli as corpus_cli
from presstune.evaluate import cli as evaluate_cli
from presstune.models import cli as models_cli
from presstune.replica import cli as replica_cli
from presstune.report import cli as report_cli
from presstune.runlock import RunLocked
from presstune.train import cli as train_cli
from presstune.use import cli as use_cli

app = typer.Typer(
    name="presstune",
    help="Press portal -> domain-tuned LLM: collect, corpus, layer-pruned variants, train, evaluate, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: Re-exported for stage code written against the old location.
__all__ = ["ConfigOpt", "SetOpt", "app", "console", "fail", "load_cli_config", "main"]

#: Root options accepted anywhere on the command line (``presstune demo --quick -v``).
GLOBAL_FLAGS = ("-v", "--verbose", "--debug")


def _version_callback(value: bool) -> None:
    if value:
        print(f"presstune {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also show library output (progress bars, warnings) on the console.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Print full tracebacks on failure.")] = False,
) -> None:
    """presstune command line. Library output goes to the run's logs/*.log (on the console with -v)."""
    console_module.configure(verbose=verbose, debug=debug)


config_app = typer.Typer(help="Inspect and validate configuration files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Print the resolved configuration (after 'extends' and --set) as YAML."""
    cfg = load_cli_config(config, set_)
    print(yaml.safe_dump(dump_config(cfg), sort_keys=False, allow_unicode=True), end="")


@config_app.command("validate")
def config_validate(config: Annotated[Path, typer.Argument(help="YAML config file.")], set_: SetOpt = None) -> None:
    """Validate a configuration file; exit 2 with one line naming the key if it is wrong."""
    load_cli_config(config, set_)
    print(f"{config}: ok")


def _register_stages() -> None:
    for module in (replica_cli, collect_cli, corpus_cli, models_cli, train_cli, evaluate_cli, report_cli, pipeline):
        module.register(app)
    use_cli.register(app)


_register_stages()


def _hoist_global_flags(argv: list[str]) -> list[str]:
    """Move -v/--verbose/--debug in front of the subcommand: typer only reads root options there."""
    flags = [a for a in argv if a in GLOBAL_FLAGS]
    return flags + [a for a in argv if a not in GLOBAL_FLAGS]


def main() -> None:
    args = _hoist_global_flags(sys.argv[1:])
    try:
        app(args=args)
    except (ConfigError, RunLocked) as exc:  # raised from inside a stage
        error(str(exc))
        sys.exit(2)
    except Exception as exc:  # anything a stage did not turn into a clear message
        if console_module.debug_enabled():
            raise
        error(f"{type(exc).__name__}: {exc}")
        sys.exit(1)


if __name__ == "__main__":
    main()
