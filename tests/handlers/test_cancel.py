import pytest


@pytest.mark.parametrize("how", ["/cancel", "/huy", "hủy", "Huỷ", "huy", "thoát", "dừng lại"])
async def test_cancel_leaves_the_flow_from_any_step(chat, services, how):
    await chat.send("/xoadulieu")
    assert (await services.conversations.get(chat.key)) is not None
    await chat.send(how)
    assert chat.templates == ["cancelled"] and chat.values_of("cancelled")["was_active"] is True
    assert await services.conversations.get(chat.key) is None
    assert "report:start" in chat.choice_values  # the menu follows


async def test_cancel_with_nothing_to_cancel_says_so(chat):
    await chat.send("/huy")
    assert chat.templates == ["cancelled"] and chat.values_of("cancelled")["was_active"] is False


async def test_cancel_inside_a_group_is_allowed_as_a_command(router, services):
    from bot.core.messages import Incoming

    replies = await router.handle(
        Incoming(channel="test", chat_id="-100", user_id="5", text="/huy", is_group=True), services
    )
    assert replies
