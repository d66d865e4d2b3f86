"""`ragworks classifier ...`: evaluate and train the query classifier."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from rich.table import Table

from ragworks.cli.common import AS_JSON, TENANT, open_services, out

clf_app = typer.Typer(help="Train and evaluate the query classifier.", no_args_is_help=True)


@clf_app.command("eval")
def classifier_eval(dataset: Path | None = typer.Option(
                        None, exists=True, dir_okay=False,
                        help="Also measure on this JSONL (with a category per line)."),
                    as_json: bool = AS_JSON) -> None:
    """Accuracy and confusion matrix on the held-out split (and on a dataset if given)."""
    from ragworks.classify.model import QueryClassifier, confusion, load_examples, split
    from ragworks.evaluate.retrieval import load_dataset
    from ragworks.models import CATEGORIES

    with open_services() as svc:
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
    tenant: str = TENANT,
    ship: bool = typer.Option(False, help="Write the package's shipped default instead."),
) -> None:
    """Train on shipped examples + feedback corrections + datasets; keep it only if not worse.

    Accuracy before and after is measured on the same held-out split of the shipped
    examples; the new classifier replaces the active one (in the data dir) only when
    it is at least as accurate.
    """
    from ragworks.classify.model import QueryClassifier, data_dir, load_examples, split
    from ragworks.evaluate.retrieval import load_dataset

    with open_services() as svc:
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
        candidate = QueryClassifier.train(train + extra, svc.embedder,
                                          version=f"v{int(time.time())}")
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

