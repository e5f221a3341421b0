"""Whatever a citizen sends gets a helpful reply: no crash, no unescaped echo, no template run."""

import io
import re

import pytest

from bot.channels import zalo
from bot.channels.terminal import chat as terminal_chat
from bot.core.messages import Contact, Photo
from bot.core.settings import Settings
from bot.routing import choices
from handlers.menu import MAIN_MENU
from tests.conftest import Chat
from tests.fakes.running_bot import SHARED, RunningBot
from tests.fakes.zalo_api import FakeZalo

BAD_TEXTS = {
    "empty": "",
    "spaces": "   \n\t ",
    "long": "lừa đảo " * 700,  # 5,600 characters
    "emoji": "😡😡😡🙏",
    "zero_width": "\u200b\u200c\u200d\ufeff",
    "rtl": "\u202eالسلام عليكم\u202c",
    "html": "<b>bold</b><script>alert(1)</script>",
    "template": "{{ 7*7 }} {% for x in range(3) %}x{% endfor %}",
    "sql": "'; DROP TABLE chats; --",
    "control": "\x00\x07abc\x1b[31m",
    "command_like": "/",
    "choice_number": "99",
}

_ALLOWED_TAGS = re.compile(r"</?(b|i|u|s|code|pre|blockquote|a)(\s[^>]*)?>")


def assert_safe(replies):
    assert replies, "every message gets an answer"
    for reply in replies:
        assert reply.text.strip()
        assert "49" not in reply.text
        leftover = _ALLOWED_TAGS.sub("", reply.text)
        assert "<" not in leftover and ">" not in leftover, reply.text
        assert reply.choices, "a dead end always offers the menu"


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
async def test_bad_text_gets_a_helpful_reply(chat, services, name):
    replies = await chat.send(BAD_TEXTS[name])
    assert_safe(replies)
    assert await services.storage.read(lambda db: db["chats"].count) == 1  # the tables are intact


async def test_empty_text_is_told_so(chat):
    await chat.send("\u200b")
    assert chat.templates == ["empty"]


@pytest.mark.parametrize(
    "fields, kind",
    [
        ({"photo": Photo(ref="AgACAgQ-file")}, "photo"),  # "I can only read text"
        ({"unsupported": "sticker"}, "other"),
        ({"unsupported": "voice"}, "other"),
        ({"contact": Contact(phone_number="+84912345678")}, "contact"),  # "not kept"
    ],
)
async def test_media_outside_a_flow(chat, services, fields, kind):
    await chat.send(**fields)
    assert chat.templates == ["media"] and chat.values_of("media")["kind"] == kind
    assert len(chat.choice_values) == len(MAIN_MENU)
    dump = "\n".join(services.storage.read_sync(lambda db: list(db.iterdump())))
    assert "912345678" not in dump  # a contact we did not ask for is not stored


async def test_photo_in_the_middle_of_a_flow_is_handled_by_the_flow(chat, services):
    await chat.send("/xoadulieu")
    await chat.send(photo=Photo(ref="AgACAgQ-file"))
    assert chat.choice_values == ["forget:yes", "forget:no"]  # asked again, nothing lost
    assert (await services.conversations.get(chat.key)).flow == "forget"


async def test_unknown_command_and_stale_button(chat):
    await chat.send("/khongcolenhnay")
    assert chat.templates == ["unknown_command"] and len(chat.choice_values) == len(MAIN_MENU)
    await chat.press("zzz:old")
    assert chat.templates == ["stale_choice"] and len(chat.choice_values) == len(MAIN_MENU)


async def test_no_answer_still_protects_and_warns_victims_about_recovery_offers(chat):
    await chat.send("giá lúa hôm nay bao nhiêu")
    # The wording (treat it as untrusted, block the transfer, no paid "recovery") is in its snapshot.
    assert chat.templates == ["not_understood"] and "113" in chat.text


# --- Unicode digits, amounts too big for a float, lone surrogates: at every step that reads text ---

# Digits that str.isdigit() accepts and int() may refuse (or read as a number nobody meant).
UNICODE_DIGITS = {
    "superscript": "²",
    "superscripts": "¹²³",
    "circled": "①",
    "circled_many": "① ② ③",
    "roman": "Ⅻ",
    "arabic_indic": "٣",
    "arabic_indic_amount": "٣٠٠ nghìn",
    "math_bold": "𝟗",
    "devanagari": "५",
}
# A phone keyboard in full-width mode: read as the ASCII digit it shows.
FULLWIDTH = {"fullwidth": "３", "fullwidth_amount": "５００ｋ"}
HUGE_AMOUNTS = {
    "309_digits": "9" * 309,
    "400_digits_trieu": "9" * 400 + " triệu",
    "groups": "999." * 120 + "999đ",
    "decimal": "1," + "9" * 400 + " tỷ",
}
# Zalo's JSON (and any JSON) can carry half of a surrogate pair: not encodable as UTF-8.
SURROGATES = {"lone_high": "\ud800", "lone_low_inside": "abc\udfffdef", "half_emoji": "\ud83d số 0912"}
TRICKY = {**UNICODE_DIGITS, **FULLWIDTH, **HUGE_AMOUNTS, **SURROGATES}

FAILURE = "failure"  # the template of the apology after a handler raised
OFFICER, STAFF = "7001", "7002"


async def _report_to(chat, step: str) -> None:
    """A report flow walked up to `step`, the usual way."""
    path = [
        ("what", {"text": "/baocao"}),
        ("identifier", {"choice": "report:what:call"}),
        ("via", {"text": "0912345678"}),
        ("claimed", {"choice": "report:via:phone_call"}),
        ("happened", {"choice": "report:claimed:fake-authority-call"}),
        ("amount", {"choice": "report:happened:today"}),
        ("description", {"text": "2tr"}),
        ("evidence", {"text": "Họ xưng công an"}),
        ("area", {"choice": "report:skip"}),
        ("consent", {"choice": "report:skip"}),
        ("contact", {"choice": "report:consent:contact"}),
    ]
    for reached, message in path:
        await chat.send(**message)
        if reached == step:
            return
    raise AssertionError(step)


async def _bank_account_to(chat, step: str) -> None:
    await chat.send("/baocao")
    await chat.press("report:what:bank_account")
    await chat.send("1027845566")  # no bank named: the bank step
    if step == "holder":
        await chat.press("report:bank:MB")


async def _report_confirm(chat, step: str) -> None:
    await _report_to(chat, "consent")
    await chat.press("report:consent:none")


async def _police_note(chat, step: str) -> None:
    citizen = Chat(chat.router, chat.services, chat_id=f"c{chat.chat_id}")
    await _report_to(citizen, "consent")
    await citizen.press("report:consent:none")
    await citizen.press("report:confirm")
    officer = Chat(chat.router, chat.services, chat_id=OFFICER)
    await officer.send("/hangdoi")
    confirm = next(v for v in officer.choice_values if v.startswith("police:confirmed:"))
    chat.chat_id = OFFICER
    await chat.press(confirm)


async def _staff(chat, step: str) -> None:
    chat.chat_id = STAFF
    await chat.send("/phatcanhbao")
    await chat.press("staff:write")
    if step == "when":
        await chat.send("Tối nay họp tổ dân phố")
        await chat.press("staff:area:x-02647")
        await chat.press("staff:later")


async def _activity(chat, step: str) -> None:
    """/ghinhan walked up to `step` (date, village, people, note)."""
    chat.chat_id = STAFF
    await chat.send("/ghinhan")
    await chat.press("act:kind:meeting")
    path = [("press", "act:day:today"), ("press", "act:area:x-02647"), ("send", "thôn 1"), ("send", "5")]
    upto = {"date": 0, "village": 2, "people": 3, "note": 4}[step]
    for how, value in path[:upto]:
        await (chat.press(value) if how == "press" else chat.send(value))


async def _notes(chat, step: str) -> None:
    chat.chat_id = STAFF
    await chat.send("/baocaoky")
    await chat.press("notes:period:2026-Q4")
    await chat.press("notes:area:x-02647")
    await chat.press("notes:write:difficulties")


async def _target(chat, step: str) -> None:
    chat.chat_id = STAFF
    await chat.send("/muctieu")
    await chat.press("target:area:x-02647")
    if step == "share":
        await chat.send("12")


async def _activity_edit(chat, step: str) -> None:
    """A recorded session opened from /ghinhan's list, its `step` (people, date, note) asked."""
    from datetime import date

    from bot.activity import log as activity_log

    chat.chat_id = STAFF
    services = chat.services
    activity_id = services.storage.write_sync(
        lambda db: activity_log.record(db, area_code="x-02647", kind="meeting", held_on=date(2026, 1, 1),
                                       village="thôn 1", people=5, note=None, recorded_by="t", now=services.clock())
    )  # fmt: skip
    await chat.press(f"acted:{step}:{activity_id}")


async def _deadline(chat, step: str) -> None:
    chat.chat_id = STAFF
    await chat.send("/hanbaocao")
    await chat.press("dl:add")
    if step == "date":
        await chat.send("Báo cáo 6 tháng")


# step name -> (how to get there, the flow step a re-ask stays at; None when any text is an answer)
STEPS = {
    "no_flow": (lambda chat, step: chat.send("/start"), None),
    "report:what": (_report_to, "what"),
    "report:identifier": (_report_to, "identifier"),
    "report:bank": (_bank_account_to, "bank"),
    "report:holder": (_bank_account_to, None),
    "report:via": (_report_to, "via"),
    "report:claimed": (_report_to, "claimed"),
    "report:happened": (_report_to, "happened"),
    "report:amount": (_report_to, "amount"),
    "report:description": (_report_to, None),
    "report:evidence": (_report_to, "evidence"),
    "report:consent": (_report_to, "consent"),
    "report:contact": (_report_to, "contact"),
    "report:confirm": (_report_confirm, "confirm"),
    "quiz:question": (lambda chat, step: chat.send("/quiz"), "question"),
    "subscribe": (lambda chat, step: chat.send("/dangky"), None),
    "check:value": (lambda chat, step: chat.send("/kiemtra"), "value"),
    "forget:confirm": (lambda chat, step: chat.send("/xoadulieu"), "confirm"),
    "staff:text": (_staff, None),
    "staff:when": (_staff, "when"),
    "police:note": (_police_note, None),
    "activity:date": (_activity, "date"),
    "activity:village": (_activity, None),
    "activity:people": (_activity, None),  # "\ud83d số 0912" is 912 people
    "activity:note": (_activity, None),
    "notes:write": (_notes, None),
    "target:villages": (_target, "villages"),
    "target:share": (_target, "share"),
    "activity_edit:people": (_activity_edit, None),  # as /ghinhan's: "\ud83d số 0912" is 912 people
    "activity_edit:date": (_activity_edit, None),  # a typed day may be an answer (then confirmed)
    "activity_edit:note": (_activity_edit, None),
    "deadline:title": (_deadline, None),
    "deadline:date": (_deadline, "date"),
}


@pytest.fixture
def roles_and_time(settings, clock):
    settings.police_ids = [f"test:{OFFICER}"]
    settings.staff_ids = [f"{STAFF}=x-02647|x-02674"]
    clock.now = clock.now.replace(hour=2)  # 09:00 in Vietnam: "３" (03:00 today) is in the past


@pytest.mark.parametrize("where", sorted(STEPS))
async def test_unicode_digits_huge_amounts_and_surrogates_get_a_kind_reask(
    router, services, roles_and_time, caplog, where
):
    setup, reask_step = STEPS[where]
    step = where.partition(":")[2]
    for n, (name, text) in enumerate(TRICKY.items()):
        chat = Chat(router, services, chat_id=f"9{n:03d}")
        await setup(chat, step)
        before = await services.conversations.get(chat.key)
        replies = await chat.send(text)
        assert replies and FAILURE not in chat.templates, (where, name)
        assert all(r.text.strip() for r in replies), (where, name)
        if reask_step is not None and name not in FULLWIDTH:  # full-width digits are digits
            after = await services.conversations.get(chat.key)
            assert after is not None and (after.flow, after.step) == (before.flow, reask_step), (where, name)
            if before.data.get("index") is not None:
                assert after.data["index"] == before.data["index"], (where, name)  # the quiz asks again
        await services.conversations.end(chat.key)  # the officer and the staff member are shared
    assert "handler failed" not in caplog.text


async def test_an_amount_of_unicode_digits_or_too_big_is_asked_again(chat):
    await _report_to(chat, "amount")
    for text in ("²", "①", "٣٠٠ nghìn", "9" * 309, "1," + "9" * 400 + " tỷ"):
        await chat.send(text)
        assert chat.values_of("report_prompt")["problem"] == "reask" and FAILURE not in chat.templates, text
    await chat.send("５００ｋ")  # full-width, as some phone keyboards type
    await chat.send("/baocao")  # back to the open report: the summary will show it
    state = (await chat.services.conversations.get(chat.key)).data
    assert state["amount"] == 500_000


async def test_a_lone_surrogate_is_replaced_not_stored_raw(chat, services):
    await _report_to(chat, "description")
    await chat.send("họ gọi \ud800 lúc 9 giờ")
    state = (await services.conversations.get(chat.key)).data
    assert state["description"] == "họ gọi \ufffd lúc 9 giờ"


async def test_the_terminal_chat_survives_unicode_digits(router, services, rendered):
    out = io.StringIO()
    lines = "".join(f"{text}\n" for text in TRICKY.values() if "\n" not in text)
    await terminal_chat(router, services, user_id="local", stdin=io.StringIO("/quiz\n" + lines), stdout=out)
    assert FAILURE not in rendered and out.getvalue()
    assert rendered.count("quiz_reask") >= len(UNICODE_DIGITS)  # each one asked again


async def test_zalo_answers_unicode_digits_where_numbers_pick_options(tmp_path, library, rendered):
    """On Zalo a typed number picks an option before the router sees the text: '²' crashed there."""
    SHARED["library"] = library
    token, chat_id = "3141592653:zaLoBoTtOkEnForTestsOnly_abcdefXYZ", "6a1b2c3d4e5f"
    async with FakeZalo(token=token) as fake:
        settings = Settings(
            _env_file=None, zalo_bot_token=token, zalo_api_base_url=fake.url, db_path=tmp_path / "bot.db",
            weekly_day="off",
        )  # fmt: skip
        async with RunningBot(settings, fake):
            fake.push_text(chat_id, "/start")
            await fake.wait_for_messages(chat_id, count=1)
            for text in ["²", "①", "Ⅻ", "٣", "9" * 5000]:
                fake.push_text(chat_id, text)
                [answer] = await fake.wait_for_messages(chat_id)  # before, "²" got no reply at all
                assert FAILURE not in rendered and "1. 📚" in answer["text"], text
            fake.push_text(chat_id, "７")  # full-width 7: the hotlines, as "7" is
            [answer] = await fake.wait_for_messages(chat_id)
            assert "5656" in answer["text"]


def test_a_typed_number_picks_an_option_only_in_ascii_or_full_width():
    options = [("Một", "a"), ("Hai", "b")]
    update = {"event_name": "message.text.received", "message": {"chat": {"id": "c"}, "from": {"id": "c"}}}
    for text, expected in [("2", "b"), ("２", "b"), ("²", None), ("٢", None), ("9" * 5000, None)]:
        update["message"]["text"] = text
        incoming = zalo.to_incoming(update)  # Zalo hands the text on; routing reads the number
        assert incoming.text == text and not incoming.buttons
        assert choices.pick(text, options) == expected, text
