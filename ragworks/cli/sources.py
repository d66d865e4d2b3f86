"""`ragworks source ...`: folders, S3 prefixes and websites kept in sync."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import Progress
from rich.table import Table

from ragworks.cli.common import AS_JSON, TENANT, err, open_services, out

if TYPE_CHECKING:
    from ragworks.services import Services

source_app = typer.Typer(help="Keep documents in sync with a folder, an S3 prefix or a "
                         "website.", no_args_is_help=True)
COLLECTION = typer.Option("default", help="The collection its documents go to.")
INTERVAL = typer.Option(None, help="Seconds between scheduled syncs while a server runs "
                        "(0: only `source sync`); default RAGWORKS_SOURCE_INTERVAL_S.")


def _add(given: dict[str, object], tenant: str, sync: bool) -> None:
    from ragworks.usecases import syncing

    with open_services() as svc:
        source = syncing.add_source(svc, tenant, given, trusted=True)
        out.print(f"added {source['id']}: {source['name']} -> collection "
                  f"{source['collection']}", highlight=False)
        if sync:
            _sync(svc, tenant, source["id"])


@source_app.command("add-folder")
def add_folder(path: Path = typer.Argument(..., help="The folder (its sub-folders too)."),
               collection: str = COLLECTION, interval: float = INTERVAL,
               tenant: str = TENANT,
               sync: bool = typer.Option(True, help="Sync it now.")) -> None:
    """Add a folder; a running server also watches it and syncs every change."""
    _add({"kind": "folder", "path": str(path.expanduser().resolve()),
          "collection": collection, "interval_s": interval}, tenant, sync)


@source_app.command("add-s3")
def add_s3(url: str = typer.Argument(..., help="s3://BUCKET/PREFIX"),
           collection: str = COLLECTION, interval: float = INTERVAL, tenant: str = TENANT,
           sync: bool = typer.Option(True, help="Sync it now.")) -> None:
    """Add an S3 prefix (credentials and endpoint as for every AWS tool)."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    _add({"kind": "s3", "bucket": bucket, "prefix": prefix, "collection": collection,
          "interval_s": interval}, tenant, sync)


@source_app.command("add-website")
def add_website(url: str = typer.Argument(..., help="The start page."),
                sitemap: str = typer.Option("", help="A sitemap to start from."),
                max_pages: int = typer.Option(100, help="Pages fetched per sync."),
                collection: str = COLLECTION, interval: float = INTERVAL,
                tenant: str = TENANT,
                sync: bool = typer.Option(True, help="Sync it now.")) -> None:
    """Add a website: the pages of its host, links followed, robots.txt obeyed."""
    _add({"kind": "website", "url": url, "sitemap": sitemap, "max_pages": max_pages,
          "collection": collection, "interval_s": interval}, tenant, sync)


@source_app.command("list")
def list_sources(tenant: str = TENANT, as_json: bool = AS_JSON) -> None:
    """Each source with its last sync."""
    with open_services() as svc:
        sources = svc.sources.all(tenant)
    if as_json:
        out.print_json(json.dumps(sources))
        return
    table = Table("id", "kind", "name", "collection", "items ok", "failed", "last sync")
    for s in sources:
        last = s.get("last_sync") or {}
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(last["finished_at"])) \
            if last else "never"
        table.add_row(s["id"], s["kind"], s["name"], s["collection"], str(s["items"]["ok"]),
                      str(s["items"]["failed"]), f"{when} {last.get('status', '')}")
    out.print(table)


def _sync(svc: Services, tenant: str, source_id: str) -> None:
    from ragworks.usecases import syncing

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"syncing {source_id}", total=None)
        result = syncing.sync_source(svc, tenant, source_id, progress=lambda done, total:
                                     bar.update(task, completed=done, total=total))
    if result["status"] == "busy":
        err.print(f"{source_id}: {result['message']}")
        raise typer.Exit(1)
    out.print(f"{source_id}: {result['seen']} items: {result['added']} added, "
              f"{result['changed']} changed, {result['unchanged']} unchanged, "
              f"{result['removed']} removed, {result['failed']} failed "
              f"({result['duration_s']:.1f} s)", highlight=False)
    for item in svc.sources.items(source_id).values():
        if item["status"] == "failed":
            err.print(f"[red]failed[/red] {item['key']}: {item['error']}", highlight=False)


@source_app.command("sync")
def sync(source_id: str = typer.Argument(..., help="The source's id (from source list)."),
         tenant: str = TENANT) -> None:
    """Sync a source now, here (a server's workers sync on their schedule)."""
    with open_services() as svc:
        _sync(svc, tenant, source_id)


@source_app.command("remove")
def remove(source_id: str = typer.Argument(..., help="The source's id (from source list)."),
           tenant: str = TENANT,
           keep_documents: bool = typer.Option(False, help="Keep the documents it brought."),
           ) -> None:
    """Forget a source and delete the documents it brought."""
    from ragworks.usecases import syncing

    with open_services() as svc:
        done = syncing.remove_source(svc, tenant, source_id, keep_documents)
    out.print(f"removed {source_id} ({done['removed_items']} documents deleted)")
