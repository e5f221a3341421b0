"""The periodic report as files from `/baocaoky`, on every channel, end to end: the real
python-telegram-bot uploading to the fake Bot API (the received DOCX and XLSX opened back), the
Zalo OA uploading the DOCX to its fake, the Zalo bot (no way to send files) giving the words that
stand for them, and the terminal writing the files into a folder."""

from __future__ import annotations

import html
import io

import docx
import openpyxl

from bot.channels import terminal
from bot.periodic import build
from tests.bot.channels.test_zalo_oa_e2e import USER, RunningOA, oa, oa_settings  # noqa: F401 (fixtures)
from tests.fakes.running_bot import CHAT, RunningBot, keyboard_of

COMMUNE = "x-02647"
REPORT_SECONDS = 60  # a report's generation on a loaded test machine: seconds, not minutes
BASE = "https://console.example.vn"


def _instead(rendered) -> list[dict]:
    return [v for name, v in zip(rendered, rendered.values, strict=True)
            if name == "period_report" and v["part"] == "instead"]  # fmt: skip


async def _ask_for_the_report(fake) -> list[dict]:
    """/baocaoky, this month (the first period offered), then "done": the commune is their only one."""
    fake.push_text(CHAT, "/baocaoky")
    [periods] = await fake.wait_for_messages(CHAT)
    first = keyboard_of(periods)[0][0]["callback_data"]
    fake.push_callback(CHAT, first, message_id=periods["message_id"])
    [menu] = await fake.wait_for_messages(CHAT)
    assert "notes:done" in [b["callback_data"] for row in keyboard_of(menu) for b in row]
    fake.push_callback(CHAT, "notes:done", message_id=menu["message_id"])
    return await fake.wait_for_messages(CHAT, count=3, timeout=REPORT_SECONDS)


async def test_telegram_receives_the_word_report_and_its_annex(fake, tg_settings, rendered):
    settings = tg_settings.model_copy(update={"staff_ids": [f"{CHAT}={COMMUNE}"]})
    async with RunningBot(settings, fake):
        word, annex, words = await _ask_for_the_report(fake)
    assert word["document"]["file_name"].endswith(f"-{COMMUNE}.docx")
    assert annex["document"]["file_name"] == word["document"]["file_name"].removesuffix(".docx") + build.ANNEX_SUFFIX
    assert word["caption"] and annex["caption"] and "document" not in words and words["text"]
    assert keyboard_of(words)  # the menu button under the last message, not under a file
    received = {d["file_name"]: d for d in fake.documents}
    opened = docx.Document(io.BytesIO(received[word["document"]["file_name"]]["data"]))
    assert opened.paragraphs and opened.tables  # a real Word document, as Word opens it
    book = openpyxl.load_workbook(io.BytesIO(received[annex["document"]["file_name"]]["data"]))
    assert book.worksheets[0].max_row > 1
    assert all(d["size"] == len(d["data"]) > 1000 for d in fake.documents)
    assert len(_instead(rendered)) == 2  # written, not sent: Telegram took both files


async def test_telegram_sends_the_words_instead_of_a_file_it_refuses_as_too_large(fake, tg_settings, rendered):
    settings = tg_settings.model_copy(update={"staff_ids": [f"{CHAT}={COMMUNE}"], "web_base_url": BASE})
    fake.max_upload = 1000  # a server that takes less than a report: 413, as past the real 50 MB
    async with RunningBot(settings, fake):
        messages = await _ask_for_the_report(fake)
    assert fake.documents == [] and all("document" not in m for m in messages)
    links = [v["link"] for v in _instead(rendered)]
    assert links[0].startswith(f"{BASE}/reports/periodic?") and "part=docx" in links[0] and "part=xlsx" in links[1]
    assert html.escape(links[0]) in messages[0]["text"] and html.escape(links[1]) in messages[1]["text"]  # HTML
    assert [m for m, _ in fake.requests].count("sendDocument") == 2  # refused at once, never retried


async def test_the_zalo_oa_uploads_the_docx_and_words_stand_for_the_xlsx(oa, oa_settings, rendered):  # noqa: F811
    settings = oa_settings.model_copy(update={"staff_ids": [f"zalo_oa:{USER}={COMMUNE}"], "web_base_url": BASE})
    async with RunningOA(settings, oa) as bot:
        await bot.send("user_send_text", text="/baocaoky")
        await bot.send("user_send_text", text="1")  # this month
        assert rendered[-1] == "period_notes" and rendered.values[-1]["step"] == "menu"
        messages = await bot.send("user_send_text", count=3, text="3")  # write, write, done: the third
    files = [m for m in messages if m["kind"] == "file"]
    [word] = files
    assert word["file_name"].endswith(f"-{COMMUNE}.docx") and word["size"] == len(word["data"])
    assert docx.Document(io.BytesIO(word["data"])).paragraphs
    [_, annex_words] = _instead(rendered)
    assert annex_words["link"].endswith("part=xlsx")
    assert annex_words["link"] in messages[1]["text"]  # the annex: where to download it
    assert [path for path, _ in oa.requests].count("v2.0/oa/upload/file") == 1  # only what the API takes


async def test_the_zalo_bot_gives_where_to_download_the_files(zalo, zalo_settings, rendered):
    settings = zalo_settings.model_copy(update={"staff_ids": [f"zalo:{CHAT}={COMMUNE}"]})
    async with RunningBot(settings, zalo):
        zalo.push_text(str(CHAT), "/baocaoky")
        await zalo.wait_for_messages(str(CHAT))
        zalo.push_text(str(CHAT), "1")
        await zalo.wait_for_messages(str(CHAT))
        zalo.push_text(str(CHAT), "3")
        messages = await zalo.wait_for_messages(str(CHAT), count=3, timeout=REPORT_SECONDS)
    instead = _instead(rendered)
    assert [v["link"] for v in instead] == [None, None]  # no console: who can make the report instead
    texts = [m["text"] for m in messages]
    assert instead[0]["name"] in texts[0] and instead[1]["name"] in texts[1]  # each file's words, in order
    assert not any("<code>" in text for text in texts)  # as plain text: Zalo shows no HTML


async def test_the_terminal_writes_the_files_into_a_folder(router, services, settings, clock, tmp_path):
    settings.staff_ids = [f"terminal:local={COMMUNE}"]
    stdin = io.StringIO("/baocaoky\n1\n3\n")
    stdout = io.StringIO()
    folder = tmp_path / "reports"
    await terminal.chat(router, services, user_id="local", stdin=stdin, stdout=stdout, files=folder)
    written = sorted(folder.iterdir(), key=lambda p: p.suffix)
    assert [p.suffix for p in written] == [".docx", ".xlsx"]
    assert docx.Document(written[0]).paragraphs and openpyxl.load_workbook(written[1]).worksheets
    printed = stdout.getvalue()
    assert all(str(p.resolve()) in printed for p in written)
