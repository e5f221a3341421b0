"""`canhgiac check` as operators run it: reports on official or allow-listed identifiers."""

from __future__ import annotations

import json

import pytest

from bot.core.clock import utc_now
from bot.core.messages import ChatKey
from bot.core.storage import Storage
from bot.identifiers import parse_identifier
from bot.reporting import reports
from tests.bot.cli.test_cli import canhgiac

VALUES = ["vietcombank.com.vn", "113", "dichvucong.gov.vn", "0987 654 321", "0912 345 678"]


def _seed(db_path) -> None:
    storage = Storage(db_path)
    try:

        def file_all(db):
            for value in VALUES:
                draft = reports.Draft(
                    identifier=parse_identifier(value), what="other", via="sms",
                    claimed_topic="phishing-link", happened="today",
                )  # fmt: skip
                for chat_id in ("1", "2", "3"):
                    reports.file(db, draft, ChatKey("telegram", chat_id), utc_now())

        storage.write_sync(file_all)
    finally:
        storage.close()


def test_check_jsonl_keeps_official_and_allow_listed_identifiers_as_they_were(tmp_path):
    _seed(tmp_path / "data" / "canhgiac.db")
    env = {"CANHGIAC_ALLOWLIST": "0987 654 321"}
    result = canhgiac("check", "--jsonl", cwd=tmp_path, stdin="\n".join(VALUES) + "\n", env=env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["reports"] for r in rows] == [3] * 5
    assert [r["risk"] for r in rows] == ["low", "low", "low", "low", "high"]
    assert [r["reasons"][0] for r in rows] == ["reported_official"] * 4 + ["many_reports"]
    assert rows[1]["signals"][0] == {"code": "reported_official", "level": "info", "params": {"count": "3"}}

    plain = canhgiac("check", "0987 654 321", cwd=tmp_path)  # without the allow list: an ordinary number
    assert plain.returncode == 0 and "risk high" in plain.stdout


@pytest.mark.parametrize("command", [("check", "113"), ("db", "info")])
def test_a_bad_allowlist_entry_stops_the_command_with_one_line(tmp_path, command):
    result = canhgiac(*command, cwd=tmp_path, env={"CANHGIAC_ALLOWLIST": "113, not a number"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "CANHGIAC_ALLOWLIST" in result.stderr and "'not a number'" in result.stderr
