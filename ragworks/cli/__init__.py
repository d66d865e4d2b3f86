"""The ``ragworks`` command: serve, ingest, ask, worker, reindex, doctor, and the groups
eval, classifier, keys, experiment and source (one module each)."""

from __future__ import annotations

import typer

from ragworks.cli.classifier import clf_app
from ragworks.cli.common import ingest_paths, open_services, sample_corpus
from ragworks.cli.evals import eval_app
from ragworks.cli.experiments import exp_app
from ragworks.cli.help import use_plain_placeholders
from ragworks.cli.keys import keys_app
from ragworks.cli.serving import ask, doctor, ingest, reindex, serve, worker
from ragworks.cli.sources import source_app

use_plain_placeholders()
app = typer.Typer(help="ragworks: ask questions over your own documents.", no_args_is_help=True)
for command in (ingest, worker, reindex, ask, serve, doctor):
    app.command()(command)
app.add_typer(eval_app, name="eval")
app.add_typer(clf_app, name="classifier")
app.add_typer(keys_app, name="keys")
app.add_typer(exp_app, name="experiment")
app.add_typer(source_app, name="source")

__all__ = ["open_services", "app", "ingest_paths", "main", "sample_corpus"]


def main() -> None:
    """Expected errors (bad input, a missing dataset or experiment, a store that is down)
    are one line on stderr and exit 2; ``--debug`` shows the traceback instead."""
    import sys

    from ragworks.cli.common import err
    from ragworks.errors import RagworksError

    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        typer.main.get_command(app).main(prog_name="ragworks")  # usage errors: click's
    except RagworksError as exc:
        if debug:
            raise
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise SystemExit(2) from None
