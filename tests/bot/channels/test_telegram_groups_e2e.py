"""A family group on Telegram, end to end through python-telegram-bot and the fake Bot API: each
member has their own flow at the same time, and a press on another member's buttons is ignored."""

from __future__ import annotations

from bot.core.messages import ConversationKey
from tests.fakes.running_bot import RunningBot

GROUP = -1001234
LAN, MINH = 77, 88


def values(message: dict) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


async def test_two_members_each_have_their_own_flow_and_ignore_each_others_buttons(fake, tg_settings):
    async with RunningBot(tg_settings, fake) as bot:
        fake.push_text(GROUP, "/quiz", user_id=LAN)
        *_, question = await fake.wait_for_messages(GROUP, 2)  # the intro, the first question
        assert "quiz:stop" in values(question)
        fake.push_text(GROUP, "/baocao", user_id=MINH, first_name="Minh")
        *_, prompt = await fake.wait_for_messages(GROUP, 2)  # Minh's own report: intro, first step
        assert any(value.startswith("report:what:") for value in values(prompt))

        # Minh answers Lan's question: not his quiz, so silence; then Lan leaves her quiz.
        fake.push_callback(GROUP, values(question)[0], message_id=question["message_id"], user_id=MINH)
        fake.push_callback(GROUP, "quiz:stop", message_id=question["message_id"], user_id=LAN)
        [left] = await fake.wait_for_messages(GROUP)  # one answer only: to Lan's stop
        assert "report:start" in values(left)  # the menu after "cancelled"

        def member(user: int) -> ConversationKey:
            return ConversationKey("telegram", str(GROUP), str(user))

        assert await bot.services.conversations.get(member(LAN)) is None
        assert (await bot.services.conversations.get(member(MINH))).flow == "report"  # Minh's goes on
    assert len(fake.messages_to(GROUP)) == 5
