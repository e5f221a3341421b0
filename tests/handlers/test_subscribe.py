"""/dangky by area, topics, /huydangky, and the poster's deep link."""

from __future__ import annotations

from bot.broadcast import subscriptions


async def sub(chat):
    return await chat.services.storage.read(lambda db: subscriptions.get(db, chat.key))


async def test_choosing_province_city_ward(chat):
    await chat.press("sub:start")
    assert "sub:area:lao-cai" in chat.choice_values
    await chat.press("sub:area:lao-cai")
    assert chat.choice_values[0] == "sub:pick:lao-cai" and "sub:area:tp-lao-cai" in chat.choice_values
    await chat.press("sub:area:tp-lao-cai")
    await chat.press("sub:area:coc-leu")
    assert "Đã đăng ký" in chat.text and "phường Cốc Lếu, thành phố Lào Cai, tỉnh Lào Cai" in chat.text
    assert "thứ Hai" in chat.text and "/huydangky" in chat.text
    current = await sub(chat)
    assert current.area_code == "coc-leu" and current.active


async def test_moving_and_subscribing_again(chat):
    await chat.press("sub:pick:coc-leu")
    await chat.press("sub:pick:coc-leu")
    assert "vẫn đang nhận" in chat.text
    await chat.press("sub:pick:lao-cai")
    assert "Đã chuyển" in chat.text and "phường Cốc Lếu" in chat.text
    await chat.send("/dangky")
    assert "Bạn đang nhận cảnh báo cho <b>tỉnh Lào Cai</b>" in chat.text


async def test_topics_toggle_and_all(chat):
    await chat.press("sub:pick:coc-leu")
    await chat.press("sub:topics")
    await chat.press("sub:topic:job-scam")
    await chat.press("sub:topic:loan-shark")
    assert (await sub(chat)).topics == ("job-scam", "loan-shark")
    assert any(c.label.startswith("✅") and c.value == "sub:topic:job-scam" for r in chat.last for c in r.choices)
    await chat.press("sub:topic:job-scam")
    assert (await sub(chat)).topics == ("loan-shark",)
    await chat.press("sub:topic:all")
    assert (await sub(chat)).topics == ()


async def test_huydangky_stops_everything_and_says_so(chat):
    await chat.press("sub:pick:coc-leu")
    await chat.send("/huydangky")
    assert "Đã dừng" in chat.text and "sub:start" in chat.choice_values
    current = await sub(chat)
    assert not current.active and current.stopped_reason == "user"
    await chat.send("/huydangky")
    assert "không đăng ký" in chat.text


async def test_a_poster_subscribes_at_once_with_undo(chat):
    await chat.send("/start dk-coc-leu")
    assert "Đã đăng ký" in chat.text and "Hoàn tác" in chat.text
    assert chat.choice_values[0] == "sub:undo:-"
    await chat.press("sub:undo:-")
    assert not (await sub(chat)).active
    await chat.press("sub:pick:lao-cai")
    await chat.send("/start dk-coc-leu")  # a poster of another area: undo goes back to the old one
    assert chat.choice_values[0] == "sub:undo:lao-cai"
    await chat.press("sub:undo:lao-cai")
    assert (await sub(chat)).area_code == "lao-cai"


async def test_an_unknown_poster_code_lets_them_choose(chat):
    await chat.send("/start dk-no-such-place")
    assert "sub:area:lao-cai" in chat.choice_values and await sub(chat) is None
    await chat.send("/start")
    assert "Chào Lan" in chat.text


async def test_erasure_removes_the_subscription(chat):
    await chat.press("sub:pick:coc-leu")
    await chat.send("/xoadulieu")
    await chat.press("forget:yes")
    assert await sub(chat) is None
