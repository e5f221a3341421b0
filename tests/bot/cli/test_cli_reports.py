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
    bad = canhgiac("reports", "export", "-o", "x", "--since", "hôm qua", cwd=tmp_path)
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
