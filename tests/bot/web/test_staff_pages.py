"""The staff's console pages: subscribers in scope, a broadcast composed with the chat's exact preview
and real count, sent through the real sender, scheduled, followed and cancelled; the calendar's
overrides, posters, the FAQ's gaps; scope and CSRF refused."""

from __future__ import annotations

import asyncio
import math
import re
from datetime import datetime, timedelta

import pytest

from bot import privacy
from bot.broadcast import broadcasts, campaigns, subscriptions
from bot.broadcast.sender import Sender
from bot.core.clock import VIETNAM, to_iso
from bot.core.messages import ChatKey
from bot.knowledge import gaps
from tests.bot.web.conftest import CAM_DUONG, LAO_CAI_WARD, STAFF, WARD_STAFF, login_for, sign_in_by_code
from tests.bot.web.test_console import assert_no_inline_code
from tests.conftest import Chat


@pytest.fixture(autouse=True)
def campaign_week(clock):
    """A Tuesday of the calendar's first week (2026-W48), so this week has a campaign."""
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)


def seed(services, people: dict[str, str], topics: dict[str, tuple] | None = None, stopped: tuple = ()) -> None:
    now = services.clock()

    def write(db):
        for chat, area in people.items():
            subscriptions.subscribe(db, ChatKey("telegram", chat), area, now, (topics or {}).get(chat, ()))
        for chat in stopped:
            subscriptions.stop(db, ChatKey("telegram", chat), "user", now)

    services.storage.write_sync(write)


async def signed_in(router, services, web, who: str = STAFF):
    login = await login_for(router, services, who)
    assert (await sign_in_by_code(web, login["code"])).status_code == 303
    home = await web.get("/")
    return re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)


def this_week(services):
    return services.library.campaigns.for_week(campaigns.iso_week(services.clock().astimezone(VIETNAM)))


async def created(services) -> list[broadcasts.Broadcast]:
    return await services.storage.read(lambda db: broadcasts.recent(db))


def enqueue_due(services) -> None:
    """What `canhgiac run`'s broadcast loop does each turn (bot/app/serve.py)."""
    now, renderer = services.clock(), services.broadcast_renderer()
    services.storage.write_sync(
        lambda db: [broadcasts.enqueue(db, due, renderer, now) for due in broadcasts.due(db, now)]
    )


async def test_home_links_the_staff_pages(router, services, web):
    await signed_in(router, services, web)
    home = await web.get("/")
    for path in ("/staff/compose", "/staff/subscribers", "/staff/calendar", "/staff/posters", "/staff/gaps"):
        assert f'href="{path}"' in home.text
        page = await web.get(path)
        assert page.status_code == 200
        assert_no_inline_code(page.text)


async def test_subscriber_counts_are_those_in_scope_only(router, services, web):
    seed(services, {"1": CAM_DUONG, "2": CAM_DUONG, "3": CAM_DUONG, "4": LAO_CAI_WARD, "5": LAO_CAI_WARD},
         topics={"2": ("job-scam",)}, stopped=("3",))  # fmt: skip
    await signed_in(router, services, web)
    page = await web.get("/staff/subscribers")
    assert page.status_code == 200
    assert re.search(r'<b id="total">(\d+)</b>', page.text).group(1) == "2"
    areas = services.library.areas
    assert areas.full_name(CAM_DUONG) in page.text and areas.full_name(LAO_CAI_WARD) not in page.text
    topic = services.content.texts("vi").labels("topics")["job-scam"]
    assert re.search(rf"<td>{re.escape(topic)}</td><td class=\"num\">1</td>", page.text)
    trend = re.search(r'<table class="figures" id="trend">.*?</table>', page.text, re.S).group(0)
    new = [int(n) for n in re.findall(r'<td class="num">(\d+)</td><td class="num">\d+</td></tr>', trend)]
    stopped = [int(n) for n in re.findall(r'<td class="num">(\d+)</td></tr>', trend)]
    assert len(new) == 12 and new[-1] == 3 and sum(new) == 3  # this week: the three of commune A
    assert stopped[-1] == 1 and sum(stopped) == 1
    assert "<svg" in page.text and 'role="img"' in page.text


async def test_the_preview_is_the_chats_and_the_count_is_what_the_sender_delivers(
    router, services, web, console_settings, monkeypatch
):
    seed(services, {"1": CAM_DUONG, "2": CAM_DUONG, "3": CAM_DUONG, "4": LAO_CAI_WARD},
         topics={"3": ("no-such-topic",)})  # fmt: skip
    campaign = this_week(services)
    assert campaign is not None
    chat = Chat(router, services, chat_id=STAFF)  # the same staff member in the chat
    await chat.send("/phatcanhbao")
    await chat.press(f"staff:camp:{campaign.id}")
    await chat.press(f"staff:area:{CAM_DUONG}")
    _, chat_body, _ = chat.last
    chat_count = chat.values_of("staff_preview")["count"]
    await chat.press("staff:cancel")

    csrf = await signed_in(router, services, web)
    form = {"csrf": csrf, "source": "week", "areas": [CAM_DUONG], "when": "now"}
    page = await web.post("/staff/compose", data={**form, "action": "preview"})
    assert page.status_code == 200
    assert f'<div class="message" id="message">{chat_body.text}</div>' in page.text
    count = int(re.search(r'id="count">[^<]*<b>(\d+)</b>', page.text).group(1))
    assert count == chat_count == 2  # chat 3 follows another topic only; chat 4 is in commune B
    assert await created(services) == []  # a preview creates nothing

    sent = await web.post("/staff/compose", data={**form, "action": "send"})
    assert sent.status_code == 303
    [broadcast] = await created(services)
    assert sent.headers["location"] == f"/staff/broadcasts/{broadcast.id}"
    assert broadcast.created_by == f"test:{STAFF}" and broadcast.areas == [CAM_DUONG]
    enqueue_due(services)
    delivered = []

    async def deliver(chat_id, replies):
        delivered.append((chat_id, replies[0].text))

    sender = Sender(services.storage, "telegram", deliver, rate=200, concurrency=2, clock=services.clock)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    for _ in range(200):
        if len(delivered) >= count:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # nothing more arrives
    stop.set()
    await asyncio.wait_for(task, 5)
    assert sorted(chat_id for chat_id, _ in delivered) == ["1", "2"]
    assert all(text == chat_body.text for _, text in delivered)
    progress = await web.get(f"/staff/broadcasts/{broadcast.id}/progress")
    assert re.search(r'id="sent">2<', progress.text) and re.search(r'id="queued">0<', progress.text)


async def test_own_words_scheduled_later_in_vietnam_time(router, services, web, clock):
    seed(services, {"1": CAM_DUONG})
    csrf = await signed_in(router, services, web)
    tomorrow = (clock() + timedelta(days=1)).astimezone(VIETNAM)
    form = {"csrf": csrf, "source": "text", "text": "Họp tổ <b>tối nay</b>", "areas": [CAM_DUONG], "when": "later",
            "date": tomorrow.date().isoformat(), "time": "08:30", "action": "send"}  # fmt: skip
    assert (await web.post("/staff/compose", data=form)).status_code == 303
    [broadcast] = await created(services)
    assert broadcast.status == "scheduled" and broadcasts.local_time(broadcast.scheduled_for).startswith("08:30 ")
    assert broadcast.text == "Họp tổ <b>tối nay</b>"
    enqueue_due(services)  # not due yet
    assert (await created(services))[0].status == "scheduled"


@pytest.mark.parametrize(
    ("days", "clock_time", "problem"),
    [(0, "-1h", "when_past"), (-1, "08:00", "when_past"), (120, "08:00", "when_far"), (1, "25:99", "when_unclear")],
)
async def test_a_time_in_the_past_or_unreadable_is_refused_with_its_reason(
    router, services, web, clock, days, clock_time, problem
):
    csrf = await signed_in(router, services, web)
    now = clock().astimezone(VIETNAM)
    day = (now + timedelta(days=days)).date().isoformat()
    if clock_time == "-1h":
        clock_time = (now - timedelta(hours=1)).strftime("%H:%M")
    form = {"csrf": csrf, "source": "text", "text": "x", "areas": [CAM_DUONG], "when": "later", "date": day,
            "time": clock_time, "action": "send"}  # fmt: skip
    page = await web.post("/staff/compose", data=form)
    assert page.status_code == 400 and f'data-problem="{problem}"' in page.text
    assert await created(services) == []


async def test_commune_a_cannot_target_or_see_commune_b(router, services, web_app, web):
    from tests.bot.web.conftest import browser

    async with browser(web_app) as other:
        csrf_b = await signed_in(router, services, other, WARD_STAFF)
        sent = await other.post("/staff/compose", data={"csrf": csrf_b, "source": "text", "text": "B", "when": "now",
                                                         "areas": [LAO_CAI_WARD], "action": "send"})  # fmt: skip
        assert sent.status_code == 303
    [of_b] = await created(services)
    csrf = await signed_in(router, services, web)
    target = await web.post("/staff/compose", data={"csrf": csrf, "source": "text", "text": "A", "when": "now",
                                                     "areas": [LAO_CAI_WARD], "action": "send"})  # fmt: skip
    assert target.status_code == 403 and len(await created(services)) == 1
    assert (await web.get(f"/staff/broadcasts/{of_b.id}")).status_code == 403
    assert (await web.get(f"/staff/broadcasts/{of_b.id}/progress")).status_code == 403
    assert (await web.post(f"/staff/broadcasts/{of_b.id}/cancel", data={"csrf": csrf})).status_code == 403
    assert f"/staff/broadcasts/{of_b.id}" not in (await web.get("/staff/broadcasts")).text
    week = campaigns.iso_week(services.clock().astimezone(VIETNAM))
    override = await web.post("/staff/calendar", data={"csrf": csrf, "area": LAO_CAI_WARD, "week": week,
                                                        "campaign": "skip"})  # fmt: skip
    assert override.status_code == 403
    assert (await web.get(f"/staff/posters/{LAO_CAI_WARD}.png")).status_code == 403
    assert (await web.get(f"/staff/qr/{LAO_CAI_WARD}.svg")).status_code == 403
    assert (await created(services))[0].status == "scheduled"


async def test_police_without_the_staff_role_get_403(router, services, web):
    from tests.bot.web.conftest import OFFICER

    await signed_in(router, services, web, OFFICER)
    assert (await web.get("/staff/compose")).status_code == 403


async def test_cancel_stops_a_sending_broadcast(router, services, web):
    seed(services, {str(n): CAM_DUONG for n in range(10)})
    csrf = await signed_in(router, services, web)
    form = {"csrf": csrf, "source": "text", "text": "x", "areas": [CAM_DUONG], "when": "now", "action": "send"}
    await web.post("/staff/compose", data=form)
    enqueue_due(services)
    [broadcast] = await created(services)
    assert broadcast.status == "sending"
    page = await web.get(f"/staff/broadcasts/{broadcast.id}")
    assert 'hx-trigger="every 2s"' in page.text and re.search(r'id="queued">10<', page.text)
    assert (await web.post(f"/staff/broadcasts/{broadcast.id}/cancel", data={})).status_code == 403  # no CSRF
    done = await web.post(f"/staff/broadcasts/{broadcast.id}/cancel", data={"csrf": csrf})
    assert done.status_code == 303
    [broadcast] = await created(services)
    assert broadcast.status == "cancelled"
    state = await services.storage.read(lambda db: broadcasts.progress(db, broadcast.id))
    assert state.counts == {"cancelled": 10}
    fragment = await web.get(f"/staff/broadcasts/{broadcast.id}/progress")
    assert 'data-status="cancelled"' in fragment.text and "hx-trigger" not in fragment.text  # polling stops


async def test_an_override_is_saved_and_cleared(router, services, web):
    csrf = await signed_in(router, services, web)
    week = campaigns.iso_week(services.clock().astimezone(VIETNAM))
    other = next(c for c in services.library.campaigns.by_id.values() if c.id != this_week(services).id)
    saved = await web.post("/staff/calendar", data={"csrf": csrf, "area": CAM_DUONG, "week": week,
                                                     "campaign": other.id})  # fmt: skip
    assert saved.status_code == 303

    def override(db):
        return campaigns.override_for(db, [CAM_DUONG], week)

    assert await services.storage.read(override) == other.id
    page = await web.get("/staff/calendar?saved=1")
    assert 'id="saved"' in page.text and f'id="week-{week}"' in page.text
    no_csrf = {"area": CAM_DUONG, "week": week, "campaign": ""}
    assert (await web.post("/staff/calendar", data=no_csrf)).status_code == 403
    await web.post("/staff/calendar", data={"csrf": csrf, "area": CAM_DUONG, "week": week, "campaign": ""})
    assert await services.storage.read(override) is None


async def test_posters_and_qr_codes_download(router, services, web):
    await signed_in(router, services, web)
    pdf = await web.get(f"/staff/posters/{CAM_DUONG}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    svg = await web.get(f"/staff/qr/{CAM_DUONG}.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content


async def test_a_gap_group_is_marked_handled_and_hidden(router, services, web, clock):
    def ask(db, text):
        db["faq_gaps"].insert({"asked_at": to_iso(clock()), "text": text, "normalized": text, "outcome": "none",
                               "best_faq_id": None, "score": 0.0})  # fmt: skip

    services.storage.write_sync(lambda db: [ask(db, "con meo bay"), ask(db, "con meo bay"), ask(db, "xe buyt may gio")])
    csrf = await signed_in(router, services, web)
    page = await web.get("/staff/gaps")
    assert page.text.count('action="/staff/gaps"') == 2
    assert (await web.post("/staff/gaps", data={"key": "con meo bay"})).status_code == 403  # no CSRF
    assert (await web.post("/staff/gaps", data={"csrf": csrf, "key": "con meo bay"})).status_code == 303
    handled = await services.storage.read(gaps.reviews)
    assert set(handled) == {"con meo bay"}
    by = await services.storage.read(lambda db: db.execute("SELECT handled_by FROM faq_gap_reviews").fetchall())
    assert by == [(f"test:{STAFF}",)]
    services.storage.write_sync(lambda db: privacy.erase_chat(db, ChatKey("test", STAFF)))  # their /xoadulieu
    assert await services.storage.read(gaps.reviews) == handled  # still handled, by nobody named
    by = await services.storage.read(lambda db: db.execute("SELECT handled_by FROM faq_gap_reviews").fetchall())
    assert by == [("",)]
    csrf = await signed_in(router, services, web)  # erasure ended the session too
    page = await web.get("/staff/gaps")
    assert page.text.count('action="/staff/gaps"') == 1 and 'id="show-all"' in page.text
    assert "con meo bay" in (await web.get("/staff/gaps?all=1")).text
    clock.advance(minutes=5)
    services.storage.write_sync(lambda db: ask(db, "con meo bay"))  # asked again: back in the list
    assert (await web.get("/staff/gaps")).text.count('action="/staff/gaps"') == 2


async def test_every_staff_form_refuses_a_missing_csrf(router, services, web):
    await signed_in(router, services, web)
    form = {"source": "text", "text": "x", "areas": [CAM_DUONG], "when": "now", "action": "send"}
    assert (await web.post("/staff/compose", data=form)).status_code == 403
    assert await created(services) == []


async def test_own_words_about_one_topic_skip_those_who_chose_others(router, services, web):
    seed(services, {"1": CAM_DUONG, "2": CAM_DUONG, "3": CAM_DUONG},
         topics={"2": ("job-scam",), "3": ("loan-shark",)})  # fmt: skip
    csrf = await signed_in(router, services, web)
    form = {"csrf": csrf, "source": "text", "text": "Việc nhẹ lương cao", "topic": "job-scam", "areas": [CAM_DUONG],
            "when": "now"}  # fmt: skip
    page = await web.post("/staff/compose", data={**form, "action": "preview"})
    assert int(re.search(r'id="count">[^<]*<b>(\d+)</b>', page.text).group(1)) == 2  # 1 (every topic) and 2
    await web.post("/staff/compose", data={**form, "action": "send"})
    [broadcast] = await created(services)
    assert broadcast.topic == "job-scam"
    enqueue_due(services)
    state = await services.storage.read(lambda db: broadcasts.progress(db, broadcast.id))
    assert state.total == 2
    unknown = await web.post("/staff/compose", data={**form, "topic": "no-such", "action": "preview"})
    assert unknown.status_code == 400 and 'data-problem="topic"' in unknown.text


async def test_the_preview_says_how_long_it_takes_and_what_a_paid_pace_costs(router, services, web, settings):
    seed(services, {str(n): CAM_DUONG for n in range(1, 1201)})  # 1,200 people on Telegram
    csrf = await signed_in(router, services, web)
    form = {"csrf": csrf, "source": "text", "text": "Cảnh báo", "areas": [CAM_DUONG], "when": "now",
            "action": "preview"}  # fmt: skip
    free = (await web.post("/staff/compose", data=form)).text
    assert re.search(r'id="duration" data-seconds="60"', free)  # 1,200 at 20 a second: one minute
    assert 'id="stars"' not in free
    settings.telegram_paid_broadcast = True  # 1,000 a second, paid beyond the free 30
    paid = (await web.post("/staff/compose", data=form)).text
    assert re.search(r'id="duration" data-seconds="0"', paid)  # under a minute
    stars = int(re.search(r'id="stars" data-stars="(\d+)"', paid).group(1))
    assert stars == math.ceil(1200 * (1 - 30 / 1000) * 0.1)
