import sqlite_utils

from bot.core.messages import ChatKey, ConversationKey, Incoming
from bot.core.migrations import MIGRATIONS, migrate
from bot.routing import conversations
from bot.services import build_services

CHAT = ChatKey("telegram", "42")


async def test_state_round_trips_and_survives_a_new_process(settings, clock):
    draft = {"kind": "phone", "value": "+84912345678", "note": "Gọi xưng công an"}
    first = build_services(settings, clock=clock)
    await first.conversations.start(CHAT, "report", "amount", draft)
    first.close()
    again = build_services(settings, clock=clock)
    try:
        state = await again.conversations.get(CHAT)
        assert (state.flow, state.step, state.data) == ("report", "amount", draft)
    finally:
        again.close()


async def test_state_is_per_channel_and_chat(services):
    await services.conversations.start(CHAT, "forget", "confirm")
    assert await services.conversations.get(ChatKey("zalo", "42")) is None
    assert await services.conversations.get(ChatKey("telegram", "43")) is None


async def test_idle_conversation_expires(services, clock, settings):
    await services.conversations.start(CHAT, "forget", "confirm")
    clock.advance(minutes=settings.conversation_idle_minutes - 1)
    assert await services.conversations.get(CHAT) is not None
    clock.advance(minutes=2)
    assert await services.conversations.get(CHAT) is None
    assert await services.conversations.end(CHAT) is False  # nothing active to end
    assert await services.storage.read(lambda db: db["conversations"].count) == 0


async def test_purge_removes_only_expired(services, clock):
    await services.conversations.start(CHAT, "forget", "confirm")
    clock.advance(hours=5)
    await services.conversations.start(ChatKey("telegram", "7"), "forget", "confirm")
    purged = await services.storage.write(services.conversations.purge_expired)
    assert purged == 1
    assert await services.conversations.get(ChatKey("telegram", "7")) is not None


GROUP = ChatKey("telegram", "-100500")
LAN = ConversationKey(*GROUP, "11")
MINH = ConversationKey(*GROUP, "22")


async def test_in_a_group_each_member_has_their_own_flow(services):
    conversations = services.conversations
    await conversations.start(LAN, "report", "what", {"step": 1})
    await conversations.start(MINH, "quiz", "question")
    assert (await conversations.get(LAN)).data == {"step": 1}
    assert (await conversations.get(MINH)).flow == "quiz"
    assert await conversations.get(GROUP) is None  # the group itself, as one person, has none
    assert await conversations.get(MINH, "report") is None  # another flow than the one asked about
    assert await conversations.end(MINH) is True
    assert await conversations.end(MINH) is False  # nothing left for Minh
    assert (await conversations.get(LAN)).step == "what"  # Lan's draft untouched


async def test_the_chat_loads_every_members_active_flow_in_one_query(services, clock, settings):
    conversations = services.conversations
    await conversations.start(LAN, "report", "what")
    clock.advance(minutes=settings.conversation_idle_minutes + 1)
    await conversations.start(MINH, "quiz", "question")
    flows = await services.storage.read(lambda db: conversations.in_chat(db, GROUP))
    assert {user: c.flow for user, c in flows.items()} == {"22": "quiz"}  # Lan's expired


async def test_a_private_chat_is_one_person_whatever_user_the_platform_names(services):
    private = Incoming(channel="telegram", chat_id="42", user_id="77")
    assert private.conversation_key == ConversationKey("telegram", "42", "42")
    await services.conversations.start(private.conversation_key, "forget", "confirm")
    assert (await services.conversations.get(CHAT)).flow == "forget"  # a ChatKey names the same flow
    member = Incoming(channel="telegram", chat_id="-100500", user_id="11", is_group=True)
    assert member.conversation_key == LAN


async def test_erasure_of_a_chat_ends_its_own_flow_not_its_members(services):
    await services.conversations.start(CHAT, "report", "what")
    await services.conversations.start(LAN, "report", "what")
    await services.storage.write(lambda db: (conversations.forget(db, CHAT), conversations.forget(db, GROUP)))
    assert await services.conversations.get(CHAT) is None
    assert await services.conversations.get(LAN) is not None  # Lan ends hers, or it expires


def test_version_7_keys_existing_flows_by_member_and_keeps_them(tmp_path):
    db = sqlite_utils.Database(tmp_path / "v6.db")
    migrate(db, MIGRATIONS[:6])
    row = {"flow": "report", "step": "via", "data": '{"what": "call"}', "updated_at": "2026-11-22T08:00:00+00:00"}
    db["conversations"].insert_all(
        [
            {"channel": "telegram", "chat_id": "42", "user_id": None, **row},  # a private chat: no owner
            {"channel": "telegram", "chat_id": "-100500", "user_id": "11", **row},  # Lan's, in a group
        ]
    )
    migrate(db)
    assert db["conversations"].pks == ["channel", "chat_id", "user_id"]
    rows = db.execute("SELECT channel, chat_id, user_id, flow, step, data FROM conversations ORDER BY chat_id")
    assert rows.fetchall() == [
        ("telegram", "-100500", "11", "report", "via", '{"what": "call"}'),
        ("telegram", "42", "42", "report", "via", '{"what": "call"}'),
    ]
    db["conversations"].insert({"channel": "telegram", "chat_id": "-100500", "user_id": "22", **row})  # Minh's too
    assert db["conversations"].count == 3
