"""The message gaps log: what is kept of a message the classifier was unsure of is masked, and kept
without who received it."""

from __future__ import annotations

import re

import pytest

from bot.checking import message_gaps
from bot.checking.flags import Flag
from bot.checking.message_gaps import NAME, mask
from bot.checking.message_verdict import MessageVerdict


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # names: capitalised runs, with or without diacritics, in any case
        ("Anh Nguyễn Văn Hùng ơi, em gửi tiền cọc nha", f"Anh {NAME} ơi, em gửi tiền cọc nha"),
        ("chủ tài khoản TRAN VAN HAI nhé", f"chủ tài khoản {NAME} nhé"),
        ("gửi cho chị Đặng Thị Mai", f"gửi cho chị {NAME}"),
        # in a long capitalised run only the name, from a family name on
        ("CHUYEN KHOAN CHO NGUYEN VAN A TRUOC KHI HET HAN", f"CHUYEN KHOAN CHO {NAME} KHI HET HAN"),
        # the sender tag at the start and single capitalised words stay
        ("Vietcombank thông báo: Quý khách vui lòng cập nhật", "Vietcombank thông báo: Quý khách vui lòng cập nhật"),
        ("VCB: TK cua quy khach bi khoa", "VCB: TK cua quy khach bi khoa"),
        ("[Viettel] Thuê bao sắp bị khóa", "[Viettel] Thuê bao sắp bị khóa"),
        # numbers, links, amounts, e-mails, citizen IDs
        ("gọi 0912 345 678 hoặc +84 987654321", "gọi [số] hoặc [số]"),
        ("truy cập vcb-xacthuc.com/login hoặc https://bit.ly/x1", "truy cập [link] hoặc [link]"),
        ("phí 2.250.000 đồng, cọc 500k, thêm 20 triệu", "phí [số tiền], cọc [số tiền], thêm [số tiền]"),
        ("liên hệ hung.nguyen89@gmail.com ngay", "liên hệ [email] ngay"),
        ("CCCD 079203004567 và 079 203 004 567", "CCCD [số] và [số]"),
        # every digit left: a code, a time, a short number
        ("mã 123456 hết hạn sau 5 phút, ô số 7", "mã [số] hết hạn sau [số] phút, ô số [số]"),
    ],
)
def test_what_is_kept_has_no_name_number_link_amount_or_email(text, masked):
    assert mask(text) == masked


def test_a_masked_message_has_no_digit_and_is_cut():
    masked = mask("Nhận thưởng 1 2 3 " + "x" * 1000)
    assert not re.search(r"\d", masked) and len(masked) == message_gaps.MAX_TEXT


def verdict(text: str, *, unsure: bool = True, risk: str = "medium", topic: str | None = "fake-bank") -> MessageVerdict:
    flags = [Flag("asks_otp", "đọc mã OTP", 0, 10), Flag("urgency", "ngay", 11, 15)]
    return MessageVerdict(text=text, risk=risk, topic=topic, score=0.61234, flags=flags, unsure=unsure)


def test_only_unsure_verdicts_are_kept_masked_and_without_a_chat(services, clock):
    text = "Chị Lê Thị Hoa ơi đọc mã OTP 654321 cho em ngay"
    services.storage.write_sync(lambda db: message_gaps.record(db, verdict(text), clock()))
    services.storage.write_sync(lambda db: message_gaps.record(db, verdict(text, unsure=False), clock()))
    [row] = services.storage.read_sync(lambda db: message_gaps.recorded_since(db, "2000-01-01"))
    assert row["text"] == mask(text) and row["text"] != text
    assert (row["risk"], row["topic"], row["score"], row["flags"]) == ("medium", "fake-bank", 0.612, "asks_otp urgency")
    assert not {"chat_id", "user_id", "channel"} & set(row)


def test_similar_messages_group_together_most_frequent_first():
    def row(day: int, text: str, risk: str = "medium", topic: str | None = "fake-bank", flags: str = "") -> dict:
        return {"recorded_at": f"2026-11-{day}T00:00:00.000000Z", "text": text, "risk": risk, "topic": topic,
                "flags": flags}  # fmt: skip

    rows = [
        row(20, "đọc mã OTP [số] cho em ngay", flags="asks_otp urgency"),
        row(22, "đọc mã OTP [số] cho em ngay nhé", risk="low", topic=None, flags="asks_otp"),
        row(21, "việc nhẹ lương cao, làm nhiệm vụ", topic="task-scam", flags="task_job_deposit"),
    ]
    grouped = message_gaps.group(rows)
    assert [(g.count, g.example, g.last_recorded[:10]) for g in grouped] == [
        (2, "đọc mã OTP [số] cho em ngay nhé", "2026-11-22"),
        (1, "việc nhẹ lương cao, làm nhiệm vụ", "2026-11-21"),
    ]
    assert grouped[0].risks == {"low": 1, "medium": 1} and grouped[0].topics == {"fake-bank": 1}
    assert grouped[0].flags == {"asks_otp": 2, "urgency": 1}
