"""/dangky by area, topics, /huydangky, and the poster's deep link."""

from __future__ import annotations

from bot.broadcast import subscriptions


async def sub(chat):
    return await chat.services.storage.read(lambda db: subscriptions.get(db, chat.key))


async def test_choosing_province_then_commune(chat):
    await chat.press("sub:start")
    assert "sub:area:t-15" in chat.choice_values and len(chat.choice_values) == 34 + 1  # the provinces, the menu
    await chat.press("sub:area:t-15")
    assert chat.choice_values[0] == "sub:pick:t-15"
    assert "sub:page:t-15.1" in chat.choice_values  # more units than one message holds
    page = chat.services.library.areas.get("t-15").children.index("x-02647") // 30  # phường Lào Cai
    await chat.press(f"sub:page:t-15.{page}")
    assert "sub:area:x-02647" in chat.choice_values
    await chat.press("sub:area:x-02647")
    assert chat.templates == ["subscribe_done"] and "/huydangky" in chat.text
    done = chat.values_of("subscribe_done")
    assert done["area"] == "phường Lào Cai, tỉnh Lào Cai"
    assert (done["previous"], done["again"], done["from_poster"]) == (None, False, False)  # a new subscription
    t = chat.services.content.texts("vi")
    assert done["weekday"] == t.labels("subscribe.weekdays")["mon"] and done["time"] == "08:00"
    current = await sub(chat)
    assert current.area_code == "x-02647" and current.active


async def test_every_unit_of_a_province_is_on_some_page(chat):
    units = chat.services.library.areas.get("t-01").children
    seen, page = [], 0
    await chat.press("sub:area:t-01")
    while True:
        seen += [v.removeprefix("sub:area:") for v in chat.choice_values if v.startswith("sub:area:")]
        if f"sub:page:t-01.{page + 1}" not in chat.choice_values:
            break
        page += 1
        await chat.press(f"sub:page:t-01.{page}")
    assert seen == units and len(units) > 100


async def test_moving_and_subscribing_again(chat):
    await chat.press("sub:pick:x-02647")
    await chat.press("sub:pick:x-02647")
    assert chat.values_of("subscribe_done")["again"] is True  # "you still receive …"
    await chat.press("sub:pick:t-15")
    moved = chat.values_of("subscribe_done")
    assert (moved["area"], moved["again"]) == ("tỉnh Lào Cai", False)
    assert moved["previous"] == "phường Lào Cai, tỉnh Lào Cai"  # "moved from …"
    await chat.send("/dangky")
    assert chat.templates == ["subscribe_choose"] and chat.values_of("subscribe_choose")["current"] == "tỉnh Lào Cai"


async def test_topics_toggle_and_all(chat):
    await chat.press("sub:pick:x-02647")
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
    await chat.press("sub:pick:x-02647")
    await chat.send("/huydangky")
    assert chat.templates == ["subscribe_stopped"] and chat.values_of("subscribe_stopped")["was_active"] is True
    assert "sub:start" in chat.choice_values
    current = await sub(chat)
    assert not current.active and current.stopped_reason == "user"
    await chat.send("/huydangky")
    assert chat.values_of("subscribe_stopped")["was_active"] is False  # "you are not subscribed"


async def test_a_poster_subscribes_at_once_with_undo(chat):
    await chat.send("/start dk-x-02647")
    done = chat.values_of("subscribe_done")
    assert (done["previous"], done["again"], done["from_poster"]) == (None, False, True)
    undo = chat.last[0].choices[0]
    assert (undo.label, undo.value) == (chat.services.content.texts("vi").label("subscribe.undo"), "sub:undo:-")
    await chat.press("sub:undo:-")
    assert not (await sub(chat)).active
    await chat.press("sub:pick:t-15")
    await chat.send("/start dk-x-02647")  # a poster of another area: undo goes back to the old one
    assert chat.choice_values[0] == "sub:undo:t-15"
    await chat.press("sub:undo:t-15")
    assert (await sub(chat)).area_code == "t-15"


async def test_a_poster_printed_before_2025_subscribes_to_the_unit_its_place_went_into(chat):
    await chat.send("/start dk-coc-leu")  # phường Cốc Lếu is now part of phường Lào Cai
    assert chat.values_of("subscribe_done")["from_poster"] is True
    assert (await sub(chat)).area_code == "x-02647"


async def test_a_poster_of_a_split_commune_asks_which_part(chat):
    parts = chat.services.library.areas.resolve("tt-truong-son-an-lao")
    await chat.send("/start dk-tt-truong-son-an-lao")
    assert chat.templates == ["subscribe_choose"] and await sub(chat) is None
    assert [v for v in chat.choice_values if v.startswith("sub:pick:")] == [f"sub:pick:{c}" for c in parts]
    await chat.press(f"sub:pick:{parts[1]}")
    assert (await sub(chat)).area_code == parts[1]


async def test_an_unknown_poster_code_lets_them_choose(chat):
    await chat.send("/start dk-no-such-place")
    assert "sub:area:t-15" in chat.choice_values and await sub(chat) is None
    await chat.send("/start")
    assert chat.templates == ["welcome"]


async def test_erasure_removes_the_subscription(chat):
    await chat.press("sub:pick:x-02647")
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
