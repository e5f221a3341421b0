"""The activity log's figures, computed on fixture rows of a real SQLite file: what the periodic
document reads (`summary`, `coverage`), each checked against counts done by hand here."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.activity import log, notes, periods, targets
from bot.core.storage import Storage

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
LAO_CAI, CAM_DUONG, OTHER = "x-02647", "x-02674", "x-02746"
# (area, kind, day, village as typed, people)
ROWS = [
    (LAO_CAI, "meeting", date(2026, 10, 1), "Thôn Nà Phạ", 40),  # first day of Q4
    (LAO_CAI, "meeting", date(2026, 11, 15), "na pha", 35),  # the same village, typed differently
    (LAO_CAI, "meeting", date(2026, 12, 31), "TDP 3", 20),  # last day of Q4
    (LAO_CAI, "loudspeaker", date(2026, 11, 2), "tổ dân phố 3", 900),  # "tdp 3" again
    (LAO_CAI, "poster", date(2026, 11, 3), "bản Cốc Lếu", 120),
    (LAO_CAI, "meeting", date(2026, 9, 30), "thôn Xuân Quang", 60),  # Q3: outside
    (CAM_DUONG, "school", date(2026, 11, 20), "Trường THCS Cam Đường", 300),
    (CAM_DUONG, "contest", date(2026, 12, 5), "thôn 1", 80),
    (OTHER, "company", date(2026, 11, 20), "Khu công nghiệp", 150),
]


@pytest.fixture
def db(tmp_path):
    storage = Storage(tmp_path / "activity.db")

    def fill(db):
        for area, kind, day, village, people in ROWS:
            log.record(db, area_code=area, kind=kind, held_on=day, village=village, people=people, note=None,
                       recorded_by="test:7002", now=NOW)  # fmt: skip

    storage.write_sync(fill)
    yield storage
    storage.close()


def test_village_names_fold_to_one_key():
    assert log.village_key("Thôn Nà Phạ") == log.village_key("na pha") == "na pha"
    assert log.village_key("TDP 3") == log.village_key("tổ dân phố 3") == log.village_key("Tổ 3") == "3"
    assert log.village_key("Thôn") == "thon"  # a level word alone is a name, not nothing
    assert log.village_key("😀 <b>") == "b" and log.village_key("😀!!") == ""


def test_summary_per_area_and_kind_over_a_quarter(db):
    q4 = periods.parse("2026-Q4")
    got = db.read_sync(lambda d: log.summary(d, q4.start, q4.end, None))
    assert got == [
        log.ActivityCount(LAO_CAI, "meeting", 3, 95),
        log.ActivityCount(LAO_CAI, "loudspeaker", 1, 900),
        log.ActivityCount(LAO_CAI, "poster", 1, 120),
        log.ActivityCount(CAM_DUONG, "school", 1, 300),
        log.ActivityCount(CAM_DUONG, "contest", 1, 80),
        log.ActivityCount(OTHER, "company", 1, 150),
    ]
    # The same by hand from the fixture, for every area: sessions and people.
    for area in (LAO_CAI, CAM_DUONG, OTHER):
        rows = [r for r in ROWS if r[0] == area and q4.start <= r[2] <= q4.end]
        counts = [c for c in got if c.area_code == area]
        assert sum(c.sessions for c in counts) == len(rows) and sum(c.people for c in counts) == sum(r[4] for r in rows)


def test_summary_of_some_areas_a_month_and_none(db):
    november = periods.parse("2026-11")
    got = db.read_sync(lambda d: log.summary(d, november.start, november.end, [CAM_DUONG]))
    assert got == [log.ActivityCount(CAM_DUONG, "school", 1, 300)]
    assert db.read_sync(lambda d: log.summary(d, november.start, november.end, [])) == []
    empty = periods.parse("2025")
    assert db.read_sync(lambda d: log.summary(d, empty.start, empty.end, None)) == []


def test_coverage_counts_each_village_once_against_the_target(db):
    q4 = periods.parse("2026-Q4")
    # No target yet: villages reached only.
    first = db.read_sync(lambda d: log.coverage(d, q4.start, q4.end, LAO_CAI))
    assert (first.villages_reached, first.villages, first.share, first.met) == (3, None, None, None)
    db.write_sync(lambda d: targets.set_target(d, LAO_CAI, 4, 0.8, "test:7002", NOW))
    got = db.read_sync(lambda d: log.coverage(d, q4.start, q4.end, LAO_CAI))
    assert (got.villages_reached, got.villages, got.target_share) == (3, 4, 0.8)
    assert got.share == pytest.approx(0.75) and got.met is False
    db.write_sync(lambda d: targets.set_target(d, LAO_CAI, 3, 0.8, "test:7002", NOW))  # set again: replaced
    assert db.read_sync(lambda d: log.coverage(d, q4.start, q4.end, LAO_CAI)).met is True
    q3 = periods.parse("2026-Q3")
    assert db.read_sync(lambda d: log.coverage(d, q3.start, q3.end, LAO_CAI)).villages_reached == 1


def test_bad_values_are_refused_at_the_write(db):
    for bad in ({"kind": "party"}, {"people": 0}, {"people": log.MAX_PEOPLE + 1}, {"village": "!!"}):
        values = {"area_code": LAO_CAI, "kind": "meeting", "held_on": date(2026, 11, 1), "village": "thôn 1",
                  "people": 5, "note": None, "recorded_by": "x", "now": NOW} | bad  # fmt: skip
        with pytest.raises(ValueError):
            db.write_sync(lambda d, values=values: log.record(d, **values))
    for villages, share in ((0, 0.5), (10, 0), (10, 1.5), (targets.MAX_VILLAGES + 1, 0.5)):
        with pytest.raises(ValueError):
            db.write_sync(lambda d, v=villages, s=share: targets.set_target(d, LAO_CAI, v, s, "x", NOW))


def test_sections_per_period_and_area(db):
    assert db.read_sync(lambda d: notes.sections(d, "2026-Q4", LAO_CAI)) == {"difficulties": "", "recommendations": ""}
    db.write_sync(lambda d: notes.set_section(d, "2026-Q4", LAO_CAI, "difficulties", " thiếu loa ", "a", NOW))
    db.write_sync(lambda d: notes.set_section(d, "2026-Q4", LAO_CAI, "recommendations", "x" * 5000, "a", NOW))
    got = db.read_sync(lambda d: notes.sections(d, "2026-Q4", LAO_CAI))
    assert got == {"difficulties": "thiếu loa", "recommendations": "x" * notes.MAX_TEXT}
    assert db.read_sync(lambda d: notes.sections(d, "2026-Q3", LAO_CAI))["difficulties"] == ""
    db.write_sync(lambda d: notes.set_section(d, "2026-Q4", LAO_CAI, "difficulties", "", "a", NOW))
    assert db.read_sync(lambda d: notes.sections(d, "2026-Q4", LAO_CAI))["difficulties"] == ""
    with pytest.raises(ValueError):
        db.write_sync(lambda d: notes.set_section(d, "2026-Q4", LAO_CAI, "summary", "x", "a", NOW))


def test_forgetting_a_staff_member_keeps_the_counts_unsigned(db):
    from bot import privacy
    from bot.core.messages import ChatKey

    db.write_sync(lambda d: notes.set_section(d, "2026-Q4", LAO_CAI, "difficulties", "x", "test:7002", NOW))
    db.write_sync(lambda d: privacy.erase_chat(d, ChatKey("test", "7002")))
    signed = db.read_sync(
        lambda d: d.execute("SELECT COUNT(*) FROM activity_log WHERE recorded_by != ''").fetchone()[0]
    )
    assert signed == 0 and db.read_sync(lambda d: d["activity_log"].count) == len(ROWS)
    assert db.read_sync(lambda d: next(d["activity_notes"].rows)["updated_by"]) == ""


def test_forgetting_a_staff_member_keeps_the_audit_and_hidings_unsigned(db):
    from bot import privacy
    from bot.activity import changes, deadlines, scope
    from bot.core.messages import ChatKey

    reach = scope.Reach(("t-15",), (("t-15",),), frozenset({"t-15", LAO_CAI, CAM_DUONG}))

    def act(d):
        first = log.recent(d, [LAO_CAI], limit=1)[0]
        log.change(d, reach, first.id, actor="test:7002", now=NOW, people=41)
        national = deadlines.add(d, kind="other", month=1, day=2, year=None, note="x", actor="cli", now=NOW)
        deadlines.hide(d, reach, national, actor="test:7002", now=NOW)
        privacy.erase_chat(d, ChatKey("test", "7002"))
        return first.id, national

    first, national = db.write_sync(act)
    [change] = db.read_sync(lambda d: changes.of_activity(d, first))
    assert (change.changed_by, change.people_before, change.people_after) == ("", 20, 41)  # the latest held: 31/12
    assert db.read_sync(deadlines.hidden_for) == {national: {"t-15"}}  # still hidden, by no one named
    assert db.read_sync(lambda d: next(d["deadline_hidden"].rows)["hidden_by"]) == ""
