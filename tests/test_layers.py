"""The import contract: which part of the bot may import which (issue 11, section 1).

Every import in `bot/` and `handlers/` is read with `ast` — at module top, under `TYPE_CHECKING`
and inside functions alike, since a deferred import is still a dependency — and checked against the
allowed arrows below. Standard-library and third-party imports are not ours and are ignored.

Layers, lowest first; a layer may import itself and what its row allows:

    core                                       (messages, settings, storage, content, clock, logs…)
    routing, identifiers, knowledge, broadcast  core only
    activity                                   core only (the activity log, report sections, deadlines)
    images                                     + identifiers (pictures: QR codes, OCR)
    reporting                                  + identifiers, images (evidence photos are checked pictures)
    checking                                   + identifiers, reporting
    services, privacy (the hubs)               anything below, not each other
    handlers, channels                         anything below, not each other: the command line
                                               builds the router from handlers and gives it to
                                               the channels, which never name a feature
    web                                        services, privacy and below: the web console,
                                               an adapter like a channel that reuses the logic
                                               below the handlers, never a handler
    app                                        anything below (serve, library loading, jobs,
                                               content check)
    cli                                        everything

Besides the arrows, no two modules may import each other, directly or through others (a cycle
inside one layer, such as a table that imports its own detector, is still a knot).

A module's layer is its package under `bot/` (`bot/checking/…` → checking); `FLAT_MODULES` names
the few modules directly under `bot/` (the hubs and `__main__`). A new module with neither fails the
test until it is given a layer.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("bot", "handlers")

_BELOW_HUBS = {
    "core", "routing", "identifiers", "knowledge", "broadcast", "activity", "images", "reporting", "checking",
}  # fmt: skip
_BELOW_FEATURES = _BELOW_HUBS | {"services", "privacy", "periodic"}
_BELOW_APP = _BELOW_FEATURES | {"handlers", "channels", "web"}

# layer -> the other layers it may import (itself always).
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "routing": frozenset({"core"}),
    "identifiers": frozenset({"core"}),
    "knowledge": frozenset({"core"}),
    "broadcast": frozenset({"core"}),
    "activity": frozenset({"core"}),
    "images": frozenset({"core", "identifiers"}),
    "reporting": frozenset({"core", "identifiers", "images"}),
    "checking": frozenset({"core", "identifiers", "reporting"}),
    "services": frozenset(_BELOW_HUBS),
    "privacy": frozenset(_BELOW_HUBS),
    "periodic": frozenset(_BELOW_HUBS),  # reports for the authorities: reads every owner, imported by none below
    "handlers": frozenset(_BELOW_FEATURES),
    "channels": frozenset(_BELOW_FEATURES),
    "web": frozenset(_BELOW_FEATURES),
    "app": frozenset(_BELOW_APP),
    "cli": frozenset(_BELOW_APP | {"app"}),
}

# `bot.<package>` is the layer of that name (section 2's shape).
PACKAGES = frozenset(ALLOWED) - {"handlers", "services", "privacy"}

# The modules directly under bot/: the hubs, and the package itself.
FLAT_MODULES: dict[str, str] = {
    "bot": "core",  # the package itself: only the version
    "bot.services": "services",
    "bot.privacy": "privacy",
    "bot.__main__": "cli",  # `python -m bot`
}


def layer_of(module: str) -> str | None:
    """The layer of a module of ours: its package under bot/, else the table; None if unknown."""
    parts = module.split(".")
    if parts[0] == "handlers":
        return "handlers"
    if len(parts) > 1 and parts[1] in PACKAGES:
        return parts[1]
    return FLAT_MODULES.get(module)  # a new module directly under bot/ must be named


def may_import(importer: str, imported: str) -> bool:
    return importer == imported or imported in ALLOWED[importer]


@dataclass(frozen=True)
class Import:
    where: str  # "bot/settings.py:16"
    importer: str  # module names
    imported: str


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_modules() -> dict[str, Path]:
    return {module_name(p): p for root in ROOTS for p in sorted((REPO / root).rglob("*.py"))}


def imports_of(source: str, module: str, where: str, known: set[str], *, is_package: bool = False) -> list[Import]:
    """Every import of one of our modules in `source`, wherever it is written.

    `from pkg import name` is an import of the module `pkg.name` when that module exists (`from bot
    import reports`), else of `pkg`; a relative import is resolved against the module's package."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            targets = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in known else origin for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in ROOTS:
                found.append(Import(f"{where}:{node.lineno}", module, target))
    return found


def all_imports() -> list[Import]:
    modules = our_modules()
    known = set(modules)
    found = []
    for module, path in modules.items():
        where = path.relative_to(REPO).as_posix()
        found += imports_of(
            path.read_text(encoding="utf-8"), module, where, known, is_package=path.name == "__init__.py"
        )
    return found


def bad_arrows(imports: list[Import]) -> list[str]:
    bad = []
    for imp in imports:
        a, b = layer_of(imp.importer), layer_of(imp.imported)
        if a is None or b is None:
            continue  # reported by test_every_module_has_a_layer
        if not may_import(a, b):
            bad.append(f"{imp.where}: {a} → {b} ({imp.importer} imports {imp.imported})")
    return bad


def cycles(imports: list[Import]) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (Tarjan's strongly connected
    components of more than one module, or a module importing itself)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.importer, set()).add(imp.imported)
        graph.setdefault(imp.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _where_cycle(group: list[str], imports: list[Import]) -> str:
    inside = set(group)
    arrows = [
        f"{i.where} ({i.importer} → {i.imported})" for i in imports if i.importer in inside and i.imported in inside
    ]
    return " ↔ ".join(group) + ": " + "; ".join(dict.fromkeys(arrows))


# ── the contract ────────────────────────────────────────────────────────────────────────────


def test_every_module_has_a_layer():
    unknown = [module for module in our_modules() if layer_of(module) is None]
    assert not unknown, f"give these a layer (a package under bot/, or FLAT_MODULES): {unknown}"


def test_every_import_follows_an_allowed_arrow():
    bad = bad_arrows(all_imports())
    assert not bad, "imports against the layers (see this file's docstring):\n" + "\n".join(bad)


def test_no_modules_import_each_other():
    imports = all_imports()
    knots = [_where_cycle(group, imports) for group in cycles(imports)]
    assert not knots, "modules that import each other:\n" + "\n".join(knots)


# ── the walk itself, so the contract cannot pass by seeing nothing ─────────────────────────


KNOWN = {
    "bot", "bot.core.settings", "bot.reporting", "bot.reporting.reports", "bot.checking", "bot.checking.verdict",
    "bot.channels", "bot.channels.zalo_api", "handlers",
}  # fmt: skip


def test_imports_under_type_checking_in_functions_and_relative_ones_are_seen():
    source = """
from typing import TYPE_CHECKING
import httpx
from bot.reporting import reports
if TYPE_CHECKING:
    from bot.checking.verdict import display
def f():
    from bot.channels.zalo_api import DEFAULT_BASE_URL
    import bot.core.settings
from ..checking import verdict
from ..channels import zalo_api
"""
    found = sorted(
        imports_of(source, "bot.reporting.digest", "bot/reporting/digest.py", KNOWN),
        key=lambda i: int(i.where.split(":")[1]),
    )
    assert [(i.where, i.imported) for i in found] == [
        ("bot/reporting/digest.py:4", "bot.reporting.reports"),
        ("bot/reporting/digest.py:6", "bot.checking.verdict"),
        ("bot/reporting/digest.py:8", "bot.channels.zalo_api"),
        ("bot/reporting/digest.py:9", "bot.core.settings"),
        ("bot/reporting/digest.py:10", "bot.checking.verdict"),
        ("bot/reporting/digest.py:11", "bot.channels.zalo_api"),
    ]
    digest = "bot.reporting.digest"
    assert bad_arrows(found) == [
        f"bot/reporting/digest.py:6: reporting → checking ({digest} imports bot.checking.verdict)",
        f"bot/reporting/digest.py:8: reporting → channels ({digest} imports bot.channels.zalo_api)",
        f"bot/reporting/digest.py:10: reporting → checking ({digest} imports bot.checking.verdict)",
        f"bot/reporting/digest.py:11: reporting → channels ({digest} imports bot.channels.zalo_api)",
    ]


def test_the_real_tree_has_in_function_and_type_checking_imports_to_check():
    imports = all_imports()
    assert len({i.importer for i in imports}) > 50
    # The command line imports most of what it runs inside its commands, to start fast.
    assert any(i.importer == "bot.cli.chat" and i.imported == "bot.app.serve" for i in imports)


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("bot.core.settings", "core"),
        ("bot.checking.brands", "checking"),
        ("bot.cli.reports", "cli"),
        ("bot.cli", "cli"),
        ("bot.services", "services"),
        ("bot.privacy", "privacy"),
        ("bot.knowledge.matcher", "knowledge"),
        ("bot.knowledge", "knowledge"),
        ("bot.channels.zalo_api", "channels"),
        ("handlers.report", "handlers"),
        ("bot", "core"),
        ("bot.__main__", "cli"),
        ("bot.settings", None),  # a flat module must be named
        ("bot.somethingnew", None),
    ],
)
def test_layer_of(module, layer):
    assert layer_of(module) == layer


def test_the_arrows():
    assert may_import("checking", "reporting") and not may_import("reporting", "checking")
    assert not may_import("core", "channels") and not may_import("routing", "services")
    assert not may_import("handlers", "channels") and not may_import("channels", "handlers")
    assert not may_import("services", "privacy") and may_import("handlers", "privacy")
    assert may_import("cli", "app") and not may_import("app", "cli")


def test_a_cycle_inside_one_layer_is_found():
    imports = [
        Import("bot/checking/brands.py:21", "bot.checking.brands", "bot.checking.lookalike"),
        Import("bot/checking/lookalike.py:45", "bot.checking.lookalike", "bot.checking.brands"),
        Import("bot/checking/signals.py:45", "bot.checking.signals", "bot.checking.brands"),
    ]
    assert cycles(imports) == [["bot.checking.brands", "bot.checking.lookalike"]]
    assert bad_arrows(imports) == []
