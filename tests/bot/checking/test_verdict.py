"""Stored evidence in a check: citizens' reports never brand an official site or number by themselves."""

from __future__ import annotations

import pytest

from bot.checking import verdict
from bot.checking.official import AllowList, is_official
from bot.core.messages import ChatKey
from bot.identifiers import parse_identifier
from bot.reporting import reports

# Official by the reference tables (brands, *.gov.vn, hotlines.yaml), by the allow list, or because
# the bot itself shows it as the locality's police number (the settings fixture's hotline).
OFFICIAL = [
    "vietcombank.com.vn",
    "https://vietcombank.com.vn/vi-VN/KHCN",
    "113",
    "115",
    "dichvucong.gov.vn",
    "congan.laocai.gov.vn",
    "zalo.me",
    "0987 654 321",  # allow-listed in the tests below
    "stk 1027845566 MB",  # allow-listed
    "0214 3820 113",  # CANHGIAC_POLICE_HOTLINES
]
ALLOW = ["0987 654 321", "stk 1027845566 MB"]


def _file(db, value: str, reporters: int, now) -> None:
    draft = reports.Draft(
        identifier=parse_identifier(value), what="other", via="phone_call",
        claimed_topic="fake-authority-call", happened="today",
    )  # fmt: skip
    for n in range(reporters):
        reports.file(db, draft, ChatKey("test", str(500 + n)), now)


async def _check(services, value: str) -> verdict.CheckResult:
    allow = verdict.allow_list(services.settings)
    return await services.storage.read(lambda db: verdict.check_value(db, value, services.library.brands, allow))


@pytest.mark.parametrize("value", OFFICIAL)
async def test_three_reporters_leave_an_official_identifier_as_it_was(services, settings, clock, value):
    settings.allowlist = ALLOW
    before = await _check(services, value)
    await services.storage.write(lambda db: _file(db, value, 3, clock()))

    after = await _check(services, value)
    assert after.risk == before.risk == "low"
    assert after.stats.reporters == 3
    assert after.reasons[0] == "reported_official" and after.signals[0].params == {"count": "3"}
    assert not {"many_reports", "reported"} & set(after.reasons)
    assert after.signals[1:] == before.signals  # its own signals are untouched


async def test_an_ordinary_number_with_three_reporters_is_still_high(services, clock):
    await services.storage.write(lambda db: _file(db, "0912 345 678", 3, clock()))
    result = await _check(services, "0912 345 678")
    assert result.risk == "high" and result.reasons == ["many_reports"]
    await services.storage.write(lambda db: _file(db, "0933 111 222", 1, clock()))
    assert (await _check(services, "0933 111 222")).reasons == ["reported"]


@pytest.mark.parametrize("value", ["facebook.com/trang.gia.mao", "me.momo.vn/nhantien123", "shopee.vn/shop-lua"])
async def test_a_page_on_a_platform_anyone_can_post_on_is_not_official(services, clock, value):
    """facebook.com is official, a page on it is anyone's: reports about that page still count."""
    await services.storage.write(lambda db: _file(db, value, 3, clock()))
    result = await _check(services, value)
    assert result.risk == "high" and "many_reports" in result.reasons


async def test_a_police_decision_is_what_changes_an_official_identifier(services, settings, clock):
    settings.allowlist = ["0987 654 321"]
    await services.storage.write(lambda db: _file(db, "0987654321", 3, clock()))
    assert (await _check(services, "+84 987 654 321")).risk == "low"

    def confirm(db):
        identifier_id = reports.queue(db)[0].identifier_id
        reports.decide(db, identifier_id, "confirmed", note=None, actor="test:1", now=clock(), notice=lambda r, s: "")

    await services.storage.write(confirm)
    result = await _check(services, "0987654321")
    assert result.risk == "high" and result.reasons == ["confirmed_scam"]


def test_is_official_reuses_the_reference_tables(library):
    brands, allow = library.brands, AllowList.parse(["congan.example.vn", "0987 654 321"])

    def official(value: str) -> bool:
        return is_official(parse_identifier(value), brands, allow)

    assert official("ebanking.vietcombank.com.vn/login") and official("5656")
    assert official("congan.example.vn/tin-tuc") and official("www.tinh.congan.example.vn")
    assert official("+84987654321")
    not_official = [
        "vietcombank.com.vn.xacthuc.top", "vietcombank-xacthuc.com", "1800 1234", "0912 345 678",
        "https://vietcombank.com.vn@evil.xyz/x", "example.vn", "fakegov.vn", "stk 1027845566 MB",
    ]  # fmt: skip
    for value in not_official:
        assert not official(value), value


def test_an_allow_list_entry_that_is_no_identifier_is_refused():
    with pytest.raises(ValueError, match="'hello'"):
        AllowList.parse(["113", "hello"])
