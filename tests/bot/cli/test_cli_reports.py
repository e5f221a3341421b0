"""`canhgiac check`, `blocklist import`, `reports export`, `privacy purge` as operators run them."""

from __future__ import annotations

import json
from datetime import timedelta

from openpyxl import load_workbook

from bot.core.clock import utc_now
from bot.core.messages import ChatKey
from bot.core.storage import Storage
from bot.identifiers import parse_identifier
from bot.reporting import reports
from tests.bot.cli.test_cli import canhgiac

CONTRACT = {"input", "kind", "normalized", "risk", "reasons", "reports"}


def test_check_json_follows_the_contract(tmp_path):
    result = canhgiac("check", "vietcombank-xacthuc.com", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= CONTRACT and data["kind"] == "url" and data["risk"] == "high"
    assert data["normalized"] == "vietcombank-xacthuc.com" and "brand_with_bait_words" in data["reasons"]


def test_check_jsonl_reads_values_from_stdin(tmp_path):
    values = ["0912 345 678", "+855 12 345 678", "stk 1027845566 MB", "hello", "113"]
    result = canhgiac("check", "--jsonl", cwd=tmp_path, stdin="\n".join(values) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["kind"] for r in rows] == ["phone", "phone", "bank_account", "unknown", "phone"]
    assert [r["risk"] for r in rows] == ["low", "medium", "low", "low", "low"]
    assert rows[0]["normalized"] == "+84912345678" and rows[2]["bank"] == "MB"
    assert rows[4]["reasons"] == ["official_short_code"]


def test_blocklist_import_then_check(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("# phishing\nacb-vn.com\napps.apple.com/us/app/fake-vcb\n\nnot a host at all\n1.2.3.4\n")
    result = canhgiac("blocklist", "import", str(listing), "--source", "community", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "community: 2 hosts, 1 URL prefixes, 1 lines skipped" in result.stdout
    checks = canhgiac(
        "check", "--jsonl", cwd=tmp_path,
        stdin="login.acb-vn.com/x\napps.apple.com/us/app/fake-vcb/id1?utm_source=a\napps.apple.com/us/app/zalo\n",
    )  # fmt: skip
    rows = [json.loads(line) for line in checks.stdout.splitlines()]
    assert ["blocklisted" in r["reasons"] for r in rows] == [True, True, False]
    missing = canhgiac("blocklist", "import", str(tmp_path / "nope.txt"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def _seed(db_path, days_ago: int = 0):
    storage = Storage(db_path)
    try:
        draft = reports.Draft(
            identifier=parse_identifier("stk 1027845566 MB"), what="bank_account", via="zalo",
            claimed_topic="investment-scam", happened="today", bank_code="MB", account_holder="TRAN THI B",
            contact_consent=True, contact_phone="+84987654321",
        )  # fmt: skip
        now = utc_now() - timedelta(days=days_ago)
        storage.write_sync(lambda db: reports.file(db, draft, ChatKey("telegram", "5"), now))
    finally:
        storage.close()


def test_reports_export_xlsx_and_csv(tmp_path):
    _seed(tmp_path / "data" / "canhgiac.db")
    result = canhgiac("reports", "export", "--format", "xlsx", "-o", "out/bc.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary, detail = load_workbook(tmp_path / "out" / "bc.xlsx").worksheets
    row = [cell.value for cell in summary[2]]
    assert row[1:3] == ["1027845566", "MBBank"] and row[3] == "TRAN THI B" and row[4] == 1
    assert detail.max_row == 2
    result = canhgiac("reports", "export", "--format", "csv", "-o", "bc.csv", "--status", "confirmed", cwd=tmp_path)
    assert result.returncode == 0 and "0 identifiers, 0 reports" in result.stdout
    bad = canhgiac("reports", "export", "--format", "pdf", "-o", "x", cwd=tmp_path)
    assert bad.returncode == 2 and "--format" in bad.stderr
    bad = canhgiac("reports", "export", "-o", "x.xlsx", "--since", "hôm qua", cwd=tmp_path)
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_privacy_purge_anonymises_old_reports(tmp_path):
    _seed(tmp_path / "data" / "canhgiac.db", days_ago=100)
    _seed(tmp_path / "data" / "canhgiac.db", days_ago=1)
    result = canhgiac("privacy", "purge", "--older-than", "90", cwd=tmp_path)
    assert result.returncode == 0 and "anonymised 1 reports" in result.stdout
    storage = Storage(tmp_path / "data" / "canhgiac.db")
    try:
        phones = storage.read_sync(lambda db: [r["contact_phone"] for r in db["reports"].rows])
    finally:
        storage.close()
    assert sorted(phones, key=str) == ["+84987654321", None]


def _one_line_exit_2(result, *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().count("\n") == 0
    for word in words:
        assert word in result.stderr


def test_reports_export_format_follows_the_file_name(tmp_path):
    _seed(tmp_path / "data" / "canhgiac.db")
    result = canhgiac("reports", "export", "-o", "bc.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "bc.csv").read_bytes().startswith("\ufeff".encode())  # CSV text, not a zip named .csv
    assert (tmp_path / "bc-reports.csv").exists()
    result = canhgiac("reports", "export", "-o", "bc.XLSX", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert load_workbook(tmp_path / "bc.XLSX").worksheets[0].max_row == 2
    _one_line_exit_2(
        canhgiac("reports", "export", "--format", "csv", "-o", "x.xlsx", cwd=tmp_path), "--format", ".xlsx"
    )
    _one_line_exit_2(canhgiac("reports", "export", "--format", "xlsx", "-o", "x.csv", cwd=tmp_path), "--format", ".csv")
    _one_line_exit_2(canhgiac("reports", "export", "-o", "x.txt", cwd=tmp_path), "--format")
    assert (
        not (tmp_path / "x.xlsx").exists() and not (tmp_path / "x.csv").exists() and not (tmp_path / "x.txt").exists()
    )
    # An explicit format with a file name that says nothing is the operator's choice.
    assert canhgiac("reports", "export", "--format", "csv", "-o", "plain", cwd=tmp_path).returncode == 0


def test_reports_export_area_takes_codes_and_names_and_refuses_unknown_ones(tmp_path):
    _seed(tmp_path / "data" / "canhgiac.db")  # filed without an area
    for area in ("t-15", "x-02647", "phường Lào Cai", "coc-leu"):  # a code, a name, a code of before 2025
        result = canhgiac("reports", "export", "-o", "a.csv", "--area", area, cwd=tmp_path)
        assert result.returncode == 0 and "0 identifiers, 0 reports" in result.stdout, (area, result.stderr)
    _one_line_exit_2(canhgiac("reports", "export", "-o", "a.csv", "--area", "atlantis", cwd=tmp_path), "atlantis")
    _one_line_exit_2(canhgiac("reports", "export", "-o", "a.csv", "--area", "x-99999", cwd=tmp_path), "x-99999")


def test_reports_export_since_after_until_is_refused(tmp_path):
    _seed(tmp_path / "data" / "canhgiac.db")
    result = canhgiac(
        "reports", "export", "-o", "d.csv", "--since", "2026-12-01", "--until", "2026-11-01", cwd=tmp_path
    )
    _one_line_exit_2(result, "--since", "--until")
    same_day = canhgiac(
        "reports", "export", "-o", "d.csv", "--since", "2026-11-01", "--until", "2026-11-01", cwd=tmp_path
    )
    assert same_day.returncode == 0, same_day.stderr
