"""The periodic report from the console: the form, the Word document and the XLSX annex of the
officer's own area, 403 for another area, a period not begun answered with the form."""

from __future__ import annotations

import html
import io
from urllib.parse import urlencode

import docx
import openpyxl
import pytest

from tests.bot.web.conftest import (
    CAM_DUONG,
    LAO_CAI_WARD,
    STAFF,
    browser,
    csrf_of,
    login_for,
    report_in,
    sign_in_by_code,
)


async def test_staff_download_their_communes_report_and_annex(router, services, settings, web_app, clock):
    await report_in(router, services, settings, "21", CAM_DUONG, "0987654321")
    period = clock().strftime("%Y-%m")  # this month: the report filed now is in it
    login = await login_for(router, services, STAFF)
    async with browser(web_app) as client:
        await sign_in_by_code(client, login["code"])
        form = await client.get("/reports/periodic")
        assert form.status_code == 200 and f'value="{CAM_DUONG}"' in form.text
        word = await client.get("/reports/periodic", params={"period": period, "area": CAM_DUONG, "part": "docx"})
        annex = await client.get("/reports/periodic", params={"period": period, "area": CAM_DUONG, "part": "xlsx"})
        other = await client.get("/reports/periodic", params={"period": period, "area": LAO_CAI_WARD})
        future = await client.get("/reports/periodic", params={"period": "2099-01", "area": CAM_DUONG})
    assert word.status_code == 200 and word.headers["content-type"].startswith("application/vnd.openxml")
    t = services.content.texts("vi")
    text = [p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs]
    assert any(t.label("periodic.nation") in line for line in text + [c.text for tb in docx.Document(
        io.BytesIO(word.content)).tables for c in tb._cells])  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(annex.content))
    months = book[t.label("periodic.annex.sheet_months")]
    header = [cell.value for cell in months[2]]
    reports_column = header.index(t.label("periodic.annex.columns.reports"))
    assert sum(row[reports_column] or 0 for row in months.iter_rows(min_row=3, values_only=True) if row[1]) == 1
    assert other.status_code == 403
    assert future.status_code == 400 and 'data-problem="period"' in future.text


async def test_a_citizen_without_a_role_is_sent_to_login(web_app):
    async with browser(web_app) as client:
        response = await client.get("/reports/periodic")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Freports%2Fperiodic"


async def test_the_chats_download_link_downloads_once_the_code_is_typed(router, services, settings, web_app, clock):
    """/baocaoky on a channel without files gives this link: the login comes back to it."""
    link = f"/reports/periodic?{urlencode({'period': clock().strftime('%Y-%m'), 'area': CAM_DUONG, 'part': 'xlsx'})}"
    login = await login_for(router, services, STAFF)
    async with browser(web_app) as client:
        to_login = await client.get(link)
        page = await client.get(to_login.headers["location"])
        assert f'name="next" value="{html.escape(link)}"' in page.text
        signed = await client.post("/login", data={"csrf": csrf_of(page), "code": login["code"], "next": link})
        assert signed.status_code == 303 and signed.headers["location"] == link
        annex = await client.get(link)
    assert annex.status_code == 200 and openpyxl.load_workbook(io.BytesIO(annex.content)).worksheets


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "reports",
                                       "/ok\r\nSet-Cookie: x=1", "/" + "a" * 500])  # fmt: skip
async def test_a_login_never_returns_outside_the_console(router, services, web_app, elsewhere):
    login = await login_for(router, services, STAFF)
    async with browser(web_app) as client:
        page = await client.get("/login")
        signed = await client.post("/login", data={"csrf": csrf_of(page), "code": login["code"], "next": elsewhere})
    assert signed.status_code == 303 and signed.headers["location"] == "/"
