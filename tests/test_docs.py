"""Docs and code agree: the README's commands are the ones CI runs and the CLI has."""

import re
from pathlib import Path

from bot.cli import app
from bot.core.settings import Settings

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    run_command, test_command = _shell_blocks()[:2]
    assert "canhgiac" in run_command and "pytest" in test_command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_every_cli_command_is_documented():
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    for group in app.registered_groups:
        names += [f"{group.name} {c.name or c.callback.__name__}" for c in group.typer_instance.registered_commands]
    assert "db info" in names and "faq eval" in names
    for name in names:
        assert f"`canhgiac {name}" in README, name


def test_every_setting_is_documented():
    for field in Settings.model_fields.values():
        variable = field.validation_alias.choices[0]
        assert f"`{variable}`" in README, variable


def test_every_flag_code_of_a_message_verdict_is_in_the_readme_table():
    from bot.checking.flags import CODES

    documented = re.findall(r"^\| `([a-z_]+)` \| ", README, re.MULTILINE)
    assert set(CODES) <= set(documented), set(CODES) - set(documented)
