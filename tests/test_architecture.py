"""The apps' edges, read from their imports: each app imports only the apps below it, so a change in one is
found in the first place one looks and never loops back. From the bottom: `elettro.kernel` (money, India, errors),
`tenants`, `billing`, `ingestion`, `analytics`, `reports`; `elettro` itself is the project's configuration."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LAYERS = ["tenants", "billing", "ingestion", "analytics", "reports"]


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_no_app_above_it(app):
    above = set(LAYERS[LAYERS.index(app) + 1 :])
    wrong = {
        str(path.relative_to(REPO)): sorted(_imported_apps(path) & above)
        for path in (REPO / app).rglob("*.py")
        if "migrations" not in path.parts and _imported_apps(path) & above
    }
    assert wrong == {}, f"{app} imports apps above it: {wrong}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_reports_read_analytics_through_its_one_door_and_no_ingestion_models():
    wrong = {}
    for path in (REPO / "reports").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found = sorted(m for m in _imports(path) if m.split(".")[0] in ("analytics", "ingestion"))
        if any(module != "analytics.reading" for module in found):
            wrong[str(path.relative_to(REPO))] = found
    assert wrong == {}, f"reports reach past analytics.reading: {wrong}"


def test_the_shared_kernel_imports_no_app_and_no_project_configuration():
    wrong = {}
    for path in (REPO / "elettro" / "kernel").rglob("*.py"):
        found = sorted(
            m for m in _imports(path)
            if m.split(".")[0] in LAYERS or (m.startswith("elettro") and not m.startswith("elettro.kernel"))
        )  # fmt: skip
        if found:
            wrong[str(path.relative_to(REPO))] = found
    assert wrong == {}, f"the kernel reaches out: {wrong}"
