"""Handlers are channel-neutral: they never import a platform's library."""

import ast
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
PLATFORM_LIBRARIES = {"telegram", "httpx", "tornado"}


def test_no_handler_imports_a_platform_library():
    for path in HANDLERS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in PLATFORM_LIBRARIES, f"{path.name} imports {name}"
                assert not name.startswith("bot.channels"), f"{path.name} imports {name}"
