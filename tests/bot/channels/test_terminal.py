import io

from bot.channels.terminal import chat as terminal_chat
from bot.channels.terminal import render
from bot.core.messages import ChatKey, Choice, Reply
from bot.core.richtext import to_plain
from bot.reporting import reports
from tests.conftest import Chat
from tests.flows import file_report


async def run_chat(router, services, lines: str, user: str = "local") -> str:
    out = io.StringIO()
    await terminal_chat(router, services, user_id=user, display_name="Lan", stdin=io.StringIO(lines), stdout=out)
    return out.getvalue()


def test_render_strips_markup_and_puts_the_options_block_under_the_text():
    reply = Reply("<b>Menu</b> &amp; thêm", choices=(Choice("Một", "a"), Choice("Hai", "b")))
    assert render(reply, "1. Một\n2. Hai", "Bot") == "Bot: Menu & thêm\n1. Một\n2. Hai"
    assert render(Reply("<i>Chào</i>"), "", "Bot") == "Bot: Chào"


def said(services, template: str, **values: object) -> str:
    """A template's text as the terminal prints it: after the bot's name, without markup."""
    t = services.content.texts("vi")
    return f"{t.label('terminal.bot')}: {to_plain(t.render(template, **values))}"


async def test_welcome_then_numbers_answer_choices(router, services, rendered):
    t = services.content.texts("vi")
    out = await run_chat(router, services, "7\n1\n")
    assert list(rendered) == ["welcome", "hotlines", "menu"]  # /start, 7 = hotlines, then 1 = back to the menu
    assert said(services, "welcome", name="Lan") in out and f"\n7. {t.label('menu.hotlines')}\n" in out
    assert "5656" in out
    assert out.count(said(services, "menu")) == 1
    assert out.rstrip().endswith(t.label("terminal.bye"))


async def test_number_out_of_range_is_explained(router, services):
    out = await run_chat(router, services, "42\n")
    assert services.content.texts("vi").label("terminal.no_such_choice") in out


async def test_text_goes_through_the_same_router(router, services):
    out = await run_chat(router, services, "/hotline\n/thoat\nthis is never read\n")
    assert "0214 3820 113" in out and "never read" not in out


async def test_each_user_has_their_own_state_and_it_survives_restarts(router, services, rendered):
    async def run(lines: str, user: str) -> tuple[str, list[str]]:
        before = len(rendered)
        out = await run_chat(router, services, lines, user=user)
        return out, list(rendered[before:])

    await run("/xoadulieu\n", "an")
    resumed, templates = await run("1\n", "an")
    assert "welcome" not in templates  # no fresh welcome: the flow was still open
    assert templates == ["forget_reask"]  # there were no choices on screen yet: "1" is text
    resumed, templates = await run("có\n", "an")
    assert templates == ["forget_done"] and said(services, "forget_done") in resumed
    other, templates = await run("", "binh")
    assert templates == ["welcome"] and said(services, "welcome", name="Lan") in other


# --- numbers count across the whole turn (issue 11 §3) ---

SCAM = "Số 0912345678 gọi nói là công an, bắt chuyển tiền\n"


async def test_a_number_names_the_option_shown_with_it_across_all_replies_of_a_turn(router, services):
    # A pasted scam message gets several replies (the check, the FAQ answer, the menu); the first
    # option shown is the check's "report this", so typing 1 starts a report, not the menu.
    out = await run_chat(router, services, SCAM + "1\n")
    conversation = await services.conversations.get(ChatKey("terminal", "local"))
    assert conversation is not None and conversation.flow == "report", out
    assert conversation.data.get("preset")  # the number the check showed, carried into the report


async def test_an_officer_acts_on_the_first_item_of_the_queue(router, services, settings):
    settings.police_ids = ["terminal:officer"]
    for citizen, number in (("11", "0912345678"), ("12", "0912345678"), ("13", "0987654321")):
        await file_report(Chat(router, services, chat_id=citizen), number)
    first_id = (await services.storage.read(lambda db: reports.queue(db, limit=5)))[0].identifier_id

    await run_chat(router, services, "/hangdoi\n1\n", user="officer")
    conversation = await services.conversations.get(ChatKey("terminal", "officer"))
    assert conversation is not None and conversation.flow == "police_note"
    assert conversation.data == {"identifier_id": first_id, "status": "confirmed"}


# --- options from earlier messages still answer (issue 20) ---


async def test_an_officer_acts_on_the_first_and_the_third_item_of_the_queue(router, services, settings):
    settings.police_ids = ["terminal:officer"]
    for citizen, number in (("11", "0912345678"), ("12", "0987654321"), ("13", "0903123456")):
        await file_report(Chat(router, services, chat_id=citizen), number)
    items = await services.storage.read(lambda db: reports.queue(db, limit=5))
    assert len(items) == 3
    t = services.content.texts("vi")
    confirm = t.labels("police.actions")["confirmed"]

    # One message per item, four options each: the 3rd item's "confirmed" is 9. The officer acts on
    # the 1st (typing a note), then on the 3rd, whose number still answers, skipping the note by its words.
    lines = f"/hangdoi\n1\nđã gọi xác minh\n9\n{t.label('police.no_note')}\n"
    out = await run_chat(router, services, lines, user="officer")
    assert f"\n9. {confirm}\n" in out
    assert t.label("terminal.no_such_choice") not in out
    statuses = await services.storage.read(
        lambda db: {row[0]: row[1] for row in db.execute("SELECT id, status FROM identifiers")}
    )
    assert [statuses[item.identifier_id] for item in items] == ["confirmed", "new", "confirmed"]
    assert await services.conversations.get(ChatKey("terminal", "officer")) is None


async def test_a_number_at_the_amount_step_is_the_amount_in_the_terminal(router, services):
    t = services.content.texts("vi")
    what = t.labels("report.what")
    lines = f"/baocao\n{what['call']}\n0912345678\n" + "1\n1\n1\n" + "3\n"
    await run_chat(router, services, lines)
    conversation = await services.conversations.get(ChatKey("terminal", "local"))
    assert conversation is not None and conversation.flow == "report"  # before: "3" cancelled it
    assert conversation.data["amount"] == 3_000_000


async def test_a_flow_started_from_an_option_numbers_its_options_from_one(router, services):
    # A pasted scam message gets two messages with options (the check: 1-4, the FAQ answer: 5).
    # "1" under the check starts a report: its first question's options are 1, 2…, and "1" is the
    # first kind of report, not an option of the answer shown before it.
    pasted = "Công an gọi bảo tôi chuyển tiền vào số 0912345678 để xác minh, có phải lừa đảo không"
    out = await run_chat(router, services, f"{pasted}\n1\n1\n")
    conversation = await services.conversations.get(ChatKey("terminal", "local"))
    assert conversation is not None and conversation.flow == "report"
    assert conversation.data["what"] == reports.WHAT[0]
    first_kind = services.content.texts("vi").labels("report.what")[reports.WHAT[0]]
    assert f"\n1. {first_kind}\n" in out  # numbered from 1, as the citizen reads it
