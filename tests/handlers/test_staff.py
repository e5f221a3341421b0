"""/phatcanhbao: compose, preview exactly, confirm; only staff, only their areas."""

from __future__ import annotations

import html
from datetime import datetime

import pytest

from bot.broadcast import broadcasts
from bot.core.clock import VIETNAM
from tests.conftest import Chat

STAFF = "7002"
OWN_WORDS = "Tối nay có <b>họp</b> tổ dân phố về lừa đảo qua mạng"  # a staff member's own message


@pytest.fixture
def staff(router, services, settings, clock) -> Chat:
    settings.staff_ids = [f"{STAFF}=x-02647|x-02674"]  # phường Lào Cai, phường Cam Đường
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)  # Tuesday of 2026-W48
    return Chat(router, services, chat_id=STAFF)


async def subscribe(router, services, chat_id: str, area: str) -> None:
    await Chat(router, services, chat_id=chat_id).press(f"sub:pick:{area}")


async def recent(services):
    return await services.storage.read(lambda db: broadcasts.recent(db))


async def test_citizens_cannot_broadcast(chat):
    await chat.send("/phatcanhbao")
    assert chat.templates == ["unknown_command"]
    await chat.press("staff:area:*")
    assert await recent(chat.services) == []


async def test_this_weeks_campaign_to_my_areas_with_an_exact_preview(staff, router, services):
    for chat_id, area in (("1", "x-02647"), ("2", "x-02674"), ("3", "x-02746")):
        await subscribe(router, services, chat_id, area)
    await staff.send("/phatcanhbao")
    this_week = staff.choice_values[0]
    assert this_week.startswith("staff:camp:")
    await staff.press(this_week)
    assert staff.choice_values[:3] == ["staff:area:mine", "staff:area:x-02647", "staff:area:x-02674"]
    assert "staff:area:*" not in staff.choice_values  # not an admin
    await staff.press("staff:area:mine")
    preview, body, confirm = staff.last
    assert "staff_preview" in staff.templates and staff.values_of("staff_preview")["count"] == 2
    assert "<b>2</b>" in preview.text and "broadcast_footer" in staff.templates
    assert "/huydangky" in body.text and "📢" in body.text
    assert await recent(services) == []  # nothing before the confirm
    await staff.press("staff:confirm")
    [sent] = await recent(services)
    assert sent.areas == ["x-02647", "x-02674"] and sent.created_by == f"test:{STAFF}"
    assert staff.templates == ["staff_sent"]
    assert staff.values_of("staff_sent") == {"id": sent.id, "when": None, "sending": True}


async def test_own_words_later_in_vietnam_time(staff, services):
    await staff.send("/phatcanhbao")
    await staff.press("staff:write")
    await staff.send(OWN_WORDS)
    await staff.press("staff:area:x-02647")
    await staff.press("staff:later")
    asked = staff.values_of("staff_when")
    assert asked["problem"] is None and asked["example"] == "08:30 25/11"  # computed: tomorrow, never gone
    await staff.send("hôm qua")
    assert staff.templates == ["staff_when"] and staff.values_of("staff_when")["problem"] == "unclear"
    await staff.send("8h")  # today 08:00, an hour ago
    assert staff.values_of("staff_when")["problem"] == "past"
    await staff.send("8h 1/6/2027")
    assert staff.values_of("staff_when")["problem"] == "far"
    await staff.send("25/11 08:30")
    preview, body, _ = staff.last
    assert staff.values_of("staff_preview")["when"] == "08:30 25/11/2026" and "08:30 25/11/2026" in preview.text
    assert staff.values_of("broadcast_message")["body"] == html.escape(OWN_WORDS)  # escaped, not rendered
    assert html.escape(OWN_WORDS) in body.text
    await staff.press("staff:confirm")
    [sent] = await recent(services)
    assert broadcasts.local_time(sent.scheduled_for) == "08:30 25/11/2026" and sent.status == "scheduled"


async def test_area_codes_written_before_2025_mean_their_current_units(staff, settings):
    settings.staff_ids = [f"{STAFF}=coc-leu|kim-tan|bac-cuong"]  # a .env of before: two went into one unit
    await staff.send("/phatcanhbao")
    await staff.press("staff:write")
    await staff.send("Tin thử")
    assert staff.choice_values[:3] == ["staff:area:mine", "staff:area:x-02647", "staff:area:x-02674"]


async def test_a_target_outside_my_areas_is_refused(staff, services):
    await staff.send("/phatcanhbao")
    await staff.press("staff:write")
    await staff.send("Tin thử")
    await staff.press("staff:area:x-02746")
    assert staff.templates == ["stale_choice"]
    assert await recent(services) == []


async def test_changing_this_weeks_campaign_for_my_area(staff, services):
    await staff.send("/phatcanhbao")
    await staff.press("staff:override")
    await staff.press("staff:ocamp:skip")
    await staff.press("staff:oarea:x-02647")
    overridden = staff.values_of("staff_overridden")
    week = {"number": 48, "first": "23/11", "last": "29/11"}  # staff never read "2026-W48"
    assert staff.templates == ["staff_overridden"] and (overridden["week"], overridden["title"]) == (week, None)
    assert "W48" not in staff.text
    [row] = await services.storage.read(lambda db: list(db["week_overrides"].rows))
    assert (row["area_code"], row["campaign_id"], row["set_by"]) == ("x-02647", "skip", f"test:{STAFF}")


async def test_staff_given_a_province_from_the_chat_broadcast_there_only(router, services, clock):
    from datetime import timedelta

    from bot.routing import grants

    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)
    now = clock()

    def give(db):
        return grants.create_invite(
            db, role="staff", scope=["t-15"], created_by="test:9001", now=now, valid_for=timedelta(days=1)
        )[1]

    member = Chat(router, services, chat_id="7301")
    await member.send(await services.storage.write(give))
    await member.send("/phatcanhbao")
    assert member.templates == ["staff_start"]
    await member.press("staff:write")
    await member.send("Họp tổ dân phố tối nay")
    assert [v for v in member.choice_values if v.startswith("staff:area:")] == ["staff:area:t-15"]
    await member.press("staff:area:x-00070")  # a ward of Hà Nội: crafted, outside the province
    assert member.templates == ["stale_choice"]
    await member.send("/phatcanhbao")
    await member.press("staff:write")
    await member.send("Họp tổ dân phố tối nay")
    await member.press("staff:area:x-02647")  # a ward inside the province: allowed
    assert "staff_preview" in member.templates


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("8h sáng mai", "08:00 25/11/2026"), ("thứ 2 tuần sau 8h", "08:00 30/11/2026"), ("mai 8:30", "08:30 25/11/2026"),
     ("20h tối nay", "20:00 24/11/2026"), ("8:00 15/12", "08:00 15/12/2026")],
)  # fmt: skip
async def test_times_typed_as_people_say_them(staff, services, typed, expected):
    await staff.send("/phatcanhbao")
    await staff.press("staff:write")
    await staff.send("Tin thử")
    await staff.press("staff:area:x-02647")
    await staff.press("staff:later")
    await staff.send(typed)
    assert staff.values_of("staff_preview")["when"] == expected
    await staff.press("staff:confirm")
    [sent] = await recent(services)
    assert broadcasts.local_time(sent.scheduled_for) == expected


async def test_a_zero_preview_says_why(staff, router, services, library):
    from bot.broadcast import subscriptions
    from bot.broadcast.campaigns import iso_week
    from bot.core.messages import ChatKey

    campaign = library.campaigns.for_week(iso_week(datetime(2026, 11, 24, tzinfo=VIETNAM)))
    other_topic = next(slug for slug in library.content.taxonomy if slug != campaign.topic)
    await staff.send("/phatcanhbao")
    await staff.press(f"staff:camp:{campaign.id}")
    await staff.press("staff:area:x-02647")
    preview = staff.values_of("staff_preview")
    assert (preview["count"], preview["why"]) == (0, {"subscribers": 0, "other_topics": 0})

    await subscribe(router, services, "1", "x-02647")
    services.storage.write_sync(
        lambda db: subscriptions.set_topics(db, ChatKey("test", "1"), (other_topic,), services.clock())
    )
    await staff.send("/phatcanhbao")
    await staff.press(f"staff:camp:{campaign.id}")
    await staff.press("staff:area:x-02647")
    preview = staff.values_of("staff_preview")
    assert (preview["count"], preview["why"]) == (0, {"subscribers": 1, "other_topics": 1})
    await staff.press("staff:cancel")
    await subscribe(router, services, "2", "x-02647")
    await staff.send("/phatcanhbao")
    await staff.press(f"staff:camp:{campaign.id}")
    await staff.press("staff:area:x-02647")
    assert (staff.values_of("staff_preview")["count"], staff.values_of("staff_preview")["why"]) == (1, None)


async def test_this_weeks_campaign_says_whether_it_went_out(staff, router, services, settings, clock):
    from datetime import timedelta

    from bot.app.serve import schedule_broadcasts

    settings.weekly_day, settings.weekly_time = "wed", "08:00"
    await subscribe(router, services, "1", "x-02647")
    await staff.send("/phatcanhbao")
    assert staff.values_of("staff_start")["weekly"] == {"state": "due", "at": "08:00 25/11/2026"}
    assert staff.values_of("staff_start")["week"] == {"number": 48, "first": "23/11", "last": "29/11"}
    clock.now += timedelta(days=1)  # Wednesday 09:00, the bot not running at 08:00
    await staff.send("/phatcanhbao")
    assert staff.values_of("staff_start")["weekly"] == {"state": "late", "at": "08:00 25/11/2026"}
    await schedule_broadcasts(services)  # it runs again: this week's campaign goes out, late
    await staff.send("/phatcanhbao")
    weekly = staff.values_of("staff_start")["weekly"]
    assert (weekly["state"], weekly["at"], weekly["count"]) == ("sending", "08:00 25/11/2026", 1)


async def test_in_the_terminal_without_a_running_bot_staff_are_told_it_waits(staff, services):
    services.sending = lambda: False  # `canhgiac chat` while no `canhgiac run` serves the database
    await staff.send("/phatcanhbao")
    await staff.press("staff:write")
    await staff.send("Tin thử")
    await staff.press("staff:area:x-02647")
    await staff.press("staff:confirm")
    assert staff.values_of("staff_sent")["sending"] is False


def test_the_terminal_sees_whether_a_bot_serves_the_database(tmp_path):
    from bot.app.instance import served, serving

    db_path = tmp_path / "canhgiac.db"
    assert served(db_path) is False  # never served
    with serving(db_path):
        assert served(db_path) is True
    assert served(db_path) is False  # the lock went with the server


async def test_the_preview_states_how_long_and_at_a_paid_pace_how_many_stars(staff, router, services, settings):
    for n in range(3):
        await Chat(router, services, chat_id=f"5{n}", channel="telegram").press("sub:pick:x-02647")
    await subscribe(router, services, "60", "x-02674")  # another platform: its own pace, never paid
    settings.telegram_broadcast_per_second = 0.01  # free: 3 Telegram messages take 300 s
    await staff.send("/phatcanhbao")
    await staff.press(staff.choice_values[0])
    await staff.press("staff:area:mine")
    free = staff.values_of("staff_preview")
    assert (free["count"], free["hours"], free["minutes"], free["stars"]) == (4, 0, 5, None)

    settings.telegram_paid_broadcast, settings.telegram_paid_broadcast_per_second = True, 60
    settings.telegram_stars_per_paid_message = 10
    await staff.send("/phatcanhbao")
    await staff.press(staff.choice_values[0])
    await staff.press("staff:area:mine")
    paid = staff.values_of("staff_preview")
    # Half of 60/s is beyond Telegram's free 30/s: 3 messages × 1/2 × 10 Stars = 15. The other
    # platform's one message, at the free pace still (100 s), now sets the duration.
    assert paid["stars"] == 15 and "15" in staff.last[0].text
    assert (paid["hours"], paid["minutes"]) == (0, 2)
