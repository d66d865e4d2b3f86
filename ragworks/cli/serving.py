"""The top-level commands: ingest, ask, serve, worker, reindex, doctor."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import typer
from rich.progress import Progress

from ragworks.cli.common import TENANT, err, ingest_paths, open_services, out, sample_corpus
from ragworks.settings import Settings

COLLECTION = typer.Option("default", help="The collection the documents go into.")


def ingest(paths: list[Path] = typer.Argument(..., metavar="PATH...",
                                             help="Files or folders (searched recursively)."),
           collection: str = COLLECTION, tenant: str = TENANT) -> None:
    """Ingest files and folders (txt, md, html, pdf, docx) into a collection."""
    with open_services() as svc:
        counts = ingest_paths(svc, paths, tenant, collection)
        out.print(" ".join(f"{k}={v}" for k, v in counts.items()))
        if counts["failed"]:
            raise typer.Exit(1)


def worker(max_jobs: int | None = typer.Option(None, help="exit after this many jobs"),
           once: bool = typer.Option(False, help="one batch, then exit")) -> None:
    """Drain the job queue (RAGWORKS_JOB_QUEUE): ingestion, evaluation runs, alerts,
    retention. Run as many as you like; each job is done once (or retried)."""
    import signal

    from ragworks.worker import Worker

    with open_services() as svc:
        w = Worker(svc, svc.jobs)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        err.print(f"worker on {svc.settings.job_queue} (pid {os.getpid()})")
        try:
            if once:
                w.run_once()
            else:
                w.run(stop, max_jobs)
        except KeyboardInterrupt:
            pass
        err.print(f"worker done: {w.done} jobs, {w.failed} failed")


def reindex(profile: str = typer.Option(..., help="Chunking profile: small or large")) -> None:
    """Build a chunking profile's index from every stored document (for experiments).

    After this, `{"chunking_profile": "small"}` is a valid experiment override and
    new uploads are chunked into the profile too."""
    from ragworks.ingest.chunker import PROFILES

    if profile not in PROFILES:
        raise typer.BadParameter(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
    with open_services() as svc:
        total = sum(svc.records.count_documents(t) for t in svc.records.tenants())
        with Progress(console=err) as bar:
            task = bar.add_task(f"reindex {profile}", total=total)
            docs, embedded = svc.build_profile(profile, lambda _doc: bar.advance(task))
        chunks = svc.profile_index(profile).count()
        out.print(f"profile={profile} documents={docs} chunks={chunks} embedded={embedded}")


def ask(question: str = typer.Argument(..., help="The question, in quotes."),
        collection: str | None = typer.Option(
            None, help="Search this collection only (default: all of the tenant's)."),
        tenant: str = TENANT,
        as_json: bool = typer.Option(False, "--json", help="The same body as the API."),
        include_hits: bool = typer.Option(False, help="Also print the retrieved passages."),
        llm: str | None = typer.Option(
            None, help="Answer with this instead of RAGWORKS_LLM: extractive, "
            "local:qwen2.5-1.5b, openai:MODEL, scripted.")) -> None:
    """Ask a question and print the answer with its citations."""
    from ragworks.api.schemas import QueryResponse
    from ragworks.errors import RagworksError
    from ragworks.usecases import Asking
    from ragworks.usecases import answer as answer_question

    with open_services(llm=llm) as svc:
        if svc.records.count_documents(tenant) == 0:  # an empty index answers nothing
            err.print(f"error: tenant {tenant!r} has no documents in {svc.settings.data_dir}: "
                      "ingest some first (ragworks ingest PATH), or point RAGWORKS_DATA_DIR "
                      "at the data folder you ingested into", highlight=False)
            raise typer.Exit(2)
        try:
            answer = answer_question(svc, question, Asking(
                tenant=tenant, collection=collection, include_hits=include_hits, tags=("cli",)))
        except RagworksError as exc:
            err.print(f"error: {exc.message}")  # (leaving flushes exports, bounded by
            raise typer.Exit(2) from None  # RAGWORKS_FLUSH_TIMEOUT_S)
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


def serve(host: str | None = typer.Option(None, help="Address to listen on (RAGWORKS_HOST)."),
          port: int | None = typer.Option(None, help="Port (RAGWORKS_PORT, default 3000)."),
          samples: bool = typer.Option(False, help="Ingest the sample corpus first."),
          workers: int = typer.Option(1, min=1, max=64, help="Server processes (each with "
                                      "its own in-flight limit; they share the stores).")
          ) -> None:
    """Run the HTTP API and the pages (default http://127.0.0.1:3000)."""
    import uvicorn

    from ragworks.api.app import create_app

    with open_services(host=host, port=port) as svc:
        if samples:
            counts = ingest_paths(svc, [sample_corpus()], "default", "samples")
            err.print("sample corpus: " + ", ".join(f"{n} {status}" for status, n in counts.items()
                                                    if n), highlight=False)
        load = getattr(getattr(svc.answerer, "chat", None), "load", None)
        if load is not None:
            err.print(f"loading the local model ({svc.answerer.name}) ...")
            load()
        application = create_app(svc.settings, svc)
        s = svc.settings
        if samples and workers == 1:
            from ragworks.observe.store import TraceFilter
            from ragworks.usecases import ask_sample_questions

            if not svc.traces.list_traces("default", TraceFilter(name="query"), limit=1)[1]:
                err.print("warm-up: the sample questions are asked in the background while "
                          "no one asks (the dashboard's first traces; yours go first)")
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



def doctor() -> None:
    """Check configuration, model files and every configured connection."""
    from ragworks.doctor import checks

    failed = 0
    settings = Settings()
    for check in checks(settings):
        colour = {"ok": "green", "FAIL": "red", "skip": "dim"}[check.status]
        out.print(f"[{colour}]{check.status:>4}[/{colour}]  {check.name}: {check.detail}")
        failed += check.status == "FAIL"
    if not failed:
        answers, documents = _served(settings)
        out.print(f"[green]  ok[/green]  answers: {answers}")
        if documents:
            out.print(f"[green]  ok[/green]  documents: {documents} in tenant 'default', "
                      f"data folder {settings.data_dir.resolve()}")
        else:
            out.print(f"[yellow]warn[/yellow]  documents: none in tenant 'default' (data "
                      f"folder {settings.data_dir.resolve()}): nothing to answer from; "
                      "`make demo` ingests the samples, `ragworks ingest PATH` your own")
    if failed:
        raise typer.Exit(1)


def _served(settings: Settings) -> tuple[str, int]:
    """What a server with these settings answers with (the promoted configuration counts),
    and the running experiments that answer some questions otherwise; and how many
    documents it answers from."""
    from ragworks.services import Services
    from ragworks.usecases import served_answerer

    with Services(settings) as svc:
        model, why = served_answerer(svc)
        line = f"{model} (from {why})"
        for exp in svc.experiments.store.all("default"):
            llms = {v["name"]: v["overrides"]["llm"] for v in exp["variants"]
                    if exp["status"] == "running" and "llm" in v["overrides"]}
            if llms:
                line += f"; experiment {exp['id']} answers with " + ", ".join(
                    f"{m} in variant {n}" for n, m in llms.items())
        return line, svc.records.count_documents("default")
