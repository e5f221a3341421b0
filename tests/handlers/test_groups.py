"""Flows in a group: each member has their own, at the same time, keyed by (channel, chat, user).

A group answers only commands and buttons. Another member's press of a button of a flow that is
not theirs is ignored (no noise in the group, the starter's message keeps its buttons); nobody
reads, finishes or ends another member's draft.
"""

from __future__ import annotations

import sqlite3

import pytest

from bot.core.messages import ChatKey, Incoming

GROUP = ChatKey("telegram", "-100500")
LAN, MINH = "11", "22"
NUMBERS = {LAN: "+84912345678", MINH: "+84987654321"}
# After "report this" (the number preset), every step of the report flow can be answered by a button.
STEPS = (
    "report:what:call", "report:via:phone_call", "report:claimed:unknown", "report:happened:today",
    "report:amount:0", "report:skip", "report:skip", "report:skip", "report:consent:none",
)  # fmt: skip


def member(user: str, text: str | None = None, **fields) -> Incoming:
    return Incoming(channel=GROUP.channel, chat_id=GROUP.chat_id, user_id=user, text=text, is_group=True, **fields)


@pytest.fixture
def group(router, services, rendered):
    """send(user, text=None, choice=None) -> (replies, templates rendered by that turn)."""

    async def send(user: str, text: str | None = None, *, choice: str | None = None):
        start = len(rendered)
        replies = await router.handle(member(user, text, choice=choice), services)
        return replies, rendered[start:]

    return send


def draft(services, user: str):
    key = member(user).conversation_key
    return services.conversations.get(key)


async def test_two_members_report_at_the_same_time_and_each_files_their_own(group, services):
    for user in (LAN, MINH):
        _, templates = await group(user, "/baocao")
        assert templates[0] == "report_intro"  # a fresh report each, not "someone else's"
    for user in (LAN, MINH):  # "report this" under a check each asked for
        await group(user, choice=f"report:id:{NUMBERS[user]}")
    for step in STEPS:  # interleaved: Lan's answer never moves Minh's draft, nor the reverse
        for user in (LAN, MINH):
            replies, _ = await group(user, choice=step)
            assert replies
    for user in (LAN, MINH):
        _, templates = await group(user, choice="report:confirm")
        assert "report_done" in templates

    def filed(db):
        return db.execute(
            "SELECT i.normalized, r.channel, r.chat_id FROM reports r JOIN identifiers i ON i.id = r.identifier_id"
            " ORDER BY r.id"
        ).fetchall()

    rows = await services.storage.read(filed)
    assert sorted(rows) == sorted((NUMBERS[user], *GROUP) for user in (LAN, MINH))
    assert await services.storage.read(lambda db: db["conversations"].count) == 0


async def test_another_members_press_on_a_flow_button_is_ignored_and_changes_nothing(group, services):
    await group(LAN, choice=f"report:id:{NUMBERS[LAN]}")
    for step in STEPS:
        await group(LAN, choice=step)
    before = await draft(services, LAN)
    assert before.step == "confirm"
    for value in ("report:confirm", "report:cancel", "report:via:sms", "report:start"):
        assert (await group(MINH, choice=value)) == ([], [])  # silence: Lan's buttons stay
    assert await draft(services, LAN) == before
    assert await draft(services, MINH) is None
    assert await services.storage.read(lambda db: db["reports"].count) == 0
    _, templates = await group(LAN, choice="report:confirm")
    assert "report_done" in templates


async def test_a_members_own_flow_gets_its_presses_while_another_member_has_the_same_flow(group, services):
    await group(LAN, "/baocao")
    await group(MINH, "/baocao")
    await group(MINH, choice="report:what:link")  # Minh's own step
    assert (await draft(services, MINH)).data["what"] == "link"
    assert (await draft(services, LAN)).step == "what"  # Lan's draft did not move


async def test_a_member_does_not_resume_or_see_another_members_draft(group, services):
    await group(LAN, choice=f"report:id:{NUMBERS[LAN]}")
    await group(LAN, choice="report:what:call")
    replies, templates = await group(MINH, "/baocao")
    assert "report_resume" not in templates and templates[0] == "report_intro"
    assert "0912" not in "".join(r.text for r in replies)
    assert "preset" not in (await draft(services, MINH)).data


async def test_cancel_ends_only_ones_own_flow(group, services):
    await group(LAN, "/baocao")
    await group(MINH, "/quiz")
    await group(MINH, "/huy")
    assert await draft(services, MINH) is None
    assert (await draft(services, LAN)).flow == "report"
    _, templates = await group(MINH, "/huy")  # nothing left to cancel for Minh
    assert templates == ["cancelled"]


async def test_erasure_by_one_member_ends_only_their_flow(group, services):
    await group(LAN, "/baocao")
    [ask], _ = await group(MINH, "/xoadulieu")
    assert [c.value for c in ask.choices] == ["forget:yes", "forget:no"]
    assert (await group(LAN, choice="forget:yes")) == ([], [])  # Minh's question, not Lan's
    assert (await draft(services, MINH)).flow == "forget"
    _, templates = await group(MINH, choice="forget:yes")
    assert "forget_done" in templates
    assert await draft(services, MINH) is None
    assert (await draft(services, LAN)).flow == "report"  # Lan's report goes on


async def test_in_a_private_chat_the_chat_is_the_person(router, services):
    await router.handle(Incoming(channel="test", chat_id="5", user_id="5", text="/xoadulieu"), services)
    other_user = Incoming(channel="test", chat_id="5", user_id="77", choice="forget:yes")
    await router.handle(other_user, services)  # whoever Telegram says pressed it: one chat, one flow
    assert await services.storage.read(lambda db: db["chats"].count) == 0


async def test_a_flow_turn_reads_the_conversations_table_once(router, settings, clock, library, monkeypatch):
    """The router loads the member's flow with the turn's first write and hands it to the handler,
    which does not read it again."""
    from bot.core import storage as storage_module
    from bot.services import build_services

    statements: list[str] = []
    connect = storage_module._connect

    def traced(*args, **kwargs) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(storage_module, "_connect", traced)
    services = build_services(settings, clock=clock, library=library)
    try:
        private = Incoming(channel="test", chat_id="5", user_id="5")
        turns = [
            (private, {"text": "/baocao"}),
            (private, {"choice": "report:what:call"}),
            (private, {"text": "0912345678"}),
            (private, {"choice": "report:via:sms"}),
            (member(LAN), {"text": "/quiz"}),
            (member(LAN), {"choice": "quiz:stop"}),
            (member(MINH), {"text": "/xoadulieu"}),
            (member(MINH), {"choice": "forget:no"}),
        ]
        for msg, fields in turns:
            statements.clear()
            fresh = Incoming(msg.channel, msg.chat_id, msg.user_id, is_group=msg.is_group, **fields)
            await router.handle(fresh, services)
            reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "conversations" in s]
            assert len(reads) == 1, (fields, reads)
        assert (await services.conversations.get(ChatKey("test", "5"))).step == "claimed"
    finally:
        services.close()
