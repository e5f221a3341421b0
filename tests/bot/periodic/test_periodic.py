"""Periodic reports: every figure equals its count over a fixture database filled through the
owners' functions, and the Word document and XLSX annex, opened back, hold those figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import docx
import openpyxl
import pytest

from bot.activity import log, notes, targets
from bot.app.serve import housekeeping
from bot.broadcast import broadcasts, deliveries, subscriptions
from bot.core import tally
from bot.core.messages import ChatKey
from bot.core.outbox import Failure
from bot.identifiers import parse_identifier
from bot.knowledge import gaps
from bot.periodic import build, document, figures, periods
from bot.periodic.inputs import ActivityCount
from bot.reporting import reports

PROVINCE, A, B, ELSEWHERE = "t-15", "x-02647", "x-02839", "x-00004"  # Lào Cai, two of its communes; Hà Nội
TODAY = date(2026, 12, 31)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


def chat(n: int) -> ChatKey:
    return ChatKey("test", str(n))


def _draft(value: str, area: str, **fields) -> reports.Draft:
    defaults = {"what": "call", "via": "phone_call", "claimed_topic": "fake-authority-call", "happened": "today"}
    return reports.Draft(identifier=parse_identifier(value), area_code=area, **{**defaults, **fields})


@pytest.fixture
def filled(services, library):
    """A province's quarter: subscriptions, a broadcast, usage counts, reports, a decision, gaps."""
    areas = library.areas
    renderer = broadcasts.Renderer(library.content.texts("vi"), areas, library.campaigns)
    matcher = library.matcher_for("vi")

    def fill(db):
        subscriptions.subscribe(db, chat(1), A, at("2026-09-20"))  # before the quarter
        subscriptions.subscribe(db, chat(2), A, at("2026-10-05"))
        subscriptions.subscribe(db, chat(3), A, at("2026-11-10"))
        subscriptions.stop(db, chat(3), "user", at("2026-11-20"))
        subscriptions.subscribe(db, chat(4), B, at("2026-12-01"))
        subscriptions.subscribe(db, chat(5), ELSEWHERE, at("2026-10-10"))
        bid = broadcasts.create(db, created_by="staff", now=at("2026-10-15"), text="Cảnh báo", areas=[])
        broadcasts.enqueue(db, broadcasts.get(db, bid), renderer, at("2026-10-15"))  # chats 1, 2, 4 and 5
        sent = deliveries.claim(db, "test", at("2026-10-15", 11), busy=())
        deliveries.record_sent(db, sent.id, at("2026-10-15", 11))
        blocked = deliveries.claim(db, "test", at("2026-10-15", 11), busy=())
        deliveries.record_failure(db, blocked.id, Failure("blocked", 1, "", "blocked"))
        for day, kind, outcome, topic, area, times in (
            ("2026-10-02", "check", "high", "", A, 3),
            ("2026-10-02", "check", "low", "", A, 2),
            ("2026-11-03", "check", "medium", "", B, 1),
            ("2026-11-03", "message_check", "high", "job-scam", B, 2),
            ("2026-12-04", "question", "answered", "job-scam", A, 4),
            ("2026-12-04", "question", "unanswered", "", A, 1),
            ("2026-12-05", "quiz", "4/5", "", A, 2),
            ("2026-12-05", "quiz", "2/5", "", B, 1),
            ("2026-12-05", "check", "high", "", "", 7),  # no known area: in no area's report
            ("2026-12-05", "check", "high", "", ELSEWHERE, 5),
            ("2026-09-30", "check", "high", "", A, 9),  # before the quarter
        ):
            for _ in range(times):
                tally.count(db, kind, outcome, at(day), topic=topic, area_code=area)
        first = reports.file(db, _draft("0912345678", A, amount_lost=5_000_000), chat(1), at("2026-10-03"))
        reports.file(db, _draft("0912 345 678", A, amount_lost=1_000_000), chat(2), at("2026-10-04"))
        reports.file(db, _draft("http://vietcombank-xacthuc.com", B, what="link", via="website",
                                claimed_topic="phishing-link"), chat(4), at("2026-11-05"))  # fmt: skip
        reports.file(db, _draft("0987654321", A), chat(1), at("2026-09-01"))  # before
        reports.file(db, _draft("0987654322", ELSEWHERE), chat(5), at("2026-10-08"))  # elsewhere
        reports.decide(db, first.identifier_id, "confirmed", note=None, actor="police", now=at("2026-10-06"),
                       notice=lambda ref, status: "x")  # fmt: skip
        for text in ("mai hà nội có mưa không", "ngày mai hà nội có mưa không"):
            gaps.record(db, text, matcher.match(text), at("2026-11-11"))

    services.storage.write_sync(fill)
    return services


def _sql(services, query: str, *params):
    return services.storage.read_sync(lambda db: db.execute(query, params).fetchone()[0])


def test_every_figure_equals_its_count(filled, library):
    period = periods.parse("2026-Q4", TODAY)
    f = filled.storage.read_sync(lambda db: figures.compute(db, library.areas, PROVINCE, period))
    start, end = period.start, period.end
    assert A in f.communes and B in f.communes and len(f.communes) == len(library.areas.get(PROVINCE).children)
    # subscribers: new 2 in A (Oct, Nov) and 1 in B; one stopped; active at the end: A 2, B 1
    assert (f.total("subscribers.new", area=A), f.total("subscribers.new", area=B)) == (2, 1)
    assert f.total("subscribers.stopped") == 1 and f.subscribers == {A: 2, B: 1} and f.subscribers_total == 3
    # the broadcast went to chats 1, 2 (A) and 4 (B) in the province (5 is elsewhere): 1 delivered,
    # 1 blocked, 1 not sent yet (enqueued after every subscription above was written)
    assert f.broadcasts_sent == 1 and f.total("deliveries") == 3 and f.total("deliveries.pending") == 1
    assert (f.total("deliveries.delivered"), f.total("deliveries.blocked"), f.total("deliveries.failed")) == (1, 1, 0)
    assert f.total("deliveries") == _sql(filled, "SELECT count(*) FROM deliveries WHERE area_code IN (?, ?)", A, B)
    # usage counters: only the province's, only the quarter's
    assert (f.total("check"), f.total("check.high"), f.total("check.medium"), f.total("check.low")) == (6, 3, 1, 2)
    assert f.total("check", area=A, month="2026-10") == 5 and f.total("message_check.high") == 2
    assert f.breakdown("question.topic") == {"job-scam": 4} and f.total("question.unanswered") == 1
    assert f.total("quiz") == 3 and f.quiz_mean == pytest.approx((4 + 4 + 2) / 15)
    assert f.total("check") == _sql(
        filled, "SELECT sum(count) FROM usage_counts WHERE kind = 'check' AND area_code IN (?, ?) "
        "AND day BETWEEN '2026-10-01' AND '2026-12-31'", A, B,
    )  # fmt: skip
    # reports: 3 in the quarter and the province, on 2 distinct identifiers, 6,000,000 lost
    assert f.total("reports") == 3 == _sql(
        filled, "SELECT count(*) FROM reports WHERE created_at >= ? AND created_at < ? AND area_code IN (?, ?)",
        start, end, A, B,
    )  # fmt: skip
    assert f.identifiers == 2 and f.identifiers_by_area == {A: 1, B: 1}
    assert f.total("reports.lost") == 6_000_000
    assert f.breakdown("reports.what") == {"call": 2, "link": 1}
    assert f.breakdown("reports.topic") == {"fake-authority-call": 2, "phishing-link": 1}
    assert f.breakdown("reports.via") == {"phone_call": 2, "website": 1}
    # one decision, 3 days after the identifier's first report
    assert dict(f.decisions) == {"confirmed": 1} and f.median_days_to_decision == pytest.approx(3.0)
    # the two weather questions are one theme, asked twice
    assert f.themes and f.themes[0][1] == 2
    assert not f.empty


def test_what_is_placed_in_the_province_itself_gets_a_row_of_its_own(filled, library):
    filled.storage.write_sync(lambda db: subscriptions.subscribe(db, chat(9), PROVINCE, at("2026-10-20")))
    period = periods.parse("2026-Q4", TODAY)
    f = filled.storage.read_sync(lambda db: figures.compute(db, library.areas, PROVINCE, period))
    assert f.communes[-1] == PROVINCE and f.subscribers[PROVINCE] == 1 and f.subscribers_total == 4


def test_a_commune_alone_and_a_month(filled, library):
    f = filled.storage.read_sync(lambda db: figures.compute(db, library.areas, B, periods.parse("2026-11", TODAY)))
    assert f.communes == [B] and f.total("reports") == 1 and f.total("check") == 1 and f.total("message_check") == 2
    assert f.subscribers == {} and f.total("subscribers.new") == 0  # chat 4 came in December


def test_the_document_and_annex_hold_the_figures(filled, library, tmp_path):
    t = library.content.texts("vi")
    p = t.labels("periodic")
    activities = [ActivityCount(A, "meeting", 2, 80), ActivityCount(ELSEWHERE, "meeting", 1, 10)]
    sections = {"difficulties": "Thiếu loa ở thôn 3.", "recommendations": ""}
    written = build.generate(filled.storage, library.areas, t, PROVINCE, periods.parse("2026-Q4", TODAY),
                             tmp_path / "bc.docx", activities=activities, sections=sections)  # fmt: skip
    f = written.figures
    assert written.annex == tmp_path / "bc-phu-luc.xlsx"

    doc = docx.Document(written.document)
    text = [paragraph.text for paragraph in doc.paragraphs]
    n = document.number
    assert document.fill(p["subscribers"], total=n(3), new=n(3), stopped=n(1)) in text
    assert document.fill(p["reports"], reports=n(3), identifiers=n(2), lost="6.000.000 đ") in text
    assert document.fill(p["checks"], checks=n(6), high=n(3), medium=n(1), low=n(2)) in text
    assert document.fill(p["quizzes"], quizzes=n(3), mean="6,7") in text
    assert (
        document.fill(p["activity"], kind=t.label("periodic.activity_kinds.meeting"), sessions="2", people="80") in text
    )
    assert sections["difficulties"] in text and p["to_fill"] in text  # staff's text, and a line to fill in
    in_tables = [paragraph.text for table in doc.tables for cell in table._cells for paragraph in cell.paragraphs]
    for key in ("nation", "motto", "number", "results", "difficulties", "recommendations", "recipients", "sign_for"):
        assert any(p[key] in line for line in text + in_tables), key
    assert len(doc.inline_shapes) == 4  # reports by topic, by month, broadcasts, quizzes
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    [table] = [t_ for t_ in doc.tables if len(t_.columns) == 8]  # the communes' table
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}
    assert set(rows) == {library.areas.name_of(A), library.areas.name_of(B)}
    assert rows[library.areas.name_of(A)][5] == "2"  # reports in A

    book = openpyxl.load_workbook(written.annex)
    a = t.labels("periodic.annex")
    columns = t.labels("periodic.annex.columns")
    sheet = book[a["sheet_months"]]
    header = [cell.value for cell in sheet[2]]
    cells = {
        (row[1], row[2]): dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=3, values_only=True)
    }
    assert len(cells) == (len(f.communes) + 1) * 3  # every commune and the whole area, each month
    assert cells[A, "2026-10"][columns["reports"]] == 2 and cells[B, "2026-11"][columns["reports"]] == 1
    assert cells[A, "2026-10"][columns["check"]] == 5 and cells[A, "2026-12"][columns["quiz"]] == 2
    assert cells[A, "2026-10"][columns["deliveries.blocked"]] == 1
    assert cells[None, "2026-10"][columns["reports.lost"]] == 6_000_000  # the whole area
    assert sum(row[columns["reports"]] for (code, _), row in cells.items() if code is not None) == 3
    details = list(book[a["sheet_details"]].iter_rows(min_row=2, values_only=True))
    assert (library.areas.name_of(B), B, "2026-11", t.labels("periodic.annex.groups")["reports.via"],
            t.label("report.via.website"), 1) in details  # fmt: skip
    activity_rows = list(book[a["sheet_activities"]].iter_rows(min_row=2, values_only=True))
    assert [row[1:] for row in activity_rows] == [(A, t.label("periodic.activity_kinds.meeting"), 2, 80)]


def test_a_period_without_activity_says_so(services, library, tmp_path):
    t = library.content.texts("vi")
    written = build.generate(
        services.storage, library.areas, t, A, periods.parse("2026-01", TODAY), tmp_path / "x.docx"
    )
    assert written.figures.empty
    assert t.label("periodic.nothing") in [p.text for p in docx.Document(written.document).paragraphs]
    assert not docx.Document(written.document).inline_shapes


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-h1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_periods(text, first, last):
    period = periods.parse(text, TODAY)
    assert (period.first, period.last, period.cut) == (first, last, False)


def test_a_running_period_stops_today_and_a_future_one_is_refused():
    running = periods.parse("2026-Q4", date(2026, 12, 5))
    assert (running.last, running.cut, running.months()) == (date(2026, 12, 5), True, ["2026-10", "2026-11", "2026-12"])
    for bad in ("2027-Q1", "2026-13", "2026-Q5", "quý 4", ""):
        with pytest.raises(periods.PeriodError):
            periods.parse(bad, date(2026, 12, 5))
    with pytest.raises(periods.PeriodError):
        periods.between("2026-12-01", "2026-11-01", TODAY)
    assert periods.between("2026-11-15", "2026-12-14", TODAY).months() == ["2026-11", "2026-12"]
    # the bounds are Vietnam's midnights, stored in UTC
    assert periods.parse("2026-12", TODAY).start == "2026-11-30T17:00:00.000000Z"


def test_an_unknown_area_is_refused(services, library):
    with pytest.raises(figures.AreaUnknown):
        services.storage.read_sync(
            lambda db: figures.compute(db, library.areas, "x-99999", periods.parse("2026-12", TODAY))
        )


def test_charts_have_every_vietnamese_letter(filled, library, caplog, recwarn):
    """matplotlib warns ("Glyph … missing from font") when a letter falls back to a box."""
    from bot.periodic import charts

    f = filled.storage.read_sync(
        lambda db: figures.compute(db, library.areas, PROVINCE, periods.parse("2026-Q4", TODAY))
    )
    rendered = charts.render(f, library.content.texts("vi"))
    assert len(rendered) == 4 and all(png.startswith(b"\x89PNG") for _, png in rendered)
    missing = [str(w.message) for w in recwarn if "missing from" in str(w.message)]
    assert not missing and not [r for r in caplog.records if "missing from" in r.getMessage()]


def test_the_report_reads_what_staff_recorded_in_the_chat(filled, library, tmp_path):
    """Without explicit inputs, the activities (/ghinhan), the commune's target (/muctieu) and the
    sections written for this period (/baocaoky) come from the database."""
    t = library.content.texts("vi")
    p = t.labels("periodic")
    this_quarter, last_quarter = "Thiếu loa.", "Của quý trước."  # what staff typed

    def record(db):
        for village, people in (("thôn Nà Phạ", 40), ("Na Pha", 25), ("tổ 3", 30)):  # two villages, one twice
            log.record(db, area_code=A, kind="meeting", held_on=date(2026, 11, 5), village=village, people=people,
                       note=None, recorded_by="telegram:7003", now=at("2026-11-05"))  # fmt: skip
        log.record(db, area_code=A, kind="meeting", held_on=date(2026, 7, 1), village="thôn 9", people=10,
                   note=None, recorded_by="telegram:7003", now=at("2026-07-01"))  # another quarter  # fmt: skip
        targets.set_target(db, A, villages=4, share=0.75, actor="telegram:7003", now=at("2026-10-01"))
        notes.set_section(db, "2026-Q4", PROVINCE, "difficulties", this_quarter, "telegram:7003", at("2026-12-01"))
        notes.set_section(db, "2026-Q3", PROVINCE, "recommendations", last_quarter, "x", at("2026-09-01"))

    filled.storage.write_sync(record)
    written = build.generate(filled.storage, library.areas, t, PROVINCE, periods.parse("2026-Q4", TODAY),
                             tmp_path / "bc.docx")  # fmt: skip
    text = [paragraph.text for paragraph in docx.Document(written.document).paragraphs]
    meeting = t.label("periodic.activity_kinds.meeting")
    assert document.fill(p["activity"], kind=meeting, sessions="3", people="95") in text
    coverage = document.fill(p["coverage"], area=library.areas.name_of(A), reached="2", villages="4", share=50,
                             target=75, met=False)  # fmt: skip
    assert coverage in text
    assert this_quarter in text and last_quarter not in text


def test_an_edited_or_deleted_activity_is_what_the_report_counts(filled, library, tmp_path):
    """The report reads the activity rows: a count changed after it was confirmed, a session moved
    out of the period and one deleted show in the figures and in the document as they are now."""
    from bot.activity import scope

    t = library.content.texts("vi")
    p = t.labels("periodic")
    reach = scope.reach(library.areas, [PROVINCE])  # the province's staff: its communes' sessions

    def record(db) -> list[int]:
        return [
            log.record(
                db,
                area_code=A,
                kind="meeting",
                held_on=date(2026, 11, 5),
                village=f"thôn {n}",
                people=people,
                note=None,
                recorded_by="telegram:7003",
                now=at("2026-11-05"),
            )  # fmt: skip
            for n, people in ((1, 40), (2, 25), (3, 30))
        ]

    first, second, third = filled.storage.write_sync(record)
    period = periods.parse("2026-Q4", TODAY)

    def counted() -> tuple[int, int]:
        rows = filled.storage.read_sync(lambda db: log.summary(db, period.first, period.last, [A]))
        return sum(r.sessions for r in rows), sum(r.people for r in rows)

    assert counted() == (3, 95)

    def edit(db):
        log.change(db, reach, first, actor="telegram:7003", now=at("2026-12-01"), people=140)
        log.change(db, reach, second, actor="telegram:7003", now=at("2026-12-01"), held_on=date(2026, 9, 30))
        log.remove(db, reach, third, actor="telegram:7003", now=at("2026-12-01"))

    filled.storage.write_sync(edit)
    assert counted() == (1, 140)
    written = build.generate(filled.storage, library.areas, t, PROVINCE, period, tmp_path / "bc.docx")
    text = [paragraph.text for paragraph in docx.Document(written.document).paragraphs]
    meeting = t.label("periodic.activity_kinds.meeting")
    assert document.fill(p["activity"], kind=meeting, sessions="1", people="140") in text
    book = openpyxl.load_workbook(written.annex)
    a = t.labels("periodic.annex")
    activity_rows = list(book[a["sheet_activities"]].iter_rows(min_row=2, values_only=True))
    assert [row[1:] for row in activity_rows] == [(A, meeting, 1, 140)]


def test_pruning_a_summed_up_broadcasts_rows_keeps_every_figure(filled, library):
    renderer = broadcasts.Renderer(library.content.texts("vi"), library.areas, library.campaigns)
    period = periods.parse("2026-Q4", TODAY)

    def send_the_rest(db):
        deliveries.claim(db, "test", at("2026-10-15", 12), busy=())
        deliveries.recover(db, "test")  # a crash: the row in flight is sent again, counted as resent
        while (item := deliveries.claim(db, "test", at("2026-10-15", 12), busy=())) is not None:
            deliveries.record_sent(db, item.id, at("2026-10-15", 12))
        broadcasts.finish(db, at("2026-10-15", 13), lambda broadcast: [], renderer)

    def read(db):
        return figures.compute(db, library.areas, PROVINCE, period), broadcasts.progress(db, 1)

    def prune(before: str):
        return filled.storage.write_sync(lambda db: broadcasts.prune_deliveries(db, before, 2))

    filled.storage.write_sync(send_the_rest)
    before = filled.storage.read_sync(read)
    assert before[1].counts == {"sent": 3, "blocked": 1} and before[1].resent == 1
    assert prune("2026-10-15T12:00:00Z") == 0  # summed up at 13:00: kept until then
    moved = []
    while moved[-1:] != [0]:  # two rows a transaction: every figure holds after each
        moved.append(prune("2026-11-20T00:00:00Z"))
        assert filled.storage.read_sync(read) == before
    assert moved == [2, 2, 0]
    assert _sql(filled, "SELECT count(*) FROM deliveries") == 0
    assert _sql(filled, "SELECT sum(rows) FROM delivery_tallies") == 4


async def test_housekeeping_prunes_delivery_rows_after_the_retention_setting(filled, library, clock):
    renderer = broadcasts.Renderer(library.content.texts("vi"), library.areas, library.campaigns)

    def cancel_the_rest(db):
        broadcasts.cancel(db, 1)
        broadcasts.finish(db, at("2026-10-15", 13), lambda broadcast: [], renderer)

    filled.storage.write_sync(cancel_the_rest)
    progress = filled.storage.read_sync(lambda db: broadcasts.progress(db, 1))
    clock.now = at("2026-11-13")  # 29 days after: kept (CANHGIAC_DELIVERY_RETENTION_DAYS, 30 by default)
    await housekeeping(filled)
    assert _sql(filled, "SELECT count(*) FROM deliveries") == 4
    clock.now = at("2026-11-15")
    await housekeeping(filled)
    assert _sql(filled, "SELECT count(*) FROM deliveries") == 0
    assert filled.storage.read_sync(lambda db: broadcasts.progress(db, 1)) == progress
