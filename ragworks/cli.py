"""The ``ragworks`` command: serve, ingest, ask, eval, classifier, keys."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table

from ragworks.ingest.sniff import SUPPORTED_EXTENSIONS
from ragworks.settings import Settings

app = typer.Typer(help="ragworks: ask questions over your own documents.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluate retrieval and classification.", no_args_is_help=True)
clf_app = typer.Typer(help="Train and evaluate the query classifier.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(clf_app, name="classifier")
app.add_typer(keys_app, name="keys")
exp_app = typer.Typer(help="A/B experiments of pipeline configurations.", no_args_is_help=True)
app.add_typer(exp_app, name="experiment")
out = Console()
err = Console(stderr=True)


def _services(**overrides):  # type: ignore[no-untyped-def]
    from ragworks.logs import configure
    from ragworks.services import Services

    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    configure(settings)
    return Services(settings)


def sample_corpus() -> Path:
    return Path(str(resources.files("ragworks") / "samples" / "corpus"))


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found += sorted(f for f in p.rglob("*")
                            if f.is_file() and f.suffix.lower() in SUPPORTED_EXTENSIONS)
        elif p.is_file():
            found.append(p)
        else:
            raise typer.BadParameter(f"{p} does not exist")
    return found


def ingest_paths(svc, paths: list[Path], tenant: str, collection: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
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
                err.print(f"[red]skipped[/red] {name}: {result.message}")
            else:
                counts[result.status] += 1
            bar.update(task, advance=1, description=f"ingesting {name[:40]}")

        ingest_files(svc, [(f.name, f.read_bytes) for f in files], tenant, collection,
                     on_result=done)
    return counts


@app.command()
def ingest(paths: list[Path], collection: str = "default", tenant: str = "default") -> None:
    """Ingest files and folders (txt, md, html, pdf, docx) into a collection."""
    svc = _services()
    counts = ingest_paths(svc, paths, tenant, collection)
    svc.close()
    out.print(" ".join(f"{k}={v}" for k, v in counts.items()))
    if counts["failed"]:
        raise typer.Exit(1)


@app.command()
def worker(max_jobs: int | None = typer.Option(None, help="exit after this many jobs"),
           once: bool = typer.Option(False, help="one batch, then exit")) -> None:
    """Drain the job queue (RAGWORKS_JOB_QUEUE): ingestion, evaluation runs, alerts,
    retention. Run as many as you like; each job is done once (or retried)."""
    import signal

    from ragworks.worker import Worker

    svc = _services()
    w = Worker(svc, svc.jobs)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    err.print(f"worker on {svc.settings.job_queue} (pid {__import__('os').getpid()})")
    try:
        if once:
            w.run_once()
        else:
            w.run(stop, max_jobs)
    except KeyboardInterrupt:
        pass
    finally:
        svc.close()
    err.print(f"worker done: {w.done} jobs, {w.failed} failed")


@app.command()
def reindex(profile: str = typer.Option(..., help="Chunking profile: small or large")) -> None:
    """Build a chunking profile's index from every stored document (for experiments).

    After this, `{"chunking_profile": "small"}` is a valid experiment override and
    new uploads are chunked into the profile too."""
    from ragworks.ingest.chunker import PROFILES

    if profile not in PROFILES:
        raise typer.BadParameter(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
    svc = _services()
    total = sum(svc.records.count_documents(t) for t in svc.records.tenants())
    with Progress(console=err) as bar:
        task = bar.add_task(f"reindex {profile}", total=total)
        docs, embedded = svc.build_profile(profile, lambda _doc: bar.advance(task))
    chunks = svc.profile_index(profile).count()
    svc.close()
    out.print(f"profile={profile} documents={docs} chunks={chunks} embedded={embedded}")


@app.command()
def ask(question: str, collection: str | None = None, tenant: str = "default",
        as_json: bool = typer.Option(False, "--json", help="The same body as the API."),
        include_hits: bool = False, llm: str | None = None) -> None:
    """Ask a question and print the answer with its citations."""
    from ragworks.api.schemas import QueryResponse
    from ragworks.errors import RagworksError
    from ragworks.usecases import Asking
    from ragworks.usecases import answer as answer_question

    svc = _services(llm=llm)
    try:
        answer = answer_question(svc, question, Asking(
            tenant=tenant, collection=collection, include_hits=include_hits, tags=("cli",)))
    except RagworksError as exc:
        err.print(f"error: {exc.message}")
        svc.close()  # flushes exports, bounded by RAGWORKS_FLUSH_TIMEOUT_S
        raise typer.Exit(2) from None
    svc.close()
    body = QueryResponse.of(answer, include_hits)
    if as_json:
        sys.stdout.write(body.model_dump_json(indent=2) + "\n")
        return
    out.print(answer.answer)
    for c in answer.citations:
        out.print(f"  [{c.marker}] {c.source}" + (f" — {c.section}" if c.section else "")
                  + f" (chars {c.start}-{c.end})")
    out.print(f"[dim]{answer.category} ({answer.confidence:.0%}) · {answer.model} · "
              f"{answer.latency_ms:.0f} ms[/dim]")


@app.command()
def serve(host: str | None = None, port: int | None = None,
          samples: bool = typer.Option(False, help="Ingest the sample corpus first."),
          workers: int = typer.Option(1, min=1, max=64, help="Server processes (each with "
                                      "its own in-flight limit; they share the stores).")
          ) -> None:
    """Run the HTTP API and the pages (default http://127.0.0.1:3000)."""
    import uvicorn

    from ragworks.api.app import create_app

    svc = _services(host=host, port=port)
    if samples:
        counts = ingest_paths(svc, [sample_corpus()], "default", "samples")
        err.print(f"sample corpus: {counts}")
    load = getattr(getattr(svc.answerer, "chat", None), "load", None)
    if load is not None:
        err.print(f"loading the local model ({svc.answerer.name}) ...")
        load()
    application = create_app(svc.settings, svc)
    s = svc.settings
    if samples and workers == 1:
        from ragworks.usecases import ask_sample_questions

        threading.Thread(target=ask_sample_questions, args=(svc,), daemon=True,
                         name="sample-questions").start()
    err.print(f"ragworks listening on http://{s.host}:{s.port}/  (API docs at /docs)")
    err.print(f"admin dashboard: http://{s.host}:{s.port}/admin/dashboard "
              "(log in with an admin key)")
    if application.state.dev_key and s.env == "dev":
        err.print(f"dev API key (tenant 'default', all scopes): {application.state.dev_key}")
        err.print(f"chat page with the key filled in: http://{s.host}:{s.port}/#key="
                  f"{application.state.dev_key}")
    if workers > 1:  # each process builds its app from the environment
        os.environ.setdefault("RAGWORKS_DATA_DIR", str(s.data_dir))
        application.state.services.close()
        uvicorn.run("ragworks.api.app:create_app", factory=True, workers=workers,
                    host=s.host, port=s.port, log_level="warning")
        return
    uvicorn.run(application, host=s.host, port=s.port, log_level="warning")


def routed_search(svc, question: str, scope, dense_weight: float, trace=None):  # type: ignore[no-untyped-def]
    """Retrieval as the pipeline does it (multi-hop questions are decomposed), top 10."""
    category, confidence = svc.classifier.predict(question)
    plan = svc.pipeline.planner.plan(question, category, confidence)
    plan = plan.model_copy(update={"mode": "hybrid", "top_k": 10})
    if trace is None:
        return svc.retriever.retrieve(question, scope, plan, dense_weight)
    trace.trace.category = category
    with trace.span("retrieve", input=question) as span:
        hits = svc.retriever.retrieve(question, scope, plan, dense_weight, trace=trace)
        span.output = [h.chunk.source for h in hits]
    return hits


@eval_app.command("retrieval")
def eval_retrieval(dataset: Path = typer.Option(..., exists=True, dir_okay=False),
                   as_json: bool = typer.Option(False, "--json"), tenant: str = "default",
                   collection: str | None = None,
                   modes: str = "lexical,dense,hybrid") -> None:
    """recall@5, MRR@10, nDCG@10 per retrieval mode, and classification accuracy.

    Every mode uses the same routing (multi-hop questions are split into
    sub-questions); only the fusion weight differs: lexical=0, dense=1, hybrid=setting.
    """
    from ragworks.evaluate.retrieval import evaluate_retrieval, load_dataset
    from ragworks.models import Scope

    svc = _services()
    items = load_dataset(dataset)
    scope = Scope(tenant=tenant, collection=collection)
    weights = {"lexical": 0.0, "dense": 1.0, "hybrid": svc.settings.dense_weight}
    reports = []
    traced: dict = {}
    with Progress(console=err) as bar:
        for mode in modes.split(","):
            task = bar.add_task(f"eval {mode}", total=len(items))

            def search(q: str, w: float = weights[mode], m: str = mode) -> list:
                if m != "hybrid":
                    return routed_search(svc, q, scope, w)
                rec = svc.tracer.start("eval_item", tenant, tags=["eval", dataset.name],
                                       input={"question": q, "dataset": dataset.name})
                traced[q] = rec  # finished with its metrics as scores below
                return routed_search(svc, q, scope, w, rec)

            def tick(t: TaskID = task) -> None:
                bar.advance(t)

            reports.append(evaluate_retrieval(items, search, mode, tick))
    labels = {i.question: i.category for i in items if i.category}
    for row in next((r.per_item for r in reports if r.mode == "hybrid"), []):
        rec = traced.get(row["question"])
        if rec is not None:
            for metric in ("recall@5", "mrr@10", "ndcg@10"):
                rec.score(metric, row[metric], source="eval")
            if row["question"] in labels:
                rec.score("classification_correct",
                          rec.trace.category == labels[row["question"]], source="eval")
            rec.trace.output = {"top": row["top"]}
            svc.tracer.finish(rec)
    labelled = [i for i in items if i.category]
    preds = svc.classifier.predict_many([i.question for i in labelled]) if labelled else []
    accuracy = (sum(p[0] == i.category for p, i in zip(preds, labelled, strict=True))
                / len(labelled)) if labelled else None
    result = {"dataset": str(dataset), "items": len(items),
              "classification_accuracy": accuracy, "classified": len(labelled),
              "retrieval": {r.mode: {"questions": r.questions, "recall@5": round(r.recall_at_5, 4),
                                     "mrr@10": round(r.mrr_at_10, 4),
                                     "ndcg@10": round(r.ndcg_at_10, 4)} for r in reports}}
    svc.close()  # stores are done; flushes exports within RAGWORKS_FLUSH_TIMEOUT_S
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    table = Table("mode", "questions", "recall@5", "MRR@10", "nDCG@10")
    for r in reports:
        table.add_row(r.mode, str(r.questions), f"{r.recall_at_5:.3f}", f"{r.mrr_at_10:.3f}",
                      f"{r.ndcg_at_10:.3f}")
    out.print(table)
    if accuracy is not None:
        out.print(f"classification accuracy: {accuracy:.3f} on {len(labelled)} questions")


ds_app = typer.Typer(help="Versioned evaluation datasets.", no_args_is_help=True)
eval_app.add_typer(ds_app, name="dataset")


def _load_items(svc, dataset: str, tenant: str):  # type: ignore[no-untyped-def]
    """A JSONL file path, or NAME[@VERSION] of a stored dataset."""
    from ragworks.evaluate.retrieval import load_dataset

    if Path(dataset).is_file():
        return load_dataset(Path(dataset)), Path(dataset).name
    name, _, version = dataset.partition("@")
    items = svc.datasets.get(tenant, name, int(version) if version else None)
    return items, dataset


@ds_app.command("upload")
def dataset_upload(file: Path = typer.Argument(..., exists=True, dir_okay=False),
                   name: str = typer.Option(...), tenant: str = "default") -> None:
    """Store a JSONL dataset; new content under the same name becomes a new version."""
    from ragworks.evaluate.datasets import parse_jsonl

    saved = _services().datasets.save(tenant, name, parse_jsonl(file.read_text()))
    sys.stdout.write(json.dumps(saved) + "\n")


@ds_app.command("list")
def dataset_list(tenant: str = "default") -> None:

    sys.stdout.write(json.dumps(_services().datasets.all(tenant), indent=2) + "\n")


@ds_app.command("from-traces")
def dataset_from_traces(name: str = typer.Option(...), days: float = 7.0,
                        all_answers: bool = typer.Option(
                            False, help="Every answered question, not only thumbs-down."),
                        tenant: str = "default") -> None:
    """A dataset of recent questions (by default: those that got a thumbs down)."""

    saved = _services().datasets.from_traces(
        tenant, name, time.time() - days * 86400, thumbs_down_only=not all_answers)
    sys.stdout.write(json.dumps(saved) + "\n")


@eval_app.command("import-beir")
def eval_import_beir(folder: Path = typer.Argument(..., exists=True, file_okay=False),
                     name: str = typer.Option(...), split: str = "test",
                     tenant: str = "default") -> None:
    """Ingest a BEIR corpus (collection beir-NAME) and store its queries and qrels as NAME."""
    from ragworks.evaluate.datasets import read_beir
    from ragworks.usecases.ingesting import ingest_files

    svc = _services()
    docs, items = read_beir(folder, split)
    counts = {"created": 0, "unchanged": 0, "replaced": 0, "failed": 0}
    with Progress(console=err) as bar:
        task = bar.add_task(f"ingesting {name}", total=len(docs))

        def done(_: str, result) -> None:  # type: ignore[no-untyped-def]
            counts[getattr(result, "status", "failed")] += 1
            bar.advance(task)

        def reader(text: str) -> Callable[[], bytes]:
            return lambda: text.encode()

        ingest_files(svc, [(d["name"], reader(d["text"])) for d in docs], tenant,
                     f"beir-{name}", on_result=done)
    saved = svc.datasets.save(tenant, name, items, source=f"beir:{folder.name}")
    svc.close()
    sys.stdout.write(json.dumps({"documents": counts, "dataset": saved}) + "\n")


@eval_app.command("run")
def eval_run(dataset: str = typer.Option(..., help="JSONL file, or NAME[@VERSION]"),
             variant: str | None = typer.Option(
                 None, help="Overrides as JSON, or EXPERIMENT_ID/VARIANT"),
             judge: str | None = typer.Option(
                 None, help="Also grade answers with an LLM judge: local:smollm2, openai:MODEL"),
             tenant: str = "default", as_json: bool = typer.Option(False, "--json")) -> None:
    """Answer and score every item (progress bar); the run is stored for `eval compare`."""
    from ragworks.evaluate.judge import LLMJudge
    from ragworks.usecases.evaluating import resolve_variant, run_eval

    svc = _services()
    overrides = resolve_variant(svc, tenant, json.loads(variant) if variant and
                                variant.startswith("{") else variant)
    items, label = _load_items(svc, dataset, tenant)
    with Progress(console=err) as bar:
        task = bar.add_task(f"eval {label}", total=len(items))
        grader = LLMJudge(svc.chat(judge)) if judge else None
        run = run_eval(svc, items, label, tenant, overrides, lambda: bar.advance(task),
                       judge=grader)
    svc.runs.save(run)
    svc.close()
    if as_json:
        sys.stdout.write(json.dumps({k: v for k, v in run.items() if k != "items"}, indent=2)
                         + "\n")
        return
    table = Table("metric", "value")
    for metric, value in run["aggregates"].items():
        if isinstance(value, float | int):
            table.add_row(metric, f"{value:.4f}")
    out.print(f"run {run['id']} on {run['dataset']} (version {run['dataset_version']}), "
              f"overrides {run['overrides'] or 'none'}")
    out.print(table)


@eval_app.command("compare")
def eval_compare(run_a: str, run_b: str, tenant: str = "default",
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Per-metric deltas (b - a) with a paired t-test over the shared items."""
    from ragworks.evaluate.runs import compare

    store = _services().runs
    a, b = store.get(tenant, run_a), store.get(tenant, run_b)
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
def eval_gate(dataset: Path = typer.Option(..., exists=True, dir_okay=False),
              baseline: Path = typer.Option(Path("evals/baseline.json")),
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

    items = load_labelled(dataset)
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"data_dir": Path(tmp), "llm": "extractive"} if corpus else {}
        svc = _services(**overrides)
        if corpus:
            ingest_paths(svc, [corpus], "default", "default")
        scope = Scope(tenant="default")
        with Progress(console=err) as bar:
            task = bar.add_task("answering", total=len(items))
            asking = Asking(tenant="default", include_hits=True, overrides={},
                            tags=("eval", "gate"), trace_name="eval_item")
            metrics = measure(items, lambda q, w: routed_search(svc, q, scope, w),
                              lambda q: answer(svc, q, asking), svc.settings.dense_weight,
                              lambda: bar.advance(task))
        svc.close()
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


@clf_app.command("eval")
def classifier_eval(dataset: Path | None = typer.Option(None, exists=True, dir_okay=False),
                    as_json: bool = typer.Option(False, "--json")) -> None:
    """Accuracy and confusion matrix on the held-out split (and on a dataset if given)."""
    from ragworks.classify.model import QueryClassifier, confusion, load_examples, split
    from ragworks.evaluate.retrieval import load_dataset
    from ragworks.models import CATEGORIES

    svc = _services()
    train, test = split(load_examples())
    clf = QueryClassifier.train(train, svc.embedder)
    sets = {"held-out split of shipped examples (trained on the rest)": (clf, test)}
    if dataset:
        items = [(i.question, i.category) for i in load_dataset(dataset) if i.category]
        sets[f"{dataset.name} with the active classifier"] = (svc.classifier, items)
    results = {}
    for name, (model, rows) in sets.items():
        preds = [p for p, _ in model.predict_many([t for t, _ in rows])]
        truth = [c for _, c in rows]
        acc = sum(p == t for p, t in zip(preds, truth, strict=True)) / len(rows)
        results[name] = {"n": len(rows), "accuracy": round(acc, 4),
                         "labels": list(CATEGORIES), "confusion": confusion(truth, preds)}
    if as_json:
        sys.stdout.write(json.dumps(results, indent=2) + "\n")
        return
    for name, r in results.items():
        out.print(f"[bold]{name}[/bold]: accuracy {r['accuracy']:.3f} on {r['n']} questions")
        table = Table("truth \\ predicted", *CATEGORIES)
        for label, row in zip(CATEGORIES, r["confusion"], strict=True):
            table.add_row(label, *map(str, row))
        out.print(table)


@clf_app.command("train")
def classifier_train(
    dataset: list[Path] = typer.Option([], exists=True, dir_okay=False,
                                       help="Labelled datasets (JSONL with category) to add."),
    tenant: str = "default",
    ship: bool = typer.Option(False, help="Write the package's shipped default instead."),
) -> None:
    """Train on shipped examples + feedback corrections + datasets; keep it only if not worse.

    Accuracy before and after is measured on the same held-out split of the shipped
    examples; the new classifier replaces the active one (in the data dir) only when
    it is at least as accurate.
    """
    from ragworks.classify.model import QueryClassifier, data_dir, load_examples, split
    from ragworks.evaluate.retrieval import load_dataset

    svc = _services()
    shipped = load_examples()
    train, test = split(shipped)
    extra = svc.traces.corrections(tenant)
    for path in dataset:
        extra += [(i.question, i.category) for i in load_dataset(path) if i.category]
    held_out = {t for t, _ in test}
    extra = [(t, c) for t, c in extra if t not in held_out]

    def accuracy(clf: QueryClassifier) -> float:
        preds = clf.predict_many([t for t, _ in test])
        return sum(p == c for (p, _), (_, c) in zip(preds, test, strict=True)) / len(test)

    before = accuracy(svc.classifier)
    candidate = QueryClassifier.train(train + extra, svc.embedder, version=f"v{int(time.time())}")
    after = accuracy(candidate)
    out.print(f"{len(train)} shipped + {len(extra)} from feedback and datasets; held-out "
              f"accuracy before {before:.3f}, after {after:.3f} on {len(test)} questions")
    if after < before:
        out.print("[yellow]kept the active classifier: the new one is worse[/yellow]")
        raise typer.Exit(1)
    final = QueryClassifier.train(shipped + extra, svc.embedder, version=candidate.version)
    target = data_dir() / "classifier.npz" if ship else svc.settings.data_dir / "classifier.npz"
    final.save(target)
    out.print(f"active classifier {final.version} -> {target}")


@keys_app.command("create")
def keys_create(tenant: str = "default", scopes: str = "query,ingest", name: str = "cli") -> None:
    """Create an API key (printed once; only its hash is stored)."""
    svc = _services()
    key = svc.keys.create(tenant, [s.strip() for s in scopes.split(",") if s.strip()], name)
    sys.stdout.write(key + "\n")


@keys_app.command("list")
def keys_list(tenant: str = "default") -> None:
    """The tenant's keys: id, name, scopes, created (keys themselves are never stored)."""
    svc = _services()
    table = Table("id", "name", "scopes", "created")
    for k in svc.keys.list(tenant):
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(k["created_at"])) \
            if k["created_at"] else "-"
        table.add_row(k["id"], k["name"], ",".join(k["scopes"]), created)
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, tenant: str = "default") -> None:
    """Revoke a key by its id (from `ragworks keys list`); its sessions end too."""
    from ragworks.errors import RagworksError

    svc = _services()
    try:
        done = svc.keys.revoke(tenant, key_id)
    except RagworksError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    out.print(f"revoked {done['id']} ({done['name']})")


@app.command()
def doctor() -> None:
    """Check configuration, model files and every configured connection."""
    from ragworks.doctor import checks

    failed = 0
    for check in checks(Settings()):
        colour = {"ok": "green", "FAIL": "red", "skip": "dim"}[check.status]
        out.print(f"[{colour}]{check.status:>4}[/{colour}]  {check.name}: {check.detail}")
        failed += check.status == "FAIL"
    if failed:
        raise typer.Exit(1)


@exp_app.command("create")
def experiment_create(spec: Path = typer.Option(..., exists=True, dir_okay=False,
                                                help="JSON: name, variants, primary_metric"),
                      tenant: str = "default") -> None:
    """Create an experiment (a draft) from a JSON spec; prints it."""
    svc = _services()
    exp = svc.experiments.create(tenant, json.loads(spec.read_text()))
    sys.stdout.write(json.dumps(exp, indent=2) + "\n")


@exp_app.command("start")
def experiment_start(exp_id: str, tenant: str = "default") -> None:
    sys.stdout.write(json.dumps(_services().experiments.start(tenant, exp_id), indent=2) + "\n")


@exp_app.command("stop")
def experiment_stop(exp_id: str, tenant: str = "default") -> None:
    sys.stdout.write(json.dumps(_services().experiments.stop(tenant, exp_id), indent=2) + "\n")


@exp_app.command("results")
def experiment_results(exp_id: str, tenant: str = "default",
                       as_json: bool = typer.Option(False, "--json")) -> None:
    """Per variant: samples, estimate, lift, p-values, decision, guardrails."""
    res = _services().experiments.results(tenant, exp_id)
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
def experiment_promote(exp_id: str, variant: str, tenant: str = "default",
                       who: str = typer.Option("cli", help="Recorded as the promoter.")) -> None:
    """Make a variant's overrides the default configuration (recorded with who and when)."""
    exp = _services().experiments.promote(tenant, exp_id, variant, who)
    sys.stdout.write(json.dumps(exp, indent=2) + "\n")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
