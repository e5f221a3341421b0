"""Checking a number, link or account: by command, by menu, or by simply sending it."""

from __future__ import annotations

import pytest

from bot.checking import blocklist
from bot.core.messages import Photo


async def test_sending_a_number_checks_it_and_never_says_safe(chat):
    await chat.send("0912 345 678")
    assert "Kết quả kiểm tra" in chat.text and "0912 345 678" in chat.text
    assert (
        "Chưa thấy dấu hiệu" in chat.text and "OTP" in chat.text and "không có nghĩa là chắc chắn an toàn" in chat.text
    )
    assert "check" in chat.choice_values and "report:id:+84912345678" in chat.choice_values


async def test_a_foreign_number_is_flagged_with_a_reason(chat):
    await chat.send("+855 12 345 678")
    assert "Cần cảnh giác" in chat.text and "+855" in chat.text


async def test_kiemtra_asks_then_rechecks_kindly(chat, services):
    await chat.send("/kiemtra")
    assert "Kiểm tra số điện thoại" in chat.text
    await chat.send(photo=Photo(ref="x"))
    assert "chưa đọc được" in chat.text
    await chat.send("không biết nữa")
    assert "chưa thấy số điện thoại" in chat.text
    await chat.send("vietcombank-xacthuc.com")
    assert "Nguy hiểm" in chat.text
    assert await services.conversations.get(chat.key) is None


async def test_kiemtra_with_a_value_checks_at_once(chat):
    await chat.send("/kiemtra stk 1027845566 MB")
    assert "1027845566" in chat.text and "MB" in chat.text


async def test_a_blocklisted_link_is_high_risk(chat, services, clock):
    await services.storage.write(lambda db: blocklist.import_lines(db, ["acb-vn.com"], "test-list", clock()))
    await chat.send("https://WWW.acb-vn.com/login?utm_source=sms")
    assert "Nguy hiểm" in chat.text


async def test_a_pasted_scam_sms_checks_each_identifier_and_names_the_trick(chat):
    sms = (
        "[VCB] Tai khoan cua quy khach da bi tam khoa do chua cap nhat sinh trac hoc. "
        "Vui long truy cap vcb-sinhtrachoc.com de xac thuc ngay hoac goi 0901234567 de duoc ho tro"
    )
    await chat.send(sms)
    assert chat.text.count("<code>") == 2
    assert "Tin nhắn này giống thủ đoạn" in chat.text
    assert any(v.startswith("topic:") for v in chat.choice_values)


async def test_a_question_with_a_number_gets_the_check_and_the_answer(chat):
    await chat.send("số 0987654321 gọi xưng công an bắt chuyển tiền để điều tra")
    assert "Kết quả kiểm tra" in chat.last[0].text
    assert "❓" in chat.last[-1].text


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
    assert "Nguy hiểm" in chat.text  # three distinct reporters stay high for an ordinary number
    assert "3 người đã báo cáo, chưa được xác minh" in chat.text


async def test_reports_about_an_official_site_do_not_make_it_dangerous(chat, services, clock):
    await _reported_by_three(services, clock, "vietcombank.com.vn")
    await _reported_by_three(services, clock, "113")
    await chat.send("Tin nhắn lạ bảo vào vietcombank.com.vn rồi gọi 113 để xác minh tài khoản của tôi")
    assert chat.text.count("<code>") == 2
    assert "Nguy hiểm" not in chat.text and "Cần cảnh giác" not in chat.text
    assert chat.text.count("3 người đã báo cáo, chưa được xác minh") == 2
    assert "chính thức" in chat.text
