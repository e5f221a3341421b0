"""A reply's file, channel by channel, at the edges the end-to-end walk does not reach: Telegram's
50 MB upload limit checked before anything is sent, the Zalo renderer's two ways with a file, and
what the OA's upload takes (against the fake OA API)."""

from __future__ import annotations

import httpx
import pytest
from telegram.constants import FileSizeLimit

from bot.channels.telegram import RepliesBot, send_replies
from bot.channels.zalo import render
from bot.channels.zalo_oa_api import MAX_FILE_BYTES, OAApiError, ZaloOAClient, can_upload
from bot.core.messages import Choice, Document, Reply
from bot.periodic import build
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_oa_api import FakeZaloOA

CHAT = 42
INSTEAD = "📎 <b>bao-cao.docx</b>: https://console.example.vn/reports/periodic?period=2026-Q4&amp;area=x-1"


def _document(size: int, name: str = "bao-cao.docx", mime: str = build.DOCX) -> Document:
    return Document(b"x" * size, name, mime, caption="📄 <i>Báo cáo</i>", instead=INSTEAD)


@pytest.fixture
async def tg():
    async with FakeTelegram() as fake:
        yield fake


async def test_telegram_uploads_a_file_with_its_name_and_caption(tg):
    async with RepliesBot(tg.token, base_url=f"{tg.url}/bot") as bot:
        await send_replies(bot, CHAT, [Reply("", document=_document(1234)), Reply("xong", choices=(Choice("A", "a"),))])
    [uploaded] = tg.documents
    assert (uploaded["file_name"], uploaded["size"], uploaded["data"]) == ("bao-cao.docx", 1234, b"x" * 1234)
    assert uploaded["caption"] == "📄 <i>Báo cáo</i>"
    file_message, text = tg.messages_to(CHAT)
    assert file_message["document"]["file_name"] == "bao-cao.docx" and text["text"] == "xong"


async def test_telegram_sends_the_words_for_a_file_past_50_mb_without_trying(tg):
    async with RepliesBot(tg.token, base_url=f"{tg.url}/bot") as bot:
        await send_replies(bot, CHAT, [Reply("", document=_document(FileSizeLimit.FILESIZE_UPLOAD + 1))])
    assert tg.documents == [] and "sendDocument" not in [m for m, _ in tg.requests]
    [words] = tg.messages_to(CHAT)
    assert words["text"] == INSTEAD


def test_zalo_sends_a_files_words_or_hands_the_file_to_a_channel_that_takes_it():
    replies = [Reply("", document=_document(10)), Reply("xong", document=_document(10, "b.xlsx", build.XLSX))]
    plain = "📎 bao-cao.docx: https://console.example.vn/reports/periodic?period=2026-Q4&area=x-1"
    assert render(replies, None) == [(plain, None), (plain, None), ("xong", None)]
    with_files = render(replies, None, files=True)
    assert [(text, type(kind).__name__) for text, kind in with_files] == [
        (plain, "Document"), (plain, "Document"), ("xong", "NoneType")]  # fmt: skip


def test_what_the_oa_upload_takes():
    assert can_upload("bao-cao.docx", 1000) and can_upload("BAO-CAO.PDF", MAX_FILE_BYTES)
    assert not can_upload("phu-luc.xlsx", 1000) and not can_upload("bao-cao.docx", MAX_FILE_BYTES + 1)
    assert not can_upload("bao-cao.docx", 0) and not can_upload("docx", 10)


async def test_the_oa_client_uploads_then_sends_the_file():
    async with FakeZaloOA() as oa, httpx.AsyncClient() as http:
        token = oa._issue()["access_token"]
        oa.event("user_send_text", "u1", text="hi")  # within the 7-day window
        client = ZaloOAClient(base_url=oa.url, http=http)
        file_token = await client.upload_file(token, "bao-cao.docx", b"PK\x03\x04 docx", build.DOCX)
        await client.send_file(token, "u1", file_token)
        with pytest.raises(ValueError):
            await client.upload_file(token, "phu-luc.xlsx", b"PK", build.XLSX)
        with pytest.raises(OAApiError):
            await client.send_file(token, "u1", "no-such-token")
    [sent] = oa.sent
    assert (sent["kind"], sent["file_name"], sent["data"]) == ("file", "bao-cao.docx", b"PK\x03\x04 docx")
