"""Lower layers never import higher ones (docs/architecture.md, "Layers").

Every import statement is read from the source (also those inside functions and under
``TYPE_CHECKING``): an import of a higher package is a dependency whether or not it runs at
start-up. A feature that must take part in writing a post registers a step instead
(posts/steps.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hashchat"

# From the bottom up. A package may import its own layer and those below it. Open to all: the
# shared modules (errors, config, urls, security, logs, parsing, csvfile, tasks), the views' shared pieces (web/) and
# the process's parts that views are handed (runtime.Runtime).
LAYERS: list[set[str]] = [
    {"storage", "text"},
    {"accounts", "posts", "realtime"},
    {"directory", "hosting", "live", "catchup", "analytics", "transcripts", "notifications"}
    | {"apps"},
    {"bridges", "jobs"},
    {"app", "cli", "demo", "features", "schema", "__main__"},
]
SHARED = {"errors", "config", "urls", "security", "logs", "web", "runtime", "parsing", "csvfile"}
SHARED |= {"tasks"}
# Alembic's scripts describe every feature's tables: they sit above them all, and nothing
# imports them.
EXEMPT = {SRC / "storage" / "migrations"}
CHECKED = ["storage", "text", "realtime", "accounts", "posts"]


def _layer(package: str) -> int:
    for n, members in enumerate(LAYERS):
        if package in members:
            return n
    raise AssertionError(f"hashchat.{package} has no layer in tests/test_layers.py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level hashchat package) for every import of hashchat in ``path``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "hashchat":  # from hashchat import urls
                names = [f"hashchat.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "hashchat" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def _sources(package: str) -> list[Path]:
    return [
        p
        for p in sorted((SRC / package).rglob("*.py"))
        if not any(p.is_relative_to(e) for e in EXEMPT)
    ]


@pytest.mark.parametrize("package", CHECKED)
def test_a_lower_layer_imports_nothing_above_it(package: str) -> None:
    mine = _layer(package)
    wrong = [
        f"{path.relative_to(SRC)}:{line} imports hashchat.{target}"
        for path in _sources(package)
        for line, target in _imports(path)
        if target not in SHARED and _layer(target) > mine
    ]
    assert wrong == [], "lower layers import higher ones:\n" + "\n".join(wrong)


def test_every_package_has_a_layer() -> None:
    """A new package must be placed in LAYERS, so the check above knows where it stands."""
    for path in SRC.iterdir():
        name = path.stem if path.suffix == ".py" else path.name
        package = (path / "__init__.py").exists() or path.suffix == ".py"
        if package and name not in SHARED and name != "__init__":
            _layer(name)


def test_the_check_sees_a_late_import(tmp_path: Path) -> None:
    """An import inside a function counts: it is how the old circle hid."""
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from hashchat.hosting.classify import classify\n")
    assert _imports(module) == [(2, "hosting")]
