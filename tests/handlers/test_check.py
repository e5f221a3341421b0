"""Checking a number, link or account: by command, by menu, or by simply sending it."""

from __future__ import annotations

import pytest

from bot.checking import blocklist
from bot.core.messages import Photo


def _items(chat) -> list[dict]:
    return chat.values_of("check_result")["items"]


async def test_sending_a_number_checks_it_and_never_says_safe(chat):
    await chat.send("0912 345 678")
    assert chat.templates == ["check_result"] and "0912 345 678" in chat.text
    [item] = _items(chat)
    assert (item["value"], item["risk"], item["reporters"]) == ("0912 345 678", "low", 0)
    assert chat.values_of("check_result")["worst"] == "low"  # the "no sign is not a proof of safety" advice
    assert "check" in chat.choice_values and "report:id:+84912345678" in chat.choice_values


async def test_a_foreign_number_is_flagged_with_a_reason(chat):
    await chat.send("+855 12 345 678")
    [item] = _items(chat)
    assert item["risk"] == "medium" and item["reasons"] and "+855" in chat.text


async def test_kiemtra_asks_then_rechecks_kindly(chat, services):
    await chat.send("/kiemtra")
    assert chat.templates == ["check_prompt"] and chat.values_of("check_prompt")["problem"] == ""
    await chat.send(photo=Photo(ref="x"))
    assert chat.templates == ["check_prompt"] and chat.values_of("check_prompt")["problem"] == "not_text"
    await chat.send("không biết nữa")
    assert chat.templates == ["check_prompt"] and chat.values_of("check_prompt")["problem"] == "invalid"
    await chat.send("vietcombank-xacthuc.com")
    assert [i["risk"] for i in _items(chat)] == ["high"]
    assert await services.conversations.get(chat.key) is None


async def test_kiemtra_with_a_value_checks_at_once(chat):
    await chat.send("/kiemtra stk 1027845566 MB")
    assert "1027845566" in chat.text and "MB" in chat.text


async def test_a_blocklisted_link_is_high_risk(chat, services, clock):
    await services.storage.write(lambda db: blocklist.import_lines(db, ["acb-vn.com"], "test-list", clock()))
    await chat.send("https://WWW.acb-vn.com/login?utm_source=sms")
    assert [i["risk"] for i in _items(chat)] == ["high"]


async def test_a_pasted_scam_sms_checks_each_identifier_and_names_the_trick(chat):
    sms = (
        "[VCB] Tai khoan cua quy khach da bi tam khoa do chua cap nhat sinh trac hoc. "
        "Vui long truy cap vcb-sinhtrachoc.com de xac thuc ngay hoac goi 0901234567 de duoc ho tro"
    )
    await chat.send(sms)
    verdict = chat.values_of("message_verdict")  # a whole message: its words are judged too
    assert chat.text.count("<code>") == 2 and len(verdict["items"]) == 2
    [card] = [v for v in chat.choice_values if v.startswith("topic:")]
    names = chat.services.content.texts("vi").labels("topics")
    assert verdict["topic"] == names[card.removeprefix("topic:")]


async def test_a_question_with_a_number_gets_the_check_and_the_answer(chat):
    await chat.send("số 0987654321 gọi xưng công an bắt chuyển tiền để điều tra")
    assert chat.templates == ["check_result", "faq_answer"] and len(chat.last) == 2  # the check, then the answer


@pytest.mark.parametrize("text", ["", "\u200b\u200b", "<b>x</b>", "{{ 7*7 }}", "🙂" * 50, "a" * 4000])
async def test_odd_text_never_crashes(chat, text):
    await chat.send("/kiemtra")
    replies = await chat.send(text)
    assert replies and "49" not in chat.text and "<b>x</b>" not in chat.text


async def _reported_by_three(services, clock, value: str) -> None:
    from bot.core.messages import ChatKey
    from bot.identifiers import parse_identifier
    from bot.reporting import reports

    draft = reports.Draft(
        identifier=parse_identifier(value), what="other", via="sms", claimed_topic="phishing-link", happened="today"
    )
    for chat_id in ("31", "32", "33"):
        await services.storage.write(lambda db, c=chat_id: reports.file(db, draft, ChatKey("test", c), clock()))


async def test_reports_are_shown_as_not_yet_verified(chat, services, clock):
    await _reported_by_three(services, clock, "0912 345 678")
    await chat.send("0912 345 678")
    [item] = _items(chat)
    assert item["risk"] == "high"  # three distinct reporters stay high for an ordinary number
    assert (item["reporters"], item["status"]) == (3, "new")  # shown as "not yet verified"


async def test_reports_about_an_official_site_do_not_make_it_dangerous(chat, services, clock):
    await _reported_by_three(services, clock, "vietcombank.com.vn")
    await _reported_by_three(services, clock, "113")
    await chat.send("Tin nhắn lạ bảo vào vietcombank.com.vn rồi gọi 113 để xác minh tài khoản của tôi")
    assert chat.text.count("<code>") == 2
    items = chat.values_of("message_verdict")["items"]  # a message of 15 words: judged as a whole
    assert [(i["risk"], i["reporters"], i["status"]) for i in items] == [("low", 3, "new")] * 2
    t = services.content.texts("vi")
    official = t.render_text(t.labels("reasons")["reported_official"], count=3)
    assert all(official in i["reasons"] for i in items)  # said to be official, reports notwithstanding


def test_a_foreign_numbers_country_is_named_by_the_content_in_use(tmp_path, services):
    import shutil
    from types import SimpleNamespace

    from bot.checking.signals import phone_signals
    from bot.checking.verdict import CheckResult
    from bot.core import paths
    from bot.core.content import Content
    from bot.core.messages import Incoming
    from bot.core.settings import Settings
    from bot.identifiers.model import PhoneNumber
    from bot.services import _template_globals
    from handlers.identifier_items import reasons

    root = tmp_path / "content"
    shutil.copytree(paths.content_dir(), root)
    (root / "vi" / "countries.yaml").write_text("KH: Xứ Thử Nghiệm\n", "utf-8")
    phone = PhoneNumber(raw="+85512345678", normalized="+85512345678", number_type="mobile", region="KH")
    result = CheckResult(input=phone.raw, identifier=phone, risk="medium", signals=phone_signals(phone))
    msg = Incoming(channel="test", chat_id="1", user_id="1", display_name="Lan", text=phone.raw)
    edited = Content(root, "vi", _template_globals(Settings(_env_file=None)))
    [reason] = reasons(SimpleNamespace(texts=lambda m: edited.texts(m.language)), msg, result)
    assert "Xứ Thử Nghiệm" in reason  # the name the content in use gives, not the shipped one
    [reason] = reasons(services, msg, result)
    assert "Xứ Thử Nghiệm" not in reason


ROUTED = {"faq_answer", "faq_suggest", "not_understood"}  # what free text outside any flow gets


@pytest.mark.parametrize(
    "question",
    [
        "làm sao biết số này lừa đảo?",
        "công an gọi bảo chuyển tiền có thật không",
        "lam sao biet so nay lua dao",
        "nhận được tin nhắn trúng thưởng thì phải làm gì",
        "công an gọi bắt chuyển tiền",  # no question word: a story is not a number typed wrong
    ],
)
async def test_a_question_inside_the_check_flow_is_answered_and_leaves_the_flow(chat, services, question):
    await chat.send("/kiemtra")
    await chat.send(question)
    assert "check_prompt" not in chat.templates and set(chat.templates) & ROUTED
    assert await services.conversations.get(chat.key) is None


@pytest.mark.parametrize("attempt", ["0912 34", "09123", "vietcombank-xac", "http://", "www.", "không biết nữa", "abc"])
async def test_a_failed_identifier_inside_the_check_flow_is_asked_again(chat, services, attempt):
    await chat.send("/kiemtra")
    await chat.send(attempt)
    assert chat.templates == ["check_prompt"] and chat.values_of("check_prompt")["problem"] == "invalid"
    conversation = await services.conversations.get(chat.key)
    assert conversation is not None and conversation.flow == "check"


@pytest.mark.parametrize(
    "sent", [("/kiemtra 001099012345",), ("/kiemtra", "079 203 004 567"), ("CCCD 038185000123 có bị lộ không",)]
)
async def test_a_citizen_id_is_told_apart_not_checked_as_an_account(chat, services, sent):
    for text in sent:
        await chat.send(text)
    assert chat.templates == ["citizen_id_notice"]
    assert await services.conversations.get(chat.key) is None
    assert await services.storage.read(lambda db: db["identifiers"].count) == 0
