"""Nothing imports upward: the flow regimen → plan → course → exporters → planner → front ends
is the import order, read from the source itself (every import, also those inside functions;
only ``if TYPE_CHECKING:`` blocks, which never run, are left out)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

#: Each part of the package and its layer: a part may import its own layer and those below.
LAYERS = {
    "errors": 0, "arguments": 0, "words": 0, "tomlreader": 0, "jsonreader": 0, "files": 0,
    "language": 0,
    "regimen": 1,
    "plan": 2,
    "course": 3,
    "export": 4, "fhir": 4, "store": 4,
    "planner": 5, "check": 5, "dav": 5,
    "batch": 6, "publish": 6, "feed": 6, "web": 6,
    "cli": 7,
    "__main__": 8, "__init__": 8,
}  # fmt: skip


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports() -> list[tuple[str, str, int]]:
    """``(module, imported module, line)`` for every import of a scheduler module."""
    found = []
    for path in sorted((REPO / "scheduler").rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                if not stem.startswith("scheduler"):
                    continue
                # ``from . import planner`` imports scheduler.planner, not the package.
                targets = [f"{stem}.{a.name}" if node.module is None else stem for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("scheduler")]
            found += [(module, target, node.lineno) for target in targets]
    return found


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {_part(m) for m, _, _ in _imports()} | {_part(t) for _, t, _ in _imports()}
    assert parts <= set(LAYERS), sorted(parts - set(LAYERS))


def test_nothing_imports_upward() -> None:
    upward = [
        f"{module}:{line} imports {target}"
        for module, target, line in _imports()
        if LAYERS[_part(target)] > LAYERS[_part(module)]
        # The bare package, for its __version__ (``--version`` from a source tree).
        and not (target == "scheduler" and module == "scheduler.cli")
    ]
    assert upward == []


def test_only_the_format_table_reaches_from_the_exporters_into_fhir() -> None:
    # export and fhir share a layer; FHIR is written through the table (export/formats.py).
    reaching = {m for m, t, _ in _imports() if _part(m) == "export" and _part(t) == "fhir"}
    assert reaching == {"scheduler.export.formats"}


def test_the_layer_table_is_read_from_real_source() -> None:
    # The scan sees imports inside functions (lazy imports are imports too).
    pairs = {(m, t) for m, t, _ in _imports()}
    assert ("scheduler.export.formats", "scheduler.fhir.plan") in pairs
    assert ("scheduler.cli.plan", "scheduler.planner") in pairs
    assert Path(REPO / "scheduler" / "export" / "planned.py").exists()
