"""The package layout shows the data flow: lists -> sources -> papers -> publish.

No module of a stage imports a later stage, and no stage imports the orchestration modules
(pipeline, summary, cli) or the stand-in, so each stage can be used and tested on its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import enrich

PACKAGE = Path(enrich.__file__).parent
STAGES = ["lists", "sources", "papers", "publish"]
TOP_ONLY = {"pipeline", "summary", "cli", "standin"}


def _imported_enrich_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "enrich" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_stage_package_exists() -> None:
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage


def test_no_import_runs_back_up_a_stage() -> None:
    violations = []
    for rank, stage in enumerate(STAGES):
        later = set(STAGES[rank + 1 :])
        for module in sorted((PACKAGE / stage).rglob("*.py")):
            bad = _imported_enrich_modules(module) & (later | TOP_ONLY)
            if bad:
                violations.append(f"{module.relative_to(PACKAGE)} imports {sorted(bad)}")
    assert violations == []


def test_shared_modules_import_no_stage() -> None:
    """models, contract, settings, errors, titles, progress, collector and handoff sit beside
    the stages, under all of them."""
    shared = ["models", "contract", "settings", "errors", "titles", "progress", "collector"]
    for name in [*shared, "handoff"]:
        imported = _imported_enrich_modules(PACKAGE / f"{name}.py")
        assert imported & (set(STAGES) | TOP_ONLY) == set(), name
