""" "Is this a scam?" on a whole message: forwarded, pasted on the main screen or in /kiemtra, or
quoted inside a question; the verdict's risk, trick, quoted flags, checks and buttons."""

from __future__ import annotations

import pytest

from bot.checking import message_gaps
from bot.core.messages import Photo
from handlers.message import looks_like_message, quoted_message

# The issue's own example (a fee for an "advertising programme", no link in it).
AD_FEE = (
    "Tài khoản của bạn đã đăng ký chương trình quảng cáo của nhà mạng, thu phí 2.250.000 VND mỗi tháng, "
    "vui lòng vào để kiểm tra hoặc hủy"
)
FAKE_POLICE = (
    "Đây là cơ quan công an, anh đang liên quan đến một vụ rửa tiền. Anh phải chuyển toàn bộ tiền "
    "vào tài khoản tạm giữ để xác minh, không được nói với ai, nếu không sẽ bị bắt"
)
OTP_SMS = "Ma OTP cua Quy khach la 482913, co hieu luc trong 3 phut. KHONG chia se ma nay cho bat ky ai."
BALANCE = "TK 1027xxx566 +2,500,000VND luc 08:15 04/12/2026. SD: 12,340,000VND. ND: LUONG T11 CONG TY AN PHAT"
FAMILY = "Con ơi tối nay cả nhà ăn cơm ở nhà bà nội nhé, mẹ nấu canh chua, con về sớm rồi chở em đi học thêm luôn"


def _verdict(chat) -> dict:
    return chat.values_of("message_verdict")


def _flag_codes(chat) -> list[str]:
    return [flag["code"] for flag in _verdict(chat)["flags"]]


async def test_the_issues_fee_message_on_the_main_screen_gets_a_verdict_not_the_fallback(chat):
    await chat.send(AD_FEE)
    assert chat.templates == ["message_verdict"] and _verdict(chat)["risk"] != "low"
    assert _verdict(chat)["topic"]  # the trick it looks like, by its citizen-facing name


async def test_a_fake_police_text_in_the_check_screen_is_high_with_quoted_flags(chat, services):
    await chat.send("/kiemtra")
    await chat.send(FAKE_POLICE)
    assert chat.templates == ["message_verdict"] and _verdict(chat)["risk"] == "high"
    assert {"transfer_to_verify", "secrecy"} <= set(_flag_codes(chat))
    for flag in _verdict(chat)["flags"]:
        assert flag["quote"] in FAKE_POLICE and flag["quote"] in chat.text  # the message's own words
    names = services.content.texts("vi").labels("topics")
    assert _verdict(chat)["topic"] == names["fake-authority-call"]
    assert "topic:fake-authority-call" in chat.choice_values  # the card of that trick
    assert "report:start" in chat.choice_values and "check" in chat.choice_values
    assert await services.conversations.get(chat.key) is None  # the check screen is done


@pytest.mark.parametrize("genuine", [OTP_SMS, BALANCE, FAMILY])
async def test_genuine_messages_raise_no_alarm(chat, genuine):
    await chat.send(genuine, forwarded=True)
    assert chat.templates == ["message_verdict"] and _verdict(chat)["risk"] == "low"
    assert _verdict(chat)["flags"] == [] and _verdict(chat)["topic"] is None
    assert not [v for v in chat.choice_values if v.startswith(("report:", "topic:"))]


async def test_a_short_forwarded_message_is_judged_not_answered(chat):
    await chat.send("Mẹ ơi con bị tai nạn đang cấp cứu, mẹ chuyển gấp con 5 triệu", forwarded=True)
    assert chat.templates == ["message_verdict"] and _verdict(chat)["risk"] != "low"


async def test_a_question_about_a_quoted_message_judges_the_quoted_part(chat):
    await chat.send(
        "tin nhắn này có phải lừa đảo không: Chúc mừng quý khách đã trúng thưởng xe máy SH, "
        "vui lòng nộp phí 2 triệu để nhận giải"
    )
    assert chat.templates == ["message_verdict"] and _verdict(chat)["risk"] != "low"
    assert "fee_for_prize" in _flag_codes(chat)


async def test_a_lookalike_link_in_a_brand_sms_is_high_with_its_check_and_report_button(chat):
    await chat.send(
        "[VCB] Tai khoan cua quy khach da bi tam khoa do chua cap nhat sinh trac hoc. "
        "Vui long truy cap vcb-sinhtrachoc.com de xac thuc ngay hoac goi 0901234567 de duoc ho tro"
    )
    verdict = _verdict(chat)
    assert verdict["risk"] == "high" and len(verdict["items"]) == 2
    assert "lookalike_link" in _flag_codes(chat) and "brand_sms_link" in _flag_codes(chat)
    # In a scam message, its number is the scammer's even though it looks ordinary on its own.
    assert "report:id:+84901234567" in chat.choice_values


async def test_a_plain_question_still_goes_to_the_faq(chat):
    await chat.send("làm sao để biết một tin nhắn là lừa đảo?")
    assert "message_verdict" not in chat.templates


async def test_a_question_with_a_number_keeps_its_check_and_answer(chat):
    await chat.send("số 0987654321 gọi xưng công an bắt chuyển tiền để điều tra")
    assert chat.templates == ["check_result", "faq_answer"]


def test_message_shapes(chat):
    from bot.core.messages import Incoming

    plain = Incoming("terminal", "1", "1")
    questions = chat.services.content.texts("vi").phrases("check.question")
    assert looks_like_message(plain, "VCB: TK cua quy khach bi khoa", questions)  # a sender tag
    assert looks_like_message(plain, "Chào anh\nEm bên ngân hàng, anh cần cập nhật thông tin", questions)
    assert not looks_like_message(plain, "công an gọi bảo chuyển tiền thì làm sao", questions)
    assert not looks_like_message(plain, "cho hỏi số lạ gọi bảo trúng thưởng có phải lừa không ạ", questions)
    forwarded = Incoming("telegram", "1", "1", forwarded=True)
    assert looks_like_message(forwarded, "ok", questions)
    cues = chat.services.content.texts("vi").phrases("check.about_message")
    inner = "Quý khách trúng thưởng một xe máy, nộp phí để nhận"
    assert quoted_message(f"tin này có phải lừa không: {inner}", cues) == inner
    assert quoted_message(f"{inner}\ncó phải lừa đảo không vậy", cues) == inner
    assert quoted_message(f'Mình nhận được tin "{inner}" có thật không', cues) == inner
    assert quoted_message("có phải lừa đảo không", cues) is None


async def test_an_unsure_verdict_is_logged_masked_and_a_sure_one_is_not(chat, services, monkeypatch):
    import dataclasses
    import functools

    from bot.checking.message_verdict import Lines

    text = "Anh Nguyễn Văn Hùng ơi, em gửi 500k tiền cọc nha 0912345678"
    await chat.send(text, forwarded=True)  # the shipped lines: a plain family message, no gap
    assert await services.storage.read(lambda db: message_gaps.recorded_since(db, "2000-01-01")) == []
    # Lines that leave the model unsure of everything under 0.99: the same message is logged, masked.
    unsure = dataclasses.replace(
        services.library.messages, lines=Lines(alarm=0.99, high=1.0, flag_alarm=0.99, unsure=0)
    )
    monkeypatch.setattr(
        services, "library", dataclasses.replace(services.library, message_judge=functools.cache(lambda: unsure))
    )
    await chat.send(text, forwarded=True)
    [row] = await services.storage.read(lambda db: message_gaps.recorded_since(db, "2000-01-01"))
    assert row["text"] == message_gaps.mask(text) and row["text"] != text


NOISE = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(4096))


@pytest.mark.parametrize(
    "text",
    [
        NOISE,
        "Hello, your parcel is waiting. Please confirm your address at the link to avoid it being returned.",
        "😀🙏🔥💸" * 40,
        " ".join(str(10_000_000 + i) for i in range(1000)),
        "<script>alert(1)</script> Chuyển tiền gấp vào tài khoản an toàn để xác minh, không được nói với ai nhé",
        "{{ 7*7 }} {% for x in y %} quý khách trúng thưởng nộp phí nhận quà ngay hôm nay kẻo hết hạn",
    ],
)
async def test_bad_input_gets_a_verdict_or_a_kind_reask_never_an_echo(chat, text):
    for forwarded in (True, False):
        replies = await chat.send(text, forwarded=forwarded)
        assert replies and chat.text and "<script>" not in chat.text
        if "{{" in text:
            assert "49" not in chat.text  # template syntax is never evaluated


async def test_a_photo_in_the_check_screen_is_asked_again_for_text(chat):
    await chat.send("/kiemtra")
    await chat.send(photo=Photo(ref="x"))
    assert chat.templates == ["check_prompt"]
