"""The packages depend on each other in one direction only (docs/architecture.md)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TRACKER = Path(__file__).resolve().parent.parent / "tracker"


def imports_between_packages() -> dict[str, set[str]]:
    """Return, for each package or module directly under tracker/, the others it imports."""
    packages = {p.name for p in TRACKER.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in TRACKER.glob("*.py")} - {"__init__"}
    edges: dict[str, set[str]] = defaultdict(set)
    for path in TRACKER.rglob("*.py"):
        parts = path.relative_to(TRACKER).parts
        source = parts[0] if len(parts) > 1 else path.stem
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                top = name.split(".")
                if top[0] == "tracker" and len(top) > 1 and top[1] != source \
                        and top[1] in packages | modules:
                    edges[source].add(top[1])
    return edges


def test_no_two_packages_import_each_other():
    edges = imports_between_packages()
    both_ways = sorted({tuple(sorted((a, b))) for a, targets in edges.items()
                        for b in targets if a in edges.get(b, set())})
    assert both_ways == []


def test_the_action_core_imports_neither_reminders_nor_indicators():
    edges = imports_between_packages()
    assert "actions" in edges  # the walk found the package
    assert not edges["actions"] & {"reminders", "indicators", "review"}
