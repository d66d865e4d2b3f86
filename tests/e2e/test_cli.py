"""The CLI as a user runs it: ingest a folder, ask, evaluate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT

BIN = Path(sys.executable).parent / "ragworks"


def run(args: list[str], data: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAGWORKS_DATA_DIR": str(data), "RAGWORKS_LLM": "extractive",
           "RAGWORKS_ENV": "test"}
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True,
                          timeout=600, check=check)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    first = run(["ingest", str(CORPUS), "--collection", "samples"], d)
    assert "created=52" in first.stdout and "ingesting" in first.stderr  # progress bar
    return d


def test_reingest_is_a_noop(data: Path) -> None:
    again = run(["ingest", str(CORPUS), "--collection", "samples"], data)
    assert "created=0 unchanged=52" in again.stdout


def test_ask_json_is_the_api_body(data: Path) -> None:
    out = run(["ask", "How many hardware security keys can I have?", "--json"], data)
    body = json.loads(out.stdout)
    assert {"answer", "citations", "category", "confidence", "plan", "latency_ms"} <= body.keys()
    assert body["citations"][0]["source"] == "mfa-enrollment.docx"
    text = run(["ask", "How many hardware security keys can I have?"], data).stdout
    assert "[1] mfa-enrollment.docx" in text


def test_ask_rejects_empty_question(data: Path) -> None:
    out = run(["ask", "   "], data, check=False)
    assert out.returncode == 2 and "empty" in out.stderr


def test_ingest_reports_bad_files(tmp_path: Path, data: Path) -> None:
    (tmp_path / "ok.md").write_text("# Note\n\nThe boiler is serviced every October.\n")
    (tmp_path / "empty.txt").write_text("")
    out = run(["ingest", str(tmp_path)], data, check=False)
    assert out.returncode == 1 and "created=1" in out.stdout and "empty.txt" in out.stderr


@pytest.mark.parametrize("dataset", ["sample_qa.jsonl", "paraphrase_qa.jsonl"])
def test_eval_retrieval_meets_targets(data: Path, dataset: str) -> None:
    out = run(["eval", "retrieval", "--dataset", str(ROOT / "evals" / dataset), "--json"], data)
    result = json.loads(out.stdout)
    r = result["retrieval"]
    assert r["hybrid"]["recall@5"] >= 0.85
    if dataset == "sample_qa.jsonl":  # the labelled set; paraphrases are all 'factoid'
        assert result["classification_accuracy"] >= 0.85
    for metric in ("recall@5", "mrr@10", "ndcg@10"):
        assert r["hybrid"][metric] >= max(r["lexical"][metric], r["dense"][metric]) - 1e-9, metric
    from ragworks.observe.store_sqlite import SQLiteTraceStore, TraceFilter

    store = SQLiteTraceStore(data / "ragworks.db")
    rows, total = store.list_traces("default", TraceFilter(name="eval_item"), limit=1)
    assert total >= r["hybrid"]["questions"] and dataset in rows[0]["tags"]
    scores = {s["name"]: s for s in store.get_trace("default", rows[0]["id"])["scores"]}
    assert scores["recall@5"]["source"] == "eval"
    store.close()


def test_classifier_eval_prints_confusion(data: Path) -> None:
    out = run(["classifier", "eval", "--json"], data)
    result = json.loads(out.stdout)
    (held_out,) = result.values()
    assert held_out["accuracy"] >= 0.85 and len(held_out["confusion"]) == 5


def test_eval_gate_passes_on_the_baseline_and_fails_on_a_drop(tmp_path: Path) -> None:
    args = ["eval", "gate", "--dataset", str(ROOT / "evals" / "sample_qa.jsonl"),
            "--corpus", str(CORPUS)]
    ok = run([*args, "--baseline", str(ROOT / "evals" / "baseline.json")], tmp_path)
    assert "gate passed" in ok.stdout
    baseline = json.loads((ROOT / "evals" / "baseline.json").read_text())
    baseline["hybrid_recall@5"] = {"value": 1.5, "tolerance": 0.0}  # an impossible bar
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps(baseline))
    failed = run([*args, "--baseline", str(strict)], tmp_path, check=False)
    assert failed.returncode == 1 and "hybrid_recall@5" in failed.stderr


def test_eval_runs_are_stored_and_compared(data: Path) -> None:
    ds = str(ROOT / "evals" / "paraphrase_qa.jsonl")
    a = json.loads(run(["eval", "run", "--dataset", ds, "--json"], data).stdout)
    b = json.loads(run(["eval", "run", "--dataset", ds, "--variant", '{"dense_weight": 0.0}',
                        "--json"], data).stdout)
    assert a["dataset_version"] == b["dataset_version"] and b["overrides"] == {"dense_weight": 0.0}
    assert a["aggregates"]["recall@5"] >= 0.85 and "citation_precision" in a["aggregates"]
    assert 0 < a["aggregates"]["classification_macro_f1"] <= 1
    assert len(a["aggregates"]["confusion"]["matrix"]) == 5
    rows = {r["metric"]: r for r in json.loads(
        run(["eval", "compare", a["id"], b["id"], "--json"], data).stdout)}
    assert rows["mrr@10"]["n"] == 38 and rows["mrr@10"]["delta"] < 0  # BM25 alone is worse here
    assert rows["mrr@10"]["p_value"] is not None and rows["mrr@10"]["test"] == "paired t"
    missing = run(["eval", "compare", a["id"], "run_nope"], data, check=False)
    assert missing.returncode == 2 and "run_nope" in missing.stderr


def test_beir_import_and_eval_by_dataset_name(tmp_path: Path) -> None:
    beir = tmp_path / "tiny-beir"
    (beir / "qrels").mkdir(parents=True)
    docs = [("d1", "Kettles", "Descale the kettle every four weeks with citric acid."),
            ("d2", "Bikes", "Oil the bicycle chain after riding in the rain."),
            ("d3", "Plants", "Water the fern twice a week and keep it out of direct sun.")]
    (beir / "corpus.jsonl").write_text("\n".join(json.dumps(
        {"_id": i, "title": t, "text": x}) for i, t, x in docs))
    (beir / "queries.jsonl").write_text("\n".join(json.dumps({"_id": q, "text": t}) for q, t in
                                                  (("q1", "how often to descale a kettle"),
                                                   ("q2", "what to do with a bike chain"))))
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")
    data = tmp_path / "data"
    imported = json.loads(run(["eval", "import-beir", str(beir), "--name", "tiny"], data).stdout)
    assert imported["documents"]["created"] == 3 and imported["dataset"]["items"] == 2
    result = json.loads(run(["eval", "run", "--dataset", "tiny@1", "--json"], data).stdout)
    assert result["aggregates"]["recall@5"] == 1.0 and result["dataset"] == "tiny@1"


def test_expected_errors_are_one_line_and_exit_2(data: Path) -> None:
    for args, message in ((["experiment", "start", "exp_nope"], "no experiment 'exp_nope'"),
                          (["experiment", "results", "exp_nope"], "no experiment 'exp_nope'"),
                          (["eval", "run", "--dataset", "no-such-set"],
                           "no dataset 'no-such-set'")):
        done = run(args, data, check=False)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()  # where the data is, then the error
        assert lines == [f"data: {data}", f"error: {message}"]  # one line, no traceback
    debug = run(["--debug", "experiment", "start", "exp_nope"], data, check=False)
    assert "Traceback" in debug.stderr and debug.returncode != 0


def test_a_folder_says_what_it_does_not_ingest(tmp_path: Path, data: Path) -> None:
    (tmp_path / "ok.md").write_text("# Note\n\nThe boiler is serviced every October.\n")
    (tmp_path / "logo.gif").write_bytes(b"GIF89a\x01\x00")
    (tmp_path / "empty.txt").write_text("")
    out = run(["ingest", str(tmp_path)], data, check=False)
    assert "not ingested logo.gif: .gif is not a supported type" in out.stderr
    skipped = next(line for line in out.stderr.splitlines() if "skipped" in line)
    assert skipped.count("empty.txt") == 1  # the name once, then the reason


def test_ask_says_where_the_data_is_and_refuses_an_empty_index(tmp_path: Path,
                                                              data: Path) -> None:
    asked = run(["ask", "How many hardware security keys can I have?"], data)
    assert asked.stderr.splitlines()[0] == f"data: {data}"
    empty = tmp_path / "empty-data"
    refused = run(["ask", "How many vacation days do I get?"], empty, check=False)
    assert refused.returncode == 2 and refused.stdout == ""
    assert f"tenant 'default' has no documents in {empty}" in refused.stderr
    assert "ragworks ingest PATH" in refused.stderr


def test_the_default_data_dir_does_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "some-project"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGWORKS_")
           and k != "XDG_DATA_HOME"}
    env.update(HOME=str(home), RAGWORKS_ENV="test", RAGWORKS_LLM="extractive")
    done = subprocess.run([str(BIN), "ask", "Where do visitors park?"], env=env, cwd=elsewhere,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert f"data: {home / '.local' / 'share' / 'ragworks'}" in done.stderr
    assert not (elsewhere / "data").exists()  # nothing made where the command ran


def test_eval_run_says_which_answerer_it_used(data: Path) -> None:
    ds = str(ROOT / "evals" / "paraphrase_qa.jsonl")
    done = run(["eval", "run", "--dataset", ds], data)
    assert "answering with extractive (from RAGWORKS_LLM)" in done.stderr
    assert "answered by extractive" in done.stdout


def test_help_reads_like_a_command_line(tmp_path: Path) -> None:
    """Every command has a summary and every option a description; placeholders are the
    conventional ones (TEXT, PATH..., INTEGER), never Python types, and flags show none."""
    import typer

    from ragworks.cli import app

    missing = []

    def walk(command, path: list[str]) -> None:  # type: ignore[no-untyped-def]
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, [*path, name])
        if getattr(command, "commands", None):
            return
        if not (command.help or "").strip():
            missing.append(" ".join(path) + ": no summary")
        missing.extend(f"{' '.join(path)} {p.name}: no help" for p in command.params
                       if p.name != "help" and not (getattr(p, "help", None) or "").strip())

    walk(typer.main.get_command(app), [])
    assert missing == []
    for args, shown in ((["ingest", "--help"], "Usage: ragworks ingest [OPTIONS] PATH..."),
                        (["ask", "--help"], "Usage: ragworks ask [OPTIONS] QUESTION"),
                        (["eval", "run", "--help"], "NAME[@VERSION]"),
                        (["serve", "--help"], "--port                       INTEGER")):
        text = run(args, tmp_path).stdout
        assert shown in text, text
        for odd in ("<str>", "<bool>", "<list[", "{PATH", "<int>"):
            assert odd not in text, (args, odd)
