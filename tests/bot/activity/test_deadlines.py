"""The reporting calendar and its reminders: preloaded from content, editable, and each reminder
queued once, N days before, through the outbox: never twice, across a restart too."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.activity import deadlines
from bot.app.serve import remind_deadlines
from bot.core import outbox, paths
from bot.core.clock import VIETNAM
from bot.services import build_services

NOW = datetime(2026, 12, 1, tzinfo=UTC)
STAFF = ["7002=x-02647", "zalo:abc=t-15"]  # two staff members, on two channels


def presets():
    return deadlines.presets_in(paths.content_dir())


def test_the_shipped_presets_are_the_dates_the_directives_give():
    days = {(p.kind, p.day, p.month) for p in presets()}
    assert days == {
        ("quarter", 21, 3), ("quarter", 21, 6), ("quarter", 21, 9), ("quarter", 21, 12),
        ("campaign", 27, 10), ("campaign", 27, 11), ("campaign", 28, 12),
    }  # fmt: skip


def test_presets_load_once_and_never_undo_an_edit(services):
    storage = services.storage
    assert storage.write_sync(lambda db: deadlines.load_presets(db, presets(), NOW)) == 7
    [q1] = [d for d in storage.read_sync(deadlines.all_deadlines) if d.key == "quarter-1"]
    storage.write_sync(lambda db: deadlines.edit(db, q1.id, actor="cli", now=NOW, day=20, active=False))
    assert storage.write_sync(lambda db: deadlines.load_presets(db, presets(), NOW)) == 0
    again = storage.read_sync(lambda db: deadlines.get(db, q1.id))
    assert (again.day, again.active) == (20, False)


def test_upcoming_wraps_the_year_and_skips_what_is_off(services):
    storage = services.storage
    storage.write_sync(lambda db: deadlines.load_presets(db, presets(), NOW))
    added = storage.write_sync(
        lambda db: deadlines.add(db, kind="half", month=1, day=10, year=2027, note="6 tháng", actor="cli", now=NOW)
    )
    due = storage.read_sync(lambda db: deadlines.upcoming(db, date(2026, 12, 22), 120))
    assert [(d.on, d.deadline.kind) for d in due] == [
        (date(2026, 12, 28), "campaign"), (date(2027, 1, 10), "half"), (date(2027, 3, 21), "quarter"),
    ]  # fmt: skip
    storage.write_sync(lambda db: deadlines.edit(db, added, actor="cli", now=NOW, active=False))
    assert storage.read_sync(lambda db: deadlines.upcoming(db, date(2027, 1, 1), 30)) == []


@pytest.mark.parametrize(
    ("kind", "month", "day", "year", "problem"),
    [("party", 3, 21, None, "kind"), ("other", 2, 30, None, "day"), ("other", 2, 29, 2027, "day"),
     ("other", 13, 1, None, "day"), ("other", 2, 29, None, None), ("other", 1, 1, 1999, "year")],
)  # fmt: skip
def test_check(kind, month, day, year, problem):
    assert deadlines.check(kind, month, day, year) == problem


def test_a_leap_day_deadline_falls_on_the_28th_in_other_years():
    leap = deadlines.Deadline(1, "k", "other", 2, 29, None, "", True)
    assert leap.on(2027) == date(2027, 2, 28) and leap.on(2028) == date(2028, 2, 29)


def _queued(storage):
    return storage.read_sync(lambda db: [(p.channel, p.chat_id) for p in outbox.pending(db, ["telegram", "zalo"])])


async def test_reminders_go_once_n_days_before_to_every_staff_member(settings, clock, library, values):
    services = build_services(settings, clock=clock, library=library)
    settings.staff_ids = [*STAFF, "9999"]  # a bare staff id holds no area yet: not reminded
    settings.deadline_reminder_days = 3
    clock.now = datetime(2026, 12, 17, 9, 0, tzinfo=VIETNAM)  # 4 days before 21/12
    assert await remind_deadlines(services) == 0
    clock.now = datetime(2026, 12, 18, 7, 59, tzinfo=VIETNAM)  # 3 days before, before the hour
    assert await remind_deadlines(services) == 0
    clock.now = datetime(2026, 12, 18, 8, 0, tzinfo=VIETNAM)
    assert await remind_deadlines(services) == 2
    assert sorted(_queued(services.storage)) == [("telegram", "7002"), ("zalo", "abc")]
    [given] = values("deadline_reminder")
    assert given == {"note": "Báo cáo quý IV", "kind": "quarter", "on": "21/12/2026", "days": 3}
    assert await remind_deadlines(services) == 0  # the job runs again: nothing more
    clock.advance(days=1)
    assert await remind_deadlines(services) == 0  # the next day, still inside the window
    # A restart: new services on the same database file.
    services.close()
    restarted = build_services(settings, clock=clock, library=library)
    try:
        assert await remind_deadlines(restarted) == 0
        assert len(_queued(restarted.storage)) == 2
        clock.now = datetime(2026, 12, 25, 8, 30, tzinfo=VIETNAM)  # 3 days before 28/12
        assert await remind_deadlines(restarted) == 2
        assert await remind_deadlines(restarted) == 0
        clock.now = datetime(2027, 12, 18, 8, 30, tzinfo=VIETNAM)  # next year's 21/12: its own reminder
        assert await remind_deadlines(restarted) == 2
    finally:
        restarted.close()


async def test_with_no_staff_nothing_is_marked_so_one_named_later_hears(services, settings, clock):
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=VIETNAM)
    assert await remind_deadlines(services) == 0
    settings.staff_ids = ["7002=x-02647"]
    assert await remind_deadlines(services) == 1


async def test_a_deadline_turned_off_is_not_reminded(services, settings, clock):
    settings.staff_ids = ["7002=x-02647"]
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=VIETNAM)
    storage = services.storage
    storage.write_sync(lambda db: deadlines.load_presets(db, presets(), clock.now))
    [q4] = [d for d in storage.read_sync(deadlines.all_deadlines) if d.key == "quarter-4"]
    storage.write_sync(lambda db: deadlines.edit(db, q4.id, actor="cli", now=clock.now, active=False))
    assert await remind_deadlines(services) == 0


@pytest.mark.parametrize(
    "text",
    [
        "- a list",
        "deadlines: {key: q}",
        "deadlines: [just text]",
        "deadlines: [{key: q, kind: quarter}]",
        "deadlines: [{key: q, kind: quarter, date: 30/2}]",
        "deadlines: [{key: q, kind: party, date: 21/3}]",
        "deadlines: [{key: q, kind: quarter, date: mai}]",
        "deadlines: [{key: q, kind: quarter, date: 21/3}, {key: q, kind: quarter, date: 21/6}]",
    ],
)
def test_a_bad_presets_file_is_one_clear_error(tmp_path, text):
    (tmp_path / "deadlines.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="deadlines.yaml"):
        deadlines.presets_in(tmp_path)
    assert deadlines.presets_in(tmp_path / "none") == []


async def test_the_loop_of_canhgiac_run_queues_them_and_stops(services, settings, clock):
    import asyncio

    from bot.app import serve

    settings.staff_ids = ["7002=x-02647"]
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=VIETNAM)
    stop = asyncio.Event()
    loop = asyncio.create_task(serve._deadline_loop(services, stop))
    for _ in range(500):
        if _queued(services.storage):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, 5)
    assert _queued(services.storage) == [("telegram", "7002")]


async def test_reminders_go_to_the_staff_of_the_areas_a_deadline_applies_to(services, settings, clock):
    """A province's deadline reaches its own and its communes' staff; a commune's only that
    commune's; a national one hidden by a province reaches nobody inside it."""
    from bot.activity import scope

    settings.staff_ids = ["7002=x-02647", "7003=t-15", "7004=x-02746", "7005=t-11"]  # Lào Cai ×2, Điện Biên ×2
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=VIETNAM)
    storage, areas = services.storage, services.library.areas
    province, commune = scope.reach(areas, ["t-15"]), scope.reach(areas, ["x-02647"])

    def setup(db):
        deadlines.load_presets(db, presets(), clock.now)
        [q4] = [d for d in deadlines.all_deadlines(db) if d.key == "quarter-4"]  # due 21/12
        deadlines.hide(db, province, q4.id, actor="test:7003", now=clock.now)
        deadlines.add_for(db, province, area_code="t-15", kind="half", month=12, day=20, year=None,
                          note="6 tháng tỉnh", actor="test:7003", now=clock.now)  # fmt: skip
        deadlines.add_for(db, commune, area_code="x-02647", kind="month", month=12, day=19, year=2026,
                          note="tháng xã", actor="test:7002", now=clock.now)  # fmt: skip

    storage.write_sync(setup)
    assert await remind_deadlines(services) == 3 + 2  # the commune's (1), the province's (2), Q4 in Điện Biên (2)
    sent = storage.read_sync(lambda db: [(p.chat_id, p.text) for p in outbox.pending(db, ["telegram"])])
    by_chat: dict[str, list[str]] = {}
    for chat_id, text in sent:
        by_chat.setdefault(chat_id, []).append(text)
    assert sorted(by_chat) == ["7002", "7003", "7004", "7005"]
    assert len(by_chat["7002"]) == 2 and len(by_chat["7003"]) == 1  # 7002: commune's + province's; Q4 hidden
    assert len(by_chat["7004"]) == 1 and len(by_chat["7005"]) == 1  # Điện Biên: only the national Q4


def test_scoped_writes_refuse_what_is_not_theirs_and_what_is_gone(services, clock):
    from bot.activity import scope
    from bot.activity.scope import Refused

    areas, now = services.library.areas, NOW
    commune, other = scope.reach(areas, ["x-02647"]), scope.reach(areas, ["t-11"])

    def run(db):
        deadlines.load_presets(db, presets(), now)
        mine = deadlines.add_for(db, commune, area_code="x-02647", kind="other", month=5, day=1, year=None,
                                 note="hạn xã", actor="a", now=now)  # fmt: skip
        preset = next(d for d in deadlines.all_deadlines(db) if d.preset)
        refusals = []
        for attempt in (
            lambda: deadlines.add_for(db, commune, area_code="t-15", kind="other", month=5, day=1, year=None,
                                      note="x", actor="a", now=now),  # the province above: not theirs
            lambda: deadlines.add_for(db, commune, area_code=None, kind="other", month=5, day=1, year=None,
                                      note="x", actor="a", now=now),  # national: admins only
            lambda: deadlines.add_for(db, commune, area_code="x-02647", kind="other", month=2, day=30, year=None,
                                      note="x", actor="a", now=now),
            lambda: deadlines.add_for(db, commune, area_code="x-02647", kind="other", month=5, day=1, year=None,
                                      note="😀 <>", actor="a", now=now),
            lambda: deadlines.change(db, other, mine, actor="a", now=now, note="y"),
            lambda: deadlines.remove(db, other, mine),
            lambda: deadlines.remove(db, scope.EVERYWHERE, preset.id),
            lambda: deadlines.hide(db, commune, mine, actor="a", now=now),
            lambda: deadlines.remove(db, commune, 999999),
            lambda: deadlines.show(db, commune, 999999, actor="a", now=now),
        ):  # fmt: skip
            try:
                attempt()
            except Refused as refused:
                refusals.append(refused.reason)
        return refusals

    assert storage_run(services, run) == [
        "scope", "scope", "day", "title", "scope", "scope", "preset", "scope", "gone", "gone",
    ]  # fmt: skip


def storage_run(services, act):
    return services.storage.write_sync(act)
