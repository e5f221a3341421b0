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
    from bot.core.textnorm import shorten
    from bot.services import _template_globals
    from handlers.subscribe import _topic_choices

    root = tmp_path / "content"
    shutil.copytree(paths.content_dir(), root)
    (root / "en").mkdir()
    (root / "en" / "strings.yaml").write_text(
        "language_name: English\ntopics:\n  job-scam: Job scams where you are paid for tasks, then asked to pay\n",
        "utf-8",
    )
    content = Content(root, "vi", _template_globals(Settings(_env_file=None)))
    svc = SimpleNamespace(content=content, texts=lambda m: content.texts(m.language))
    for language in ("en", "vi"):
        msg = Incoming(channel="test", chat_id="1", user_id="1", text="", language=language)
        [choice] = [c for c in _topic_choices(svc, msg, ()) if c.value.endswith(":job-scam")]
        name = content.texts(language).labels("topics")["job-scam"]
        assert choice.label.endswith(shorten(name, 48))  # the language's own name, cut between words


# --- Typing the commune (handlers/area_step.py) ------------------------------------------------------


async def test_a_commune_typed_in_ones_own_words_is_offered_and_one_tap_subscribes(chat):
    await chat.send("/dangky")
    await chat.send("phuong hoan kiem")  # no accents, level word kept
    assert chat.templates == ["subscribe_found"]
    found = chat.values_of("subscribe_found")
    assert found["problem"] is None and found["matches"][0]["code"] == "x-00070"
    assert found["matches"][0]["name"] == chat.services.library.areas.full_name("x-00070")  # name + province
    assert chat.choice_values[0] == "sub:pick:x-00070"
    await chat.press("sub:pick:x-00070")
    assert chat.templates == ["subscribe_done"] and (await sub(chat)).area_code == "x-00070"
    await chat.send("Tả Van")  # the step is answered: text is no longer a place name
    assert "subscribe_found" not in chat.templates


async def test_an_old_name_finds_the_unit_it_went_into_and_says_so(chat):
    await chat.send("/dangky")
    await chat.send("Cốc Lếu")  # phường Cốc Lếu went into phường Lào Cai on 1 July 2025
    first = chat.values_of("subscribe_found")["matches"][0]
    assert first["code"] == "x-02647"
    assert (first["old_level"], first["old_name"]) == ("phường", "Cốc Lếu")
    assert first["province"] == chat.services.library.areas.get("t-15").name


async def test_a_number_subscribes_where_there_are_no_buttons(chat):
    chat.channel = "zalo"
    await chat.send("/dangky", buttons=False)
    await chat.send("ta van lao cai", buttons=False)
    offered = [v for v in chat.choice_values if v.startswith("sub:pick:")]
    assert offered[0] == "sub:pick:x-03037"
    await chat.send("1", buttons=False)
    assert chat.templates == ["subscribe_done"] and (await sub(chat)).area_code == "x-03037"


async def test_a_province_name_typed_at_the_first_step_is_its_button(chat):
    # "lao cai" names the "tỉnh Lào Cai" button: typing it does what pressing it does (its communes).
    await chat.send("/dangky")
    await chat.send("lao cai")
    assert chat.templates == ["subscribe_choose"]
    assert chat.choice_values[0] == "sub:pick:t-15"  # the whole province first, then its units
    assert all(v.startswith("sub:") or v == "menu" for v in chat.choice_values)
    assert await sub(chat) is None


async def test_bad_input_is_a_kind_re_ask_never_a_dead_end(chat):
    await chat.send("/dangky")
    for text in ["xyzzyq", "😀😀😀", "'; DROP TABLE subscriptions;--", "a" * 500, "x" * 4000]:
        await chat.send(text)
        assert chat.templates == ["subscribe_found"], text
        assert chat.values_of("subscribe_found")["problem"] == "not_found"
        assert "sub:area:t-15" in chat.choice_values  # the provinces: always a way on
    await chat.send("tan phu dong nai")  # the flow is still there
    assert chat.values_of("subscribe_found")["problem"] is None
    assert await sub(chat) is None
    db_tables = await chat.services.storage.read(lambda db: set(db.table_names()))
    assert "subscriptions" in db_tables


async def test_a_code_typed_at_the_step_is_found_too(chat):
    await chat.send("/dangky")
    await chat.send("coc-leu")  # printed before 2025
    assert chat.values_of("subscribe_found")["matches"][0]["code"] == "x-02647"
