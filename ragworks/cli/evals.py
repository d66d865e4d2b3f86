"""`ragworks eval ...`: retrieval metrics, datasets, runs, comparisons and the gate."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import Progress
from rich.table import Table

from ragworks.cli.common import (
    AS_JSON,
    TENANT,
    err,
    ingest_paths,
    open_services,
    out,
)

if TYPE_CHECKING:
    from ragworks.errors import RagworksError
    from ragworks.evaluate.retrieval import Item
    from ragworks.ingest.service import IngestResult
    from ragworks.services import Services

eval_app = typer.Typer(help="Evaluate retrieval and classification.", no_args_is_help=True)
ds_app = typer.Typer(help="Versioned evaluation datasets.", no_args_is_help=True)
eval_app.add_typer(ds_app, name="dataset")


@eval_app.command("retrieval")
def eval_retrieval(dataset: Path = typer.Option(
                       ..., exists=True, dir_okay=False,
                       help="JSONL: question, relevant_sources, category per line."),
                   as_json: bool = AS_JSON, tenant: str = TENANT,
                   collection: str | None = typer.Option(
                       None, help="Search this collection only (default: all)."),
                   modes: str = typer.Option(
                       "lexical,dense,hybrid", help="Retrieval modes to measure, by comma.")
                   ) -> None:
    """recall@5, MRR@10, nDCG@10 per retrieval mode, and classification accuracy.

    Every mode uses the same routing (multi-hop questions are split into
    sub-questions); only the fusion weight differs: lexical=0, dense=1, hybrid=setting.
    """
    from ragworks.evaluate.retrieval import load_dataset
    from ragworks.models import Scope
    from ragworks.usecases.evaluating import evaluate_retrieval_modes

    with open_services() as svc, Progress(console=err) as bar:
        def progress(mode: str, total: int) -> Callable[[], None]:
            task = bar.add_task(f"eval {mode}", total=total)
            return lambda: bar.advance(task)

        reports, result = evaluate_retrieval_modes(
            svc, load_dataset(dataset), Scope(tenant=tenant, collection=collection),
            modes.split(","), dataset.name, progress)
        result["dataset"] = str(dataset)
        accuracy, labelled = result["classification_accuracy"], result["classified"]
        if as_json:
            sys.stdout.write(json.dumps(result, indent=2) + "\n")
            return
        table = Table("mode", "questions", "recall@5", "MRR@10", "nDCG@10")
        for r in reports:
            table.add_row(r.mode, str(r.questions), f"{r.recall_at_5:.3f}", f"{r.mrr_at_10:.3f}",
                          f"{r.ndcg_at_10:.3f}")
        out.print(table)
        if accuracy is not None:
            out.print(f"classification accuracy: {accuracy:.3f} on {labelled} questions")


def _load_items(svc: Services, dataset: str, tenant: str) -> tuple[list[Item], str]:
    """A JSONL file path, or NAME[@VERSION] of a stored dataset."""
    from ragworks.evaluate.retrieval import load_dataset

    if Path(dataset).is_file():
        return load_dataset(Path(dataset)), Path(dataset).name
    name, _, version = dataset.partition("@")
    items = svc.datasets.get(tenant, name, int(version) if version else None)
    return items, dataset


@ds_app.command("upload")
def dataset_upload(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                               help="The JSONL file."),
                   name: str = typer.Option(..., help="The dataset's name."),
                   tenant: str = TENANT) -> None:
    """Store a JSONL dataset; new content under the same name becomes a new version."""
    from ragworks.evaluate.datasets import parse_jsonl

    with open_services() as svc:
        saved = svc.datasets.save(tenant, name, parse_jsonl(file.read_text()))
    sys.stdout.write(json.dumps(saved) + "\n")


@ds_app.command("list")
def dataset_list(tenant: str = TENANT) -> None:
    """The stored datasets with their versions and item counts."""
    with open_services() as svc:
        sys.stdout.write(json.dumps(svc.datasets.all(tenant), indent=2) + "\n")


@ds_app.command("from-traces")
def dataset_from_traces(name: str = typer.Option(..., help="The dataset's name."),
                        days: float = typer.Option(7.0, help="How far back to look."),
                        all_answers: bool = typer.Option(
                            False, help="Every answered question, not only thumbs-down."),
                        tenant: str = TENANT) -> None:
    """A dataset of recent questions (by default: those that got a thumbs down)."""
    with open_services() as svc:
        saved = svc.datasets.from_traces(tenant, name, time.time() - days * 86400,
                                         thumbs_down_only=not all_answers)
    sys.stdout.write(json.dumps(saved) + "\n")


@eval_app.command("import-beir")
def eval_import_beir(folder: Path = typer.Argument(
                         ..., exists=True, file_okay=False,
                         help="A BEIR folder: corpus.jsonl, queries.jsonl, qrels/."),
                     name: str = typer.Option(..., help="The dataset's name."),
                     split: str = typer.Option("test", help="Which qrels/SPLIT.tsv to read."),
                     tenant: str = TENANT) -> None:
    """Ingest a BEIR corpus (collection beir-NAME) and store its queries and qrels as NAME."""
    from ragworks.evaluate.datasets import read_beir
    from ragworks.usecases.ingesting import ingest_files

    with open_services() as svc:
        docs, items = read_beir(folder, split)
        counts = {"created": 0, "unchanged": 0, "replaced": 0, "failed": 0}
        with Progress(console=err) as bar:
            task = bar.add_task(f"ingesting {name}", total=len(docs))

            def done(_: str, result: IngestResult | RagworksError) -> None:
                counts[getattr(result, "status", "failed")] += 1
                bar.advance(task)

            def reader(text: str) -> Callable[[], bytes]:
                return lambda: text.encode()

            ingest_files(svc, [(d["name"], reader(d["text"])) for d in docs], tenant,
                         f"beir-{name}", on_result=done)
        saved = svc.datasets.save(tenant, name, items, source=f"beir:{folder.name}")
        sys.stdout.write(json.dumps({"documents": counts, "dataset": saved}) + "\n")


@eval_app.command("run")
def eval_run(dataset: str = typer.Option(
                 ..., help="JSONL file, or NAME\\[@VERSION] of a stored dataset"),
             variant: str | None = typer.Option(
                 None, help="Overrides as JSON, or EXPERIMENT_ID/VARIANT"),
             judge: str | None = typer.Option(
                 None, help="Also grade answers with an LLM judge: local:smollm2, openai:MODEL"),
             tenant: str = TENANT, as_json: bool = AS_JSON) -> None:
    """Answer and score every item (progress bar); the run is stored for `eval compare`."""
    from ragworks.evaluate.judge import LLMJudge
    from ragworks.usecases import served_answerer
    from ragworks.usecases.evaluating import resolve_variant, run_eval

    with open_services() as svc:
        overrides = resolve_variant(svc, tenant, json.loads(variant) if variant and
                                    variant.startswith("{") else variant)
        items, label = _load_items(svc, dataset, tenant)
        model, why = served_answerer(svc, tenant, overrides)
        err.print(f"answering with {model} (from {why}), as a server with these settings "
                  "would", highlight=False)
        with Progress(console=err) as bar:
            task = bar.add_task(f"eval {label}", total=len(items))
            grader = LLMJudge(svc.chat(judge)) if judge else None
            run = run_eval(svc, items, label, tenant, overrides, lambda: bar.advance(task),
                           judge=grader)
        svc.runs.save(run)
        if as_json:
            sys.stdout.write(json.dumps({k: v for k, v in run.items() if k != "items"}, indent=2)
                             + "\n")
            return
        table = Table("metric", "value")
        for metric, value in run["aggregates"].items():
            if isinstance(value, float | int):
                table.add_row(metric, f"{value:.4f}")
        out.print(f"run {run['id']} on {run['dataset']} (version {run['dataset_version']}), "
                  f"answered by {model}, overrides {run['overrides'] or 'none'}")
        out.print(table)


@eval_app.command("compare")
def eval_compare(run_a: str = typer.Argument(..., help="The earlier run's id (A)."),
                 run_b: str = typer.Argument(..., help="The run to compare with it (B)."),
                 tenant: str = TENANT,
                 as_json: bool = AS_JSON) -> None:
    """Per-metric deltas (b - a) with a paired t-test over the shared items."""
    from ragworks.evaluate.runs import compare

    with open_services() as svc:
        a, b = svc.runs.get(tenant, run_a), svc.runs.get(tenant, run_b)
    if a is None or b is None:
        err.print(f"no run {run_a if a is None else run_b!r}")
        raise typer.Exit(2)
    rows = compare(a, b)
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table("metric", "n", run_a, run_b, "delta", "paired p")
    for r in rows:
        p = "-" if r["p_value"] is None else f"{r['p_value']:.4f}"
        table.add_row(r["metric"], str(r["n"]), f"{r['a']:.4f}", f"{r['b']:.4f}",
                      f"{r['delta']:+.4f}", p)
    out.print(table)


@eval_app.command("gate")
def eval_gate(dataset: Path = typer.Option(..., exists=True, dir_okay=False,
                                           help="JSONL of labelled questions."),
              baseline: Path = typer.Option(Path("evals/baseline.json"),
                                            help="The metrics to hold, with tolerances."),
              corpus: Path | None = typer.Option(
                  None, help="Ingest this folder into a fresh temporary data dir first."),
              update: bool = typer.Option(False, help="Write this run as the new baseline."),
              tolerance: float = typer.Option(0.02, help="Tolerance written with --update.")
              ) -> None:
    """Fail (exit 1) when a metric drops more than its tolerance below the baseline."""
    import tempfile

    from ragworks.evaluate.answers import load_labelled
    from ragworks.evaluate.gate import compare, measure
    from ragworks.models import Scope
    from ragworks.usecases import Asking, answer
    from ragworks.usecases.evaluating import routed_search

    items = load_labelled(dataset)
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"data_dir": Path(tmp), "llm": "extractive"} if corpus else {}
        with open_services(**overrides) as svc:
            if corpus:
                ingest_paths(svc, [corpus], "default", "default")
            scope = Scope(tenant="default")
            with Progress(console=err) as bar:
                task = bar.add_task("answering", total=len(items))
                asking = Asking(tenant="default", include_hits=True, overrides={},
                                tags=("eval", "gate"), trace_name="eval_item")
                metrics = measure(items, lambda q, w: routed_search(svc, q, scope, w),
                                  lambda q: answer(svc, q, asking),
                                  svc.settings.dense_weight, lambda: bar.advance(task))
    if update:
        rules = {k: {"value": v, "tolerance": tolerance} for k, v in metrics.items()}
        baseline.write_text(json.dumps(rules, indent=2) + "\n")
        out.print(f"baseline written: {baseline}")
        return
    rules = json.loads(baseline.read_text())
    failures = compare(metrics, rules)
    table = Table("metric", "this run", "baseline", "tolerance", "")
    for name, value in metrics.items():
        rule = rules.get(name)
        ok = rule is None or value >= rule["value"] - rule.get("tolerance", 0)
        table.add_row(name, f"{value:.4f}", f"{rule['value']:.4f}" if rule else "-",
                      f"{rule.get('tolerance', 0):.4f}" if rule else "-",
                      "ok" if ok else "[red]DROPPED[/red]")
    out.print(table)
    if failures:
        for line in failures:
            err.print(f"[red]gate failed[/red] {line}")
        raise typer.Exit(1)
    out.print(f"gate passed: {len(rules)} metrics within tolerance of {baseline}")

