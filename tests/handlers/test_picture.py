"""Pictures sent to the bot: a screenshot gets the verdict its text would get; a QR code its
transfer spelled out and its account or link checked; problems get a kind answer."""

from __future__ import annotations

import dataclasses

import pytest
from PIL import Image

from bot.core.messages import Photo
from bot.identifiers import vietqr
from bot.images import PictureReading, PictureTooLarge, ocr
from bot.reporting import evidence
from tests.flows import walk_to_evidence
from tests.images.pictures import jpeg, needs_ocr, qr_picture, sms_screenshot

SCAM_SMS = (
    "Day la co quan cong an, anh dang lien quan den mot vu rua tien. Anh phai chuyen toan bo tien vao "
    "tai khoan tam giu de xac minh, khong duoc noi voi ai."
)


def photo(data: bytes | None = None, *, error: Exception | None = None, caption: str | None = None) -> Photo:
    async def fetch() -> bytes:
        if error is not None:
            raise error
        return data

    return Photo(ref="file-1", caption=caption, fetch=fetch)


async def test_a_screenshot_gets_the_verdict_of_its_text_as_if_pasted(chat):
    needs_ocr()
    await chat.send(photo=photo(sms_screenshot(SCAM_SMS)))
    assert chat.templates == ["picture_read", "message_verdict"]
    read = chat.values_of("picture_read")
    assert read["problem"] == "" and any("rua tien" in line for line in read["lines"])
    from_picture = chat.values_of("message_verdict")
    await chat.send(SCAM_SMS, forwarded=True)
    pasted = chat.values_of("message_verdict")
    assert from_picture["risk"] == pasted["risk"] == "high" and from_picture["topic"] == pasted["topic"]


async def test_a_payment_qr_is_spelled_out_and_its_account_checked(chat):
    payload = vietqr.build("970436", "0123456789", amount="3000000", message="coc giu cho")
    await chat.send(photo=photo(qr_picture(payload, "poster")))
    assert chat.templates[0] == "picture_read" and "check_result" in chat.templates
    [payment] = chat.values_of("picture_read")["payments"]
    assert payment["bank"] == "Vietcombank" and payment["account"] == "0123456789"
    assert payment["message"] == "coc giu cho" and payment["amount"]
    assert any(v.startswith("report:") for v in chat.choice_values)  # the account can be reported


async def test_a_link_qr_is_checked(chat):
    await chat.send(photo=photo(qr_picture("https://vietcombank-xacthuc.top/dang-nhap", "photo")))
    assert "check_result" in chat.templates
    [item] = chat.values_of("check_result")["items"]
    assert "vietcombank-xacthuc.top" in str(item)


async def test_a_zalo_login_qr_is_explained(chat):
    await chat.send(photo=photo(qr_picture("https://id.zalo.me/account/authen/qr?code=abc", "chat")))
    assert chat.values_of("picture_read")["logins"] == 1


@pytest.mark.parametrize(
    ("data", "error", "problem"),
    [
        (b"GIF89a broken", None, "unreadable"),
        (None, PictureTooLarge(50_000_000), "too_big"),
        (None, OSError("connection reset"), "download"),
    ],
)
async def test_problems_get_a_kind_answer_and_the_menu(chat, data, error, problem):
    await chat.send(photo=photo(data, error=error))
    assert chat.templates[0] == "picture_read" and chat.values_of("picture_read")["problem"] == problem
    assert "check" in chat.choice_values  # the menu: the citizen can still type what they saw


async def test_a_picture_with_nothing_to_read(chat):
    needs_ocr()
    await chat.send(photo=photo(jpeg(Image.new("RGB", (900, 700), "#3c7a4a"))))
    assert chat.values_of("picture_read")["problem"] == "nothing"


async def test_without_ocr_the_qr_is_still_read_and_the_citizen_told(chat, monkeypatch):
    monkeypatch.setattr(ocr.pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    await chat.send(photo=photo(qr_picture("https://vietcombank-xacthuc.top/dang-nhap")))
    assert chat.values_of("picture_read")["problem"] == "no_ocr" and "check_result" in chat.templates
    await chat.send(photo=photo(sms_screenshot(SCAM_SMS)))
    assert chat.values_of("picture_read")["problem"] == "no_ocr" and chat.templates == ["picture_read"]


async def test_a_screenshot_on_the_check_screen_is_read_and_ends_the_screen(chat, services):
    needs_ocr()
    await chat.send("/kiemtra")
    await chat.send(photo=photo(sms_screenshot(SCAM_SMS, "dark")))
    assert chat.templates == ["picture_read", "message_verdict"]
    assert await services.conversations.get(chat.key) is None


async def test_a_photo_in_a_report_is_still_evidence_not_read(chat):
    """The report flow keeps its photo as evidence; reading it is not this handler's job there."""
    await walk_to_evidence(chat)
    await chat.send(photo=photo(qr_picture("https://vietcombank-xacthuc.top")))
    assert "picture_read" not in chat.templates


async def test_an_evidence_screenshot_is_kept_as_a_file_with_its_text_for_police(chat, services):
    needs_ocr()
    picture = sms_screenshot(SCAM_SMS)
    await walk_to_evidence(chat)
    await chat.send(photo=photo(picture))
    if chat.templates == ["report_area"]:
        await chat.press("report:skip")
    await chat.press("report:consent:none")
    await chat.press("report:confirm")
    [row] = await services.storage.read(lambda db: list(db.query("SELECT evidence, evidence_text FROM reports")))
    assert "vu rua tien" in row["evidence_text"]
    kept = evidence.path_of(evidence.folder_for(services.settings.db_path), row["evidence"])
    assert kept.read_bytes() == picture and kept.stat().st_mode & 0o077 == 0  # the bot's user only


async def test_an_evidence_photo_that_cannot_be_downloaded_keeps_a_lasting_reference(chat, services):
    """A Telegram file id still reaches the photo later: the report keeps it."""
    await walk_to_evidence(chat)
    await chat.send(photo=photo(error=OSError("gone")))
    assert "picture_read" not in chat.templates  # the flow goes on to its next step
    conversation = await services.conversations.get(chat.key)
    assert conversation.data["evidence"] == "file-1" and conversation.data["evidence_text"] is None


@pytest.mark.parametrize("fetched", [{"error": OSError("expired")}, {"data": b"<html>not a picture</html>"}])
async def test_a_temporary_photo_that_cannot_be_kept_is_said_plainly_and_can_be_sent_again(chat, services, fetched):
    """A Zalo image URL expires: a photo not downloaded now would be a dead link for police."""
    await walk_to_evidence(chat)
    await chat.send(photo=dataclasses.replace(photo(**fetched), lasting=False))
    assert (chat.values_of("report_prompt")["step"], chat.values_of("report_prompt")["problem"]) == (
        "evidence",
        "photo_not_kept",
    )
    assert "evidence" not in (await services.conversations.get(chat.key)).data
    again = sms_screenshot("Anh chuyen tien ngay")
    await chat.send(photo=dataclasses.replace(photo(again), lasting=False))
    kept = (await services.conversations.get(chat.key)).data["evidence"]
    assert evidence.path_of(evidence.folder_for(services.settings.db_path), kept).read_bytes() == again


async def test_a_brand_name_above_a_scam_does_not_soften_it_and_a_sender_number_is_checked(chat, monkeypatch):
    """SMS brand names are spoofed: the verdict reads the message alone; the sender's number gets
    its own check."""
    from handlers import picture

    def read_as(sender: str):
        reading = PictureReading(((sender,), (SCAM_SMS,)), (), 0.1)
        monkeypatch.setattr(picture, "_read", lambda data: (reading, True))

    await chat.send(SCAM_SMS, forwarded=True)
    pasted = chat.values_of("message_verdict")["risk"]
    read_as("Vietcombank")
    await chat.send(photo=photo(b"picture"))
    assert chat.templates == ["picture_read", "message_verdict"]
    assert chat.values_of("message_verdict")["risk"] == pasted == "high"
    read_as("+84 912 345 678")
    await chat.send(photo=photo(b"picture"))
    assert chat.templates == ["picture_read", "message_verdict", "check_result"]
    [item] = chat.values_of("check_result")["items"]
    assert "912 345 678" in str(item)
