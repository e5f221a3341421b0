"""The console's page for the report's own words (the sections /baocaoky writes), through the real
app on a real SQLite file: written for a period and an area in scope, printed in the Word file the
console serves, escaped on the page, cleared by an empty box; another commune, a missing CSRF token
and a text too long are refused and write nothing."""

from __future__ import annotations

import io
from datetime import datetime

import docx
import pytest

from bot.activity import notes
from bot.core.clock import VIETNAM
from tests.bot.web.conftest import CAM_DUONG, LAO_CAI_WARD
from tests.bot.web.test_console import assert_no_inline_code
from tests.bot.web.test_staff_records import problem_of, signed_in

PERIOD = "2026-Q4"
FIRST_LINE = "Nhiều thôn xa, sóng điện thoại yếu."
DIFFICULTIES = f"{FIRST_LINE}\n<script>alert(1)</script> {{{{ 7*7 }}}}"
RECOMMENDATIONS = "Xin thêm loa di động cho các thôn vùng cao."


@pytest.fixture(autouse=True)
def tuesday(clock):
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)


def written(services, area: str = CAM_DUONG) -> dict[str, str]:
    return services.storage.read_sync(lambda db: notes.sections(db, PERIOD, area))


async def test_sections_written_shown_escaped_and_printed_in_the_report(router, services, web):
    csrf = await signed_in(router, services, web)
    assert 'href="/staff/sections"' in (await web.get("/")).text
    page = await web.get("/staff/sections", params={"period": PERIOD, "area": CAM_DUONG})
    assert page.status_code == 200 and 'id="sections"' in page.text
    assert_no_inline_code(page.text)
    fields = {"csrf": csrf, "period": PERIOD, "area": CAM_DUONG}
    saved = await web.post(
        "/staff/sections", data={**fields, "difficulties": DIFFICULTIES, "recommendations": RECOMMENDATIONS}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    assert written(services) == {"difficulties": DIFFICULTIES, "recommendations": RECOMMENDATIONS}
    shown = await web.get(saved.headers["location"])
    assert 'data-done="saved"' in shown.text
    assert "<script>alert(1)</script>" not in shown.text and "&lt;script&gt;" in shown.text
    assert "{{ 7*7 }}" in shown.text  # typed words are data, never a template
    report = await web.get("/reports/periodic", params={"period": PERIOD, "area": CAM_DUONG, "part": "docx"})
    assert report.status_code == 200
    paragraphs = "\n".join(p.text for p in docx.Document(io.BytesIO(report.content)).paragraphs)
    assert RECOMMENDATIONS in paragraphs and FIRST_LINE in paragraphs
    cleared = await web.post("/staff/sections", data={**fields, "difficulties": "", "recommendations": RECOMMENDATIONS})
    assert cleared.status_code == 303
    assert written(services) == {"difficulties": "", "recommendations": RECOMMENDATIONS}


async def test_another_commune_no_token_and_too_long_are_refused_and_write_nothing(router, services, web):
    csrf = await signed_in(router, services, web)
    text = {"difficulties": DIFFICULTIES, "recommendations": ""}
    assert (await web.get("/staff/sections", params={"area": LAO_CAI_WARD})).status_code == 403
    other = await web.post("/staff/sections", data={"csrf": csrf, "period": PERIOD, "area": LAO_CAI_WARD, **text})
    assert other.status_code == 403 and written(services, LAO_CAI_WARD)["difficulties"] == ""
    forged = await web.post("/staff/sections", data={"csrf": "x", "period": PERIOD, "area": CAM_DUONG, **text})
    assert forged.status_code == 403
    long = {"difficulties": "a" * (notes.MAX_TEXT + 1), "recommendations": ""}
    refused = await web.post("/staff/sections", data={"csrf": csrf, "period": PERIOD, "area": CAM_DUONG, **long})
    assert (refused.status_code, problem_of(refused)) == (400, "long")
    bad_period = await web.post("/staff/sections", data={"csrf": csrf, "period": "2026-Q9", "area": CAM_DUONG, **text})
    assert (bad_period.status_code, problem_of(bad_period)) == (400, "form")
    assert written(services) == {"difficulties": "", "recommendations": ""}
