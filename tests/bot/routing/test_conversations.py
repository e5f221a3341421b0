import pytest

from bot.core.messages import ChatKey
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


async def test_in_a_group_a_flow_belongs_to_the_member_who_started_it(services):
    from bot.routing.conversations import NotYourFlow

    lan, minh = services.conversations.acting_as("11"), services.conversations.acting_as("22")
    await lan.start(GROUP, "report", "what", {"step": 1})
    assert (await lan.get(GROUP)).user_id == "11"
    with pytest.raises(NotYourFlow):
        await minh.get(GROUP)
    with pytest.raises(NotYourFlow):
        await minh.start(GROUP, "quiz", "question")  # would throw away Lan's draft
    assert await minh.end(GROUP) is False  # Minh has nothing to leave; Lan's flow stays
    assert await minh.get(GROUP, "quiz") is None  # another flow than the one asked about
    await lan.start(GROUP, "report", "via", {"step": 2})
    assert (await lan.get(GROUP)).data == {"step": 2}
    assert await lan.end(GROUP) is True
    await minh.start(GROUP, "quiz", "question")  # free again
    assert (await minh.get(GROUP)).flow == "quiz"


async def test_an_expired_flow_of_someone_else_does_not_block(services, clock, settings):
    lan, minh = services.conversations.acting_as("11"), services.conversations.acting_as("22")
    await lan.start(GROUP, "report", "what")
    clock.advance(minutes=settings.conversation_idle_minutes + 1)
    await minh.start(GROUP, "quiz", "question")
    assert (await minh.get(GROUP)).user_id == "22"
