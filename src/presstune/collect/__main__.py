"""``python -m presstune.collect collect ...``: the collect command alone (same code as
``presstune collect``), for subprocess tests and for running collect without the other stages."""

import typer

from presstune.collect import cli


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.callback()(lambda: None)
    cli.register(app)
    app()


if __name__ == "__main__":
    main()
