"""What every command group shares: the consoles, building the services, reading files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import Progress

from ragworks.ingest.sniff import SUPPORTED_EXTENSIONS
from ragworks.settings import Settings

if TYPE_CHECKING:
    from ragworks.services import Services

def _console(stderr: bool = False) -> Console:
    """Lines are never wrapped (a URL or path must stay whole to be copied), and tables
    written to a file or a pipe get 160 columns, not 80."""
    console = Console(stderr=stderr, soft_wrap=True)
    if not console.is_terminal:
        console.width = 160
    return console


#: options most commands share
TENANT = typer.Option("default", help="The tenant (each tenant sees only its own data).")
AS_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")

out = _console()
err = _console(stderr=True)


def open_services(**overrides: Any) -> Services:
    from ragworks.logs import configure
    from ragworks.services import Services

    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    configure(settings)
    if settings.record_store.startswith("sqlite:"):  # say where, once: stderr, not the output
        err.print(f"[dim]data: {settings.data_dir}[/dim]", highlight=False)
    return Services(settings)


def sample_corpus() -> Path:
    return Path(str(resources.files("ragworks") / "samples" / "corpus"))


def _files(paths: list[Path]) -> list[Path]:
    """The files to ingest; files in a folder that no loader reads are named, not hidden."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            inside = sorted(f for f in p.rglob("*") if f.is_file())
            # a name without an extension (README, copyright) is tried: its content decides
            found += [f for f in inside if f.suffix.lower() in SUPPORTED_EXTENSIONS
                      or (not f.suffix and not f.name.startswith("."))]
            for f in inside:
                if f.suffix and f.suffix.lower() not in SUPPORTED_EXTENSIONS and \
                        not f.name.startswith("."):
                    err.print(f"[yellow]not ingested[/yellow] {f.relative_to(p)}: "
                              f"{f.suffix} is not a supported type "
                              f"({', '.join(sorted(SUPPORTED_EXTENSIONS))})", highlight=False)
        elif p.is_file():
            found.append(p)
        else:
            raise typer.BadParameter(f"{p} does not exist")
    return found



def ingest_paths(svc: Services, paths: list[Path], tenant: str,
                 collection: str) -> dict[str, int]:
    from ragworks.errors import RagworksError
    from ragworks.ingest.service import IngestResult
    from ragworks.usecases.ingesting import ingest_files

    files = _files(paths)
    counts = {"created": 0, "unchanged": 0, "replaced": 0, "failed": 0}
    with Progress(console=err, transient=False) as bar:
        task = bar.add_task("ingesting", total=len(files))

        def done(name: str, result: IngestResult | RagworksError) -> None:
            if isinstance(result, RagworksError):
                counts["failed"] += 1
                # the message often starts with the file's name already
                reason = result.message.removeprefix(f"{name}: ")
                err.print(f"[red]skipped[/red] {name}: {reason}", highlight=False)
            else:
                counts[result.status] += 1
            bar.update(task, advance=1, description=f"ingesting {name[:40]}")

        ingest_files(svc, [(f.name, f.read_bytes) for f in files], tenant, collection,
                     on_result=done)
    return counts

