"""`ragworks experiment ...`: A/B experiments of pipeline configurations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from ragworks.cli.common import AS_JSON, TENANT, open_services, out

exp_app = typer.Typer(help="A/B experiments of pipeline configurations.", no_args_is_help=True)


@exp_app.command("create")
def experiment_create(spec: Path = typer.Option(..., exists=True, dir_okay=False,
                                                help="JSON: name, variants, primary_metric"),
                      tenant: str = TENANT) -> None:
    """Create an experiment (a draft) from a JSON spec; prints it."""
    with open_services() as svc:
        exp = svc.experiments.create(tenant, json.loads(spec.read_text()))
        sys.stdout.write(json.dumps(exp, indent=2) + "\n")


EXP_ID = typer.Argument(..., help="The experiment's id (exp_...).")


@exp_app.command("start")
def experiment_start(exp_id: str = EXP_ID, tenant: str = TENANT) -> None:
    """Start a draft: live traffic is split between its variants from now on."""
    with open_services() as svc:
        sys.stdout.write(json.dumps(svc.experiments.start(tenant, exp_id), indent=2) + "\n")


@exp_app.command("stop")
def experiment_stop(exp_id: str = EXP_ID, tenant: str = TENANT) -> None:
    """Stop a running experiment: traffic goes back to the active configuration."""
    with open_services() as svc:
        sys.stdout.write(json.dumps(svc.experiments.stop(tenant, exp_id), indent=2) + "\n")


@exp_app.command("results")
def experiment_results(exp_id: str = EXP_ID, tenant: str = TENANT,
                       as_json: bool = AS_JSON) -> None:
    """Per variant: samples, estimate, lift, p-values, decision, guardrails."""
    with open_services() as svc:
        res = svc.experiments.results(tenant, exp_id)
    if as_json:
        sys.stdout.write(json.dumps(res, indent=2) + "\n")
        return
    table = Table("variant", "traces", "samples", "estimate", "lift", "p", "always-valid p",
                  "decision", "guardrails")
    for v in res["variants"]:
        def fmt(x: object) -> str:
            return "-" if x is None else f"{x:.4g}" if isinstance(x, float) else str(x)
        table.add_row(v["variant"], str(v["traces"]), str(v["samples"]), fmt(v["estimate"]),
                      fmt(v.get("lift")), fmt(v.get("p_value")), fmt(v.get("always_valid_p")),
                      v.get("decision", "(control)"), "; ".join(v["guardrail_breaches"]) or "ok")
    out.print(f"{res['experiment']['name']} ({res['experiment']['status']}), primary metric "
              f"{res['experiment']['primary_metric']}; {res['method']}")
    out.print(table)


@exp_app.command("promote")
def experiment_promote(exp_id: str = EXP_ID,
                       variant: str = typer.Argument(..., help="The variant's name."),
                       tenant: str = TENANT,
                       who: str = typer.Option("cli", help="Recorded as the promoter.")) -> None:
    """Make a variant's overrides the default configuration (recorded with who and when)."""
    with open_services() as svc:
        exp = svc.experiments.promote(tenant, exp_id, variant, who, can_answer=svc.pipeline_for)
        sys.stdout.write(json.dumps(exp, indent=2) + "\n")

