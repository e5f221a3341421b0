"""End to end: a picture sent on Telegram (as a photo or as a file) and on Zalo is downloaded by
the real adapter from the loopback fake, read, and answered; size limits hold on both."""

from __future__ import annotations

from bot.identifiers import vietqr
from bot.images.picture import MAX_BYTES
from tests.fakes.running_bot import CHAT, RunningBot
from tests.images.pictures import needs_ocr, qr_picture, sms_screenshot

PAYMENT = vietqr.build("970422", "0911967363", amount="2000000", message="phi giai ngan")
SCAM_SMS = "MBBank: Tai khoan cua ban bi khoa do dang nhap la. Xac minh ngay tai mb-xacminh.top de mo khoa."
ZALO_CHAT = "6a1b2c3d4e5f"


async def test_a_telegram_photo_of_a_payment_qr_is_downloaded_and_checked(fake, tg_settings, rendered):
    async with RunningBot(tg_settings, fake):
        fake.push_photo(CHAT, data=qr_picture(PAYMENT, "chat"))
        await fake.wait_for_messages(CHAT, count=2)
    assert [m for m, _ in fake.requests if m in ("getFile", "download")] == ["getFile", "download"]
    assert list(rendered)[:2] == ["picture_read", "check_result"]
    [payment] = rendered.values[0]["payments"]
    assert payment["account"] == "0911967363" and payment["bank"] == "MBBank"


async def test_a_screenshot_sent_as_a_file_is_read(fake, tg_settings, rendered):
    needs_ocr()
    async with RunningBot(tg_settings, fake):
        fake.push_document(CHAT, sms_screenshot(SCAM_SMS, "dark"), mime_type="image/jpeg", file_name="Screenshot.jpg")
        await fake.wait_for_messages(CHAT, count=2)
    assert list(rendered)[:2] == ["picture_read", "message_verdict"]
    assert rendered.values[1]["risk"] == "high"
    assert any("mb-xacminh.top" in str(item) for item in rendered.values[1]["items"])  # its link, checked


async def test_a_telegram_file_over_the_limit_is_refused_before_downloading(fake, tg_settings, rendered):
    async with RunningBot(tg_settings, fake):
        fake.push_document(CHAT, b"\xff\xd8" + b"\0" * MAX_BYTES, mime_type="image/jpeg")
        await fake.wait_for_messages(CHAT)
    assert not [m for m, _ in fake.requests if m in ("getFile", "download")]
    assert rendered.values[0]["problem"] == "too_big"


async def test_a_zalo_picture_is_fetched_from_its_url(zalo, zalo_settings, rendered):
    zalo.files["img/abc.jpg"] = qr_picture("https://vietcombank-xacthuc.top/dang-nhap", "photo")
    async with RunningBot(zalo_settings, zalo):
        zalo.push_image(ZALO_CHAT, f"{zalo.url}/cdn/img/abc.jpg")
        await zalo.wait_for_messages(ZALO_CHAT)
    assert ("download", {"path": "img/abc.jpg"}) in zalo.requests
    assert list(rendered)[:2] == ["picture_read", "check_result"]


async def test_a_zalo_picture_that_cannot_be_fetched_gets_a_kind_answer(zalo, zalo_settings, rendered):
    zalo.files["img/big.jpg"] = b"\0" * (MAX_BYTES + 1)
    async with RunningBot(zalo_settings, zalo):
        zalo.push_image(ZALO_CHAT, f"{zalo.url}/cdn/img/missing.jpg")
        await zalo.wait_for_messages(ZALO_CHAT)
        zalo.push_image(ZALO_CHAT, f"{zalo.url}/cdn/img/big.jpg")
        await zalo.wait_for_messages(ZALO_CHAT)
    problems = [
        values["problem"] for name, values in zip(rendered, rendered.values, strict=True) if name == "picture_read"
    ]
    assert problems == ["download", "too_big"]
