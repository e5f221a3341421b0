"""Which templates and labels the code uses, read from the code itself (an AST walk of `bot/` and
`handlers/`), so that `canhgiac content check` finds a content folder that lacks one before a
citizen meets the gap (a missing `welcome` leaves /start without a reply).

Recognised, with names written in the code:
- `t.render("name", …)`, and a call of any module-level function with a parameter named
  `template` (`with_menu(t, "name")`): templates;
- `t.label("a.b")`: a label; `t.labels("a")`: a group of labels; `t.labels("a")["b"]`: a label;
- `f"a.{…}"` in any of these: the group `a` must exist;
- `phrases("a")` or `x.phrases("a")`: a group of typed words (`phrases.yaml`);
  `t.shown_first("a")`: a list of ids offered first (`shown_first.yaml`);
- `x if c else y`: both;
- a name bound by a loop over a module-level tuple (`for key, value in MAIN_MENU: t.label(key)`):
  the literal items of the tuple.
A name that comes from anywhere else is not seen here; the tests render those paths.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("bot", "handlers")  # where the code that renders replies lives

Places = dict[str, list[str]]  # name -> where it is used ("handlers/menu.py:43"), in file order


@dataclass
class References:
    templates: Places = field(default_factory=dict)
    labels: Places = field(default_factory=dict)
    groups: Places = field(default_factory=dict)  # `labels("a")`: a mapping of labels
    prefixes: Places = field(default_factory=dict)  # `label(f"a.{x}")`: at least the group `a`
    phrases: Places = field(default_factory=dict)  # `phrases("cancel")`: words citizens type
    shown_first: Places = field(default_factory=dict)  # `shown_first("faq")`: ids offered first

    def __len__(self) -> int:
        return sum(map(len, (self.templates, self.labels, self.groups, self.prefixes, self.phrases, self.shown_first)))


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class _Walker(ast.NodeVisitor):
    def __init__(self, where: str, tree: ast.Module, template_params: dict[str, int], refs: References):
        self.where, self.template_params, self.refs = where, template_params, refs
        self.constants = {
            node.targets[0].id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, (ast.Tuple, ast.List))
        }  # fmt: skip
        self.scopes: list[dict[str, list[str]]] = []

    # --- names bound by loops over constant tables ---

    def _bind(self, target: ast.AST, iterable: ast.AST) -> dict[str, list[str]]:
        table = self.constants.get(iterable.id) if isinstance(iterable, ast.Name) else iterable
        if not isinstance(table, (ast.Tuple, ast.List)):
            return {}
        if isinstance(target, ast.Name):
            return {target.id: [s for s in map(_text, table.elts) if s is not None]}
        bound: dict[str, list[str]] = {}
        for index, name in enumerate(target.elts if isinstance(target, ast.Tuple) else ()):
            if isinstance(name, ast.Name):
                rows = [row.elts[index] for row in table.elts if isinstance(row, ast.Tuple) and len(row.elts) > index]
                bound[name.id] = [s for s in map(_text, rows) if s is not None]
        return bound

    def _in_scope(self, node: ast.AST, bound: dict[str, list[str]]) -> None:
        self.scopes.append(bound)
        self.generic_visit(node)
        self.scopes.pop()

    def visit_For(self, node: ast.For) -> None:
        self._in_scope(node, self._bind(node.target, node.iter))

    visit_AsyncFor = visit_For

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        bound: dict[str, list[str]] = {}
        for generator in node.generators:
            bound.update(self._bind(generator.target, generator.iter))
        self._in_scope(node, bound)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    # --- the names themselves ---

    def _names(self, node: ast.AST) -> tuple[list[str], list[str]]:
        """(literal names, group prefixes of f-strings) an argument can be."""
        if (text := _text(node)) is not None:
            return [text], []
        if isinstance(node, ast.IfExp):
            body, orelse = self._names(node.body), self._names(node.orelse)
            return body[0] + orelse[0], body[1] + orelse[1]
        if isinstance(node, ast.JoinedStr) and node.values and (head := _text(node.values[0])):
            filled = self._filled(node)
            if filled:
                return filled, []
            group = head.rpartition(".")[0]
            return [], [group] if group else []
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id], []
        return [], []

    def _filled(self, node: ast.JoinedStr) -> list[str]:
        """f"report.{group}" with `group` bound by a loop over literals: every name it makes."""
        names = [""]
        for part in node.values:
            if (text := _text(part)) is not None:
                names = [name + text for name in names]
            elif isinstance(part, ast.FormattedValue) and part.conversion == -1 and part.format_spec is None:
                values = self._names(part.value)[0]
                if not values:
                    return []
                names = [name + value for name in names for value in values]
            else:
                return []
        return names

    def _add(self, places: Places, names: list[str], node: ast.AST) -> None:
        for name in names:
            places.setdefault(name, []).append(f"{self.where}:{node.lineno}")

    def _argument(self, call: ast.Call, index: int, keyword: str) -> ast.AST | None:
        if len(call.args) > index:
            return call.args[index]
        return next((k.value for k in call.keywords if k.arg == keyword), None)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if isinstance(func, ast.Attribute) and name in ("render", "label", "labels") and node.args:
            literal, prefixes = self._names(node.args[0])
            if name == "render":
                self._add(self.refs.templates, literal, node)
            else:
                self._add(self.refs.labels if name == "label" else self.refs.groups, literal, node)
                self._add(self.refs.prefixes, prefixes, node)
        elif name in ("phrases", "shown_first") and node.args:
            places = self.refs.phrases if name == "phrases" else self.refs.shown_first
            self._add(places, self._names(node.args[0])[0], node)
        elif name in self.template_params:
            argument = self._argument(node, self.template_params[name], "template")
            if argument is not None:
                self._add(self.refs.templates, self._names(argument)[0], node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        call, key = node.value, _text(node.slice)
        if (
            key is not None and isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "labels" and call.args and (group := _text(call.args[0]))
        ):  # fmt: skip
            self._add(self.refs.labels, [f"{group}.{key}"], node)
        self.generic_visit(node)


def _sources() -> dict[str, ast.Module]:
    trees = {}
    for package in PACKAGES:
        root = Path(importlib.util.find_spec(package).origin).parent  # found, not imported
        for path in sorted(root.rglob("*.py")):
            trees[path.relative_to(root.parent).as_posix()] = ast.parse(path.read_text("utf-8"), str(path))
    return trees


@functools.cache
def code_references() -> References:
    trees = _sources()
    # Module-level functions that take a template's name: the position of their `template` parameter.
    template_params = {
        node.name: [a.arg for a in node.args.posonlyargs + node.args.args].index("template")
        for tree in trees.values()
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and "template" in [a.arg for a in node.args.posonlyargs + node.args.args]
    }
    refs = References()
    for where, tree in trees.items():
        _Walker(where, tree, template_params, refs).visit(tree)
    return refs
