"""No test asserts a substring of the Vietnamese wording a citizen reads.

Wording belongs to content editors: a test that checks `"Đã nhận" in reply.text` breaks on every
rewording and passes on a wrong answer that happens to share the phrase. Behaviour tests assert
template keys, the values a template was given, choice values and database rows; channel tests
compare with text rendered in-process from the same template or label; tests/test_snapshots.py
pins the wording itself, in reviewable files.

This scan finds, in every test file, an `assert` whose substring check (`x in y`, `x not in y`,
`y.count(x)`, `y.startswith(x)`, `y.endswith(x)`) takes Vietnamese prose as `x`: a literal, an
f-string, or a name bound to one (assigned, looped over, or a `pytest.mark.parametrize` value).
What is "prose": any string holding a non-ASCII letter. Some such assertions check data rather
than wording (the citizen's own words echoed, a setting, a locality name, a text the test itself
made up): those are listed in ALLOWED, each with its reason.

Run it alone to list what it finds: `.venv/bin/python -m pytest tests/test_prose_assertions.py`.
"""

from __future__ import annotations

import ast
import unicodedata
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SUBSTRING_METHODS = {"count", "startswith", "endswith"}

# (file relative to tests/, the assertion's source line stripped) -> why it checks data, not wording.
ALLOWED: dict[tuple[str, str], str] = {
    (
        "bot/web/test_staff_sections.py",
        "assert RECOMMENDATIONS in paragraphs and FIRST_LINE in paragraphs",
    ): "the staff member's own words, typed into the console, printed in the Word file as written",
    (
        "bot/app/test_content_check.py",
        'assert added.startswith("vi/templates/welcome.html.j2") and "xác thực hai yếu tố" in added',
    ): "the check's own message naming the term of phrases.yaml, for a text the test wrote",
    (
        "bot/app/test_content_check.py",
        'assert len(found) == 2 and "15/2020/NĐ-CP" in found[0] and "Luật số 24" in found[1]',
    ): "law numbers the test wrote into its own template, quoted back by the check",
    (
        "bot/images/test_reading.py",
        'assert "Công an phường thông báo" in accented.text and "căn cước" in accented.text',
    ): "text the test drew into a picture, read back by OCR",
    (
        "handlers/test_report.py",
        'assert "&lt;b&gt;gấp&lt;/b&gt;" in chat.text  # escaped, not rendered',
    ): "the citizen's own description, echoed escaped",
    (
        "handlers/test_check.py",
        'assert "Xứ Thử Nghiệm" in reason  # the name the content in use gives, not the shipped one',
    ): "a country name the test writes into its own content copy",
    (
        "handlers/test_check.py",
        'assert "Xứ Thử Nghiệm" not in reason',
    ): "a country name the test writes into its own content copy",
    (
        "handlers/test_help_and_hotlines.py",
        'assert "Công an phường Cốc Lếu" in text  # the configured hotline\'s own label, echoed',
    ): "a settings value (the hotline's label) echoed",
    (
        "handlers/test_menu.py",
        'assert "phường Cốc Lếu" in chat.text  # the configured locality\'s name, echoed',
    ): "a settings value (the locality's name) echoed",
    (
        "bot/core/test_content.py",
        'assert any("Công an xã Tả Van" in line and "0214 3871 113" in line for line in added)  # the settings echoed',
    ): "a settings value (a hotline's label) echoed",
    (
        "bot/core/test_settings.py",
        'assert message.startswith("invalid setting CANHGIAC_ALLOWLIST:") and "\'công an tỉnh\'" in message',
    ): "the invalid setting value quoted in an English error message",
    (
        "bot/core/test_logs.py",
        'assert "tài khoản bị khóa" not in logged',
    ): "a payload the test logs itself: privacy, it must not reach the log",
    (
        "bot/broadcast/test_sender.py",
        'assert "database is locked" in logged and "Cảnh báo" not in logged and "0912345678" not in logged',
    ): "the broadcast text the test queued: privacy, it must not reach the log",
    (
        "bot/routing/test_router.py",
        'assert "0912345678" not in caplog.text and "bí mật" not in caplog.text',
    ): "the citizen's own words: privacy, they must not reach the log",
    (
        "bot/routing/test_router.py",
        'assert "latency_ms=" in lines[0] and "0987654321" not in caplog.text and "Nguyễn" not in caplog.text',
    ): "the citizen's own name: privacy, it must not reach the log",
    (
        "bot/broadcast/test_broadcasts.py",
        'assert "Ở phường Cốc Lếu, gọi 113." in rows["1"]["text"] and "Ở phường Bắc Cường" in rows["2"]["text"]',
    ): "a campaign text the test defines, rendered per area (the area's name filled in)",
    (
        "bot/broadcast/test_broadcasts.py",
        'assert set(rows) == {"1", "2"} and "&lt;b&gt;Khẩn&lt;/b&gt; {{ 7*7 }}" in rows["1"]["text"]',
    ): "a staff text the test sends, echoed escaped and not rendered",
    (
        "bot/broadcast/test_broadcasts.py",
        'assert weekly.iso_week == "2026-W48" and "Vay nhanh" in rows["1"]["text"] and "Việc nhẹ" in rows["2"]["text"]',
    ): "campaign titles the test defines: which campaign each area got",
    (
        "bot/cli/test_cli.py",
        'assert lines[1].split()[0] == "2" and "giá lúa" in lines[1]',
    ): "the citizen's own question, grouped by `faq gaps`",
    (
        "bot/cli/test_cli.py",
        'assert text_file.read_text("utf-8").startswith("Ghi chú")  # not overwritten',
    ): "a file the test wrote itself, left untouched",
    (
        "handlers/test_faq.py",
        'assert gap["outcome"] == "fallback" and "[số tiền]" in gap["text"] and "5tr" not in gap["text"]',
    ): "the redaction placeholder stored in the database, not a reply",
}


def is_prose(value: object) -> bool:
    return isinstance(value, str) and any(ord(c) > 127 and unicodedata.category(c).startswith("L") for c in value)


def strings_in(node: ast.AST) -> list[str]:
    """The string constants `node` is made of (an f-string's literal parts, a tuple's items)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for element in node.elts for s in strings_in(element)]
    return []


def _parametrized_prose(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Argument names that a `pytest.mark.parametrize` decorator fills with prose."""
    names: set[str] = set()
    for decorator in function.decorator_list:
        if not (isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", "") == "parametrize"):
            continue
        if len(decorator.args) < 2:
            continue
        argnames = strings_in(decorator.args[0])
        argnames = [n.strip() for joined in argnames for n in joined.split(",")] if argnames else []
        rows = decorator.args[1].elts if isinstance(decorator.args[1], (ast.List, ast.Tuple)) else []
        for row in rows:
            items = row.elts if isinstance(row, ast.Tuple) and len(argnames) > 1 else [row]
            for name, item in zip(argnames, items, strict=False):  # a short row: pytest reports it
                if any(is_prose(s) for s in strings_in(item)):
                    names.add(name)
    return names


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    source: str

    def __str__(self) -> str:
        return f"tests/{self.path}:{self.line}: {self.source}"


class _Scan(ast.NodeVisitor):
    def __init__(self, path: str, lines: list[str]):
        self.path, self.lines = path, lines
        self.scopes: list[set[str]] = [set()]  # names bound to prose: module, then each function
        self.found: list[Finding] = []

    def _bound(self, name: str) -> bool:
        return any(name in scope for scope in self.scopes)

    def _prose(self, node: ast.AST) -> bool:
        if any(is_prose(s) for s in strings_in(node)):
            return True
        return isinstance(node, ast.Name) and self._bound(node.id)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append(_parametrized_prose(node))
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(is_prose(s) for s in strings_in(node.value)):
            self.scopes[-1].update(t.id for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        if isinstance(node.target, ast.Name) and any(is_prose(s) for s in strings_in(node.iter)):
            self.scopes[-1].add(node.target.id)
        self.generic_visit(node)

    def visit_Assert(self, node: ast.Assert) -> None:
        for check in ast.walk(node.test):
            if (
                isinstance(check, ast.comprehension)
                and isinstance(check.target, ast.Name)
                and any(is_prose(s) for s in strings_in(check.iter))
            ):
                self.scopes[-1].add(check.target.id)
        for check in ast.walk(node.test):
            if isinstance(check, ast.Compare):
                hit = any(isinstance(op, (ast.In, ast.NotIn)) for op in check.ops) and self._prose(check.left)
            elif isinstance(check, ast.Call) and isinstance(check.func, ast.Attribute):
                hit = check.func.attr in SUBSTRING_METHODS and any(self._prose(a) for a in check.args)
            else:
                continue
            if hit:
                self.found.append(Finding(self.path, node.lineno, self.lines[node.lineno - 1].strip()))
                break  # one finding per assert statement
        self.generic_visit(node)


def scan(root: Path = TESTS) -> list[Finding]:
    found: list[Finding] = []
    for file in sorted(root.rglob("*.py")):
        relative = file.relative_to(root).as_posix()
        source = file.read_text("utf-8")
        visitor = _Scan(relative, source.splitlines())
        visitor.visit(ast.parse(source, filename=str(file)))
        found += visitor.found
    return found


# --- the scan itself ---


def test_no_test_asserts_a_substring_of_the_wording():
    found = [f for f in scan() if (f.path, f.source) not in ALLOWED]
    assert not found, (
        "assert template keys, template values, choice values or rows instead of wording "
        "(or, for data that merely echoes, list it in ALLOWED with a reason):\n" + "\n".join(map(str, found))
    )


def test_every_allowed_entry_still_exists_and_says_why():
    present = {(f.path, f.source) for f in scan()}
    stale = [f"tests/{path}: {line}" for path, line in ALLOWED if (path, line) not in present]
    assert not stale, "ALLOWED lists assertions the scan no longer finds; remove them:\n" + "\n".join(stale)
    assert all(reason.strip() for reason in ALLOWED.values())


def test_the_scan_finds_each_form_of_a_prose_assertion(tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "DONE = 'Đã nhận'\n"
        "def test_a(chat):\n"
        "    assert 'Đã nhận' in chat.text\n"  # a literal
        "    assert f'Mã {chat.ref} đã lưu' not in chat.text\n"  # an f-string
        "    assert DONE in chat.text\n"  # a module constant
        "    saved = 'Đã lưu'\n"
        "    assert chat.text.count(saved) == 1\n"  # a local name, counted
        "    assert chat.text.startswith('Chào')\n"
        "    for word in ('Chào', 'Lan'):\n"
        "        assert word in chat.text\n"  # a loop over prose
        "    assert any(w in chat.text for w in ('Xin chào', 'Chào'))\n"  # a comprehension
        "@pytest.mark.parametrize(('sent', 'problem'), [('0912', 'chưa nhận ra')])\n"
        "def test_b(chat, sent, problem):\n"
        "    assert problem in chat.text\n"  # a parametrized value
        "def test_c(chat):\n"
        "    assert 'report_done' in chat.templates and '0912 345 678' in chat.text\n"  # keys, numbers: fine
        "    assert chat.values_of('x')['area'] == 'phường Cốc Lếu'\n"  # equality of data: fine
        "    problem = 'chưa nhận ra'\n"
        "    chat.send(problem)\n",  # not in an assert: fine
        encoding="utf-8",
    )
    assert [f.line for f in scan(tmp_path)] == [4, 5, 6, 8, 9, 11, 12, 15]
