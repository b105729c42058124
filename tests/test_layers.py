"""The layers point one way: models <- services and selectors <- admin, API, status page,
commands and worker. The domain imports nothing of the presentation; the status page
learns of changes through tracker.signals instead."""

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
DOMAIN = [
    TRACKER / "models.py",
    TRACKER / "selectors.py",
    TRACKER / "demand.py",
    TRACKER / "ranking.py",
    TRACKER / "db.py",
    TRACKER / "signals.py",
    *sorted((TRACKER / "services").glob("*.py")),
]
ABOVE = (
    "tracker.admin",
    "tracker.api",
    "tracker.status",
    "tracker.management",
    "tracker.views",
    "tracker.integrations",
)


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("path", DOMAIN, ids=lambda path: str(path.relative_to(TRACKER)))
def test_the_domain_imports_nothing_from_the_layers_above_it(path):
    assert {name for name in imported(path) if name.startswith(ABOVE)} == set()


def test_it_reads_every_module_of_the_services_package():
    # A moved package would leave the test above nothing to check.
    assert {path.stem for path in DOMAIN if path.parent.name == "services"} >= {
        "__init__",
        "intake",
        "decisions",
        "demand",
        "outbox",
        "locks",
    }
