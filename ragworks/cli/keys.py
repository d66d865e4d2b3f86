"""`ragworks keys ...`: create, list and revoke API keys."""

from __future__ import annotations

import sys
import time

import typer
from rich.table import Table

from ragworks.cli.common import TENANT, err, open_services, out

keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(tenant: str = TENANT,
                scopes: str = typer.Option(
                    "query,ingest", help="By comma, of query, ingest, review (category "
                    "corrections that train), admin."),
                name: str = typer.Option("cli", help="A name to tell the key by.")) -> None:
    """Create an API key (printed once; only its hash is stored)."""
    with open_services() as svc:
        key = svc.keys.create(tenant, [s.strip() for s in scopes.split(",") if s.strip()], name)
        sys.stdout.write(key + "\n")


@keys_app.command("list")
def keys_list(tenant: str = TENANT) -> None:
    """The tenant's keys: id, name, scopes, created (keys themselves are never stored)."""
    with open_services() as svc:
        table = Table("id", "name", "scopes", "created")
        for k in svc.keys.list(tenant):
            created = time.strftime("%Y-%m-%d %H:%M", time.localtime(k["created_at"])) \
                if k["created_at"] else "-"
            table.add_row(k["id"], k["name"], ",".join(k["scopes"]), created)
        out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str = typer.Argument(..., help="The key's id (from keys list)."),
                tenant: str = TENANT) -> None:
    """Revoke a key by its id (from `ragworks keys list`); its sessions end too."""
    from ragworks.errors import RagworksError

    with open_services() as svc:
        try:
            done = svc.keys.revoke(tenant, key_id)
        except RagworksError as exc:
            err.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from None
        out.print(f"revoked {done['id']} ({done['name']})")

