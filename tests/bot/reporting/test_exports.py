"""Exports for the authorities, opened back with openpyxl and csv."""

from __future__ import annotations

import csv
from datetime import date

from openpyxl import load_workbook

from bot.core.messages import ChatKey
from bot.identifiers import BankAccount, PhoneNumber
from bot.reporting import exports, reports

ACCOUNT = BankAccount(raw="1027845566 MB", normalized="1027845566", bank_code="MB", bank_name="MB Bank")
PHONE = PhoneNumber(raw="0912345678", normalized="+84912345678", number_type="mobile", region="VN")


def seed(services, clock):
    base = {"via": "zalo", "claimed_topic": "investment-scam", "happened": "this_week", "area_code": "x-02647"}
    drafts = [
        (ChatKey("t", "1"), reports.Draft(identifier=ACCOUNT, what="bank_account", amount_lost=5_000_000,
            account_holder="NGUYEN VAN A", bank_code="MB", evidence="file-1", contact_consent=True,
            updates_consent=True, contact_phone="+84987654321", description="=HYPERLINK(\"http://x\")", **base)),
        (ChatKey("t", "2"), reports.Draft(identifier=ACCOUNT, what="bank_account", amount_lost=2_000_000,
            contact_phone="+84911111111", **base)),
        (ChatKey("t", "2"), reports.Draft(identifier=PHONE, what="call", **{**base, "area_code": "x-02746"})),
    ]  # fmt: skip
    for who, draft in drafts:
        services.storage.write_sync(lambda db, w=who, d=draft: reports.file(db, d, w, clock()))


def test_xlsx_has_one_row_per_identifier_and_one_per_report(services, clock, tmp_path):
    seed(services, clock)
    t = services.content.texts("vi")
    tables = services.storage.read_sync(lambda db: exports.collect(db, t, exports.Filters()))
    [path] = exports.write_xlsx(tables, t, tmp_path / "bc.xlsx")
    book = load_workbook(path)
    summary, detail = book.worksheets
    rows = list(summary.iter_rows(values_only=True))
    assert rows[0][:3] == ("Loại", "Số điện thoại / đường link / số tài khoản", "Ngân hàng")
    account = rows[1]
    assert account[1].startswith("1027845566") and account[2] == "MBBank" and account[3] == "NGUYEN VAN A"
    assert account[4:6] == (2, 2) and account[11] == 7_000_000 and account[12] == 1
    reports_rows = list(detail.iter_rows(values_only=True))
    assert len(reports_rows) == 4
    contacts = [row[-1] for row in reports_rows[1:]]
    assert contacts.count("+84987654321") == 1 and "+84911111111" not in contacts  # only with consent
    cell = next(c for c in detail[2] if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s"  # a citizen's text is never a formula


def test_csv_files_with_filters(services, clock, library, tmp_path):
    seed(services, clock)
    t = services.content.texts("vi")
    today = clock().date()
    filters = exports.Filters(since=today, until=today, area="xã Cốc San")
    tables = services.storage.read_sync(lambda db: exports.collect(db, t, filters, library.areas))
    first, second = exports.write_csv(tables, t, tmp_path / "bc.csv")
    assert second.name == "bc-reports.csv"
    with first.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 2 and rows[1][1] == "0912 345 678"
    empty = exports.Filters(since=date(2020, 1, 1), until=date(2020, 1, 2))
    assert services.storage.read_sync(lambda db: exports.collect(db, t, empty)).reports == []


def test_csv_neutralises_formulas():
    assert exports._safe("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert exports._safe("+84912345678") == "'+84912345678"
    assert exports._safe("bình thường") == "bình thường"


def _column(t, sheet: str, key: str) -> int:
    return list(t.labels(f"export.{sheet}")).index(key)


def test_xlsx_cells_are_dates_and_numbers_with_a_filtered_frozen_header(services, clock, tmp_path):
    from datetime import datetime, timedelta

    clock.now = clock.now.replace(hour=18)  # 01:00 the next day in Vietnam: days are Vietnamese days
    base = {"via": "zalo", "claimed_topic": "investment-scam", "area_code": "x-02647"}
    for number, (happened, lost) in enumerate([("today", 15_500_000), ("yesterday", None), ("this_week", 300_000)]):
        draft = reports.Draft(identifier=ACCOUNT, what="bank_account", happened=happened, amount_lost=lost, **base)
        services.storage.write_sync(lambda db, d=draft, n=number: reports.file(db, d, ChatKey("t", str(n)), clock()))
    t = services.content.texts("vi")
    tables = services.storage.read_sync(lambda db: exports.collect(db, t, exports.Filters()))
    [path] = exports.write_xlsx(tables, t, tmp_path / "bc.xlsx")
    summary, detail = load_workbook(path).worksheets
    for sheet in (summary, detail):
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions

    vietnam_day = date(2026, 11, 23)
    happened, said = _column(t, "reports", "happened"), _column(t, "reports", "happened_said")
    created, amount = _column(t, "reports", "created"), _column(t, "reports", "amount")
    rows = {row[said].value: row for row in detail.iter_rows(min_row=2)}
    assert set(rows) == {t.labels("report.happened")[key] for key in ("today", "yesterday", "this_week")}
    by_key = {key: rows[t.labels("report.happened")[key]] for key in ("today", "yesterday", "this_week")}
    assert by_key["today"][happened].value == datetime.combine(vietnam_day, datetime.min.time())
    assert by_key["yesterday"][happened].value == datetime.combine(vietnam_day - timedelta(days=1), datetime.min.time())
    assert by_key["this_week"][happened].value is None  # only a range is known: the answer is in its own column
    assert by_key["today"][happened].is_date and "yy" in by_key["today"][happened].number_format
    stamp = by_key["today"][created]
    assert stamp.is_date and stamp.value == datetime(2026, 11, 23, 1, 0) and "hh" in stamp.number_format
    assert by_key["today"][amount].value == 15_500_000 and by_key["today"][amount].number_format == "#,##0"
    assert by_key["yesterday"][amount].value is None

    total = summary[2][_column(t, "identifiers", "amount")]
    assert total.value == 15_800_000 and total.number_format == "#,##0"
    first = summary[2][_column(t, "identifiers", "first")]
    assert first.is_date and first.value == datetime(2026, 11, 23, 1, 0)


def test_csv_keeps_text_dates(services, clock, tmp_path):
    seed(services, clock)
    t = services.content.texts("vi")
    tables = services.storage.read_sync(lambda db: exports.collect(db, t, exports.Filters()))
    _, second = exports.write_csv(tables, t, tmp_path / "bc.csv")
    with second.open(encoding="utf-8-sig") as handle:
        header, *rows = list(csv.reader(handle))
    assert len(header) == len(t.labels("export.reports"))
    assert rows[0][_column(t, "reports", "created")] == "2026-11-22 15:00"
    assert rows[0][_column(t, "reports", "happened")] == ""  # "this week": no single day
    assert rows[0][_column(t, "reports", "happened_said")] == t.labels("report.happened")["this_week"]
