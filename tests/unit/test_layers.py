"""The layers of the package, lowest first; an import may only go down or sideways.

Every import counts: at module level, inside functions (a lazy import is still a
dependency) and under TYPE_CHECKING. Within a layer, no two packages may import
each other (that would be one package in two places).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ragworks"

LAYERS: list[tuple[str, set[str]]] = [
    ("foundation", {"models", "errors", "settings", "logs", "threadserver", "turns",
                    "__init__"}),
    ("text helpers", {"text"}),
    ("storage", {"storage"}),
    ("observability", {"observe"}),
    ("embedding, indexes, queues", {"embed", "index", "jobs"}),
    ("request and ingestion stages", {"classify", "ingest", "route", "retrieve", "generate"}),
    ("domains", {"pipeline", "auth", "feedback", "experiments", "evaluate", "dashboard",
                 "doctor", "sources"}),
    ("alerting", {"alerts"}),
    ("composition root", {"services"}),
    ("use cases", {"usecases"}),
    ("surfaces", {"api", "cli", "worker", "web"}),
    ("contract suites for backends", {"testing"}),
]
LAYER_OF = {unit: n for n, (_, units) in enumerate(LAYERS) for unit in units}


def _unit(module: str) -> str:
    """ragworks.observe.tracer -> observe; ragworks.cli -> cli; ragworks -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / name / "__init__.py").exists()


def imports() -> list[tuple[str, str, str]]:
    """(importing unit, imported unit, file) for every import of ragworks in ragworks."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        source = _unit(module.removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "ragworks":  # from ragworks import errors, __version__
                    targets = [f"ragworks.{a.name}" if _is_module(a.name) else "ragworks"
                               for a in node.names]
                elif node.module.startswith("ragworks."):
                    targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("ragworks.")]
            for target in targets:
                unit = _unit(target)
                if unit != source:
                    found.append((source, unit, str(path.relative_to(PACKAGE.parent))))
    return found


def test_every_unit_has_a_layer() -> None:
    units = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert units - LAYER_OF.keys() == set(), "give the new module a layer in LAYERS"


def test_imports_only_go_down() -> None:
    upward = [f"{file}: {src} ({LAYERS[LAYER_OF[src]][0]}) imports {dst} "
              f"({LAYERS[LAYER_OF[dst]][0]})"
              for src, dst, file in imports() if LAYER_OF[dst] > LAYER_OF[src]]
    assert upward == []


def test_no_two_packages_import_each_other() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for src, dst, _ in imports():
        edges[src].add(dst)
    both_ways = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a]
                        if a in edges.get(b, set())})
    assert both_ways == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The walk finds function-level imports too (else a lazy import would slip by)."""
    found = {(s, d) for s, d, _ in imports()}
    assert ("cli", "worker") in found  # imported inside the `worker` command only


def test_no_private_name_is_imported_from_another_module() -> None:
    """A name with a leading underscore is its module's own: another module that needs it
    gets it made public (as ``ragworks.text`` holds the text helpers every layer uses)."""
    borrowed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ragworks"):
                borrowed += [f"{path.relative_to(PACKAGE.parent)}: {node.module}.{a.name}"
                             for a in node.names if a.name.startswith("_")
                             and not a.name.startswith("__")]
    assert borrowed == []


def test_the_cli_opens_services_only_in_a_with_block() -> None:
    """Every command closes what it opened (exports flushed), also on an error."""
    loose = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        tree = ast.parse(path.read_text())
        managed = {id(item.context_expr) for node in ast.walk(tree)
                   if isinstance(node, ast.With) for item in node.items}
        managed |= {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                    and f.name == "open_services" for n in ast.walk(f)}  # the opener itself
        loose += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
                      "open_services", "Services") and id(node) not in managed]
    assert loose == []


def test_stores_beside_the_records_are_twins_picked_in_one_place() -> None:
    """Every store kept beside the records has a SQLite and a DynamoDB class with the same
    public methods, and services.py picks between them in one place (``_beside``)."""
    import importlib
    import inspect

    from ragworks.services import BESIDE

    for name, paths in BESIDE.items():
        classes = []
        for path in paths:
            module, _, cls = path.partition(":")
            classes.append(getattr(importlib.import_module(module), cls))
        methods = [{m: inspect.signature(f).parameters.keys() - {"self"}
                    for m, f in inspect.getmembers(c, inspect.isfunction)
                    if not m.startswith("_")} for c in classes]
        assert methods[0] == methods[1], name
    source = (PACKAGE / "services.py").read_text()
    assert source.count("self._dynamo_records()") <= 2  # _beside, and the trace store's
