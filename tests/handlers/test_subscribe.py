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
    assert chat.templates == ["subscribe_done"] and "/huydangky" in chat.text
    done = chat.values_of("subscribe_done")
    assert done["area"] == "phường Cốc Lếu, thành phố Lào Cai, tỉnh Lào Cai"
    assert (done["previous"], done["again"], done["from_poster"]) == (None, False, False)  # a new subscription
    t = chat.services.content.texts("vi")
    assert done["weekday"] == t.labels("subscribe.weekdays")["mon"] and done["time"] == "08:00"
    current = await sub(chat)
    assert current.area_code == "coc-leu" and current.active


async def test_moving_and_subscribing_again(chat):
    await chat.press("sub:pick:coc-leu")
    await chat.press("sub:pick:coc-leu")
    assert chat.values_of("subscribe_done")["again"] is True  # "you still receive …"
    await chat.press("sub:pick:lao-cai")
    moved = chat.values_of("subscribe_done")
    assert (moved["area"], moved["again"]) == ("tỉnh Lào Cai", False)
    assert moved["previous"] == "phường Cốc Lếu, thành phố Lào Cai, tỉnh Lào Cai"  # "moved from …"
    await chat.send("/dangky")
    assert chat.templates == ["subscribe_choose"] and chat.values_of("subscribe_choose")["current"] == "tỉnh Lào Cai"


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
    assert chat.templates == ["subscribe_stopped"] and chat.values_of("subscribe_stopped")["was_active"] is True
    assert "sub:start" in chat.choice_values
    current = await sub(chat)
    assert not current.active and current.stopped_reason == "user"
    await chat.send("/huydangky")
    assert chat.values_of("subscribe_stopped")["was_active"] is False  # "you are not subscribed"


async def test_a_poster_subscribes_at_once_with_undo(chat):
    await chat.send("/start dk-coc-leu")
    done = chat.values_of("subscribe_done")
    assert (done["previous"], done["again"], done["from_poster"]) == (None, False, True)
    undo = chat.last[0].choices[0]
    assert (undo.label, undo.value) == (chat.services.content.texts("vi").label("subscribe.undo"), "sub:undo:-")
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
    assert chat.templates == ["welcome"]


async def test_erasure_removes_the_subscription(chat):
    await chat.press("sub:pick:coc-leu")
    await chat.send("/xoadulieu")
    await chat.press("forget:yes")
    assert await sub(chat) is None


def test_topic_buttons_name_topics_in_the_chats_language(tmp_path):
    import shutil
    from types import SimpleNamespace

    from bot.core import paths
    from bot.core.content import Content
    from bot.core.messages import Incoming
    from bot.core.settings import Settings
    from bot.services import _template_globals
    from handlers.subscribe import _topic_choices

    root = tmp_path / "content"
    shutil.copytree(paths.content_dir(), root)
    (root / "en").mkdir()
    (root / "en" / "strings.yaml").write_text("language_name: English\n", "utf-8")
    content = Content(root, "vi", _template_globals(Settings(_env_file=None)))
    svc = SimpleNamespace(content=content, texts=lambda m: content.texts(m.language))
    for language in ("en", "vi"):
        msg = Incoming(channel="test", chat_id="1", user_id="1", text="", language=language)
        [choice] = [c for c in _topic_choices(svc, msg, ()) if c.value.endswith(":job-scam")]
        assert choice.label.endswith(content.taxonomy["job-scam"][language][:48])
