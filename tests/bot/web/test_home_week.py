"""The home page's last seven days: the figures of the officer's own areas (the periodic report's
figures), a chart of twelve weeks, and a flag on a topic whose reports jumped."""

from __future__ import annotations

import re

from tests.bot.web.conftest import (
    CAM_DUONG,
    LAO_CAI_WARD,
    OFFICER,
    STAFF,
    browser,
    login_for,
    report_in,
    sign_in_by_code,
)


def figure(page: str, name: str) -> str:
    return re.search(rf'<dd class="{name}">([^<]*)</dd>', page).group(1)


async def home_of(router, services, web_app, user_id: str) -> str:
    login = await login_for(router, services, user_id)
    async with browser(web_app) as client:
        await sign_in_by_code(client, login["code"])
        page = await client.get("/")
    assert page.status_code == 200
    return page.text


async def test_the_week_counts_the_officers_communes_only_and_flags_a_jump(router, services, settings, web_app):
    for n, number in enumerate(("0987654321", "0987654322", "0987654323")):  # three this week, none before
        await report_in(router, services, settings, str(20 + n), CAM_DUONG, number)
    await report_in(router, services, settings, "30", LAO_CAI_WARD, "0912345678")  # another commune

    page = await home_of(router, services, web_app, OFFICER)
    assert page.count('class="card week"') == 1
    assert figure(page, "reports") == "3"
    assert figure(page, "lost") == "6.000.000 đ"  # 2,000,000 each (tests/flows.py)
    assert len(re.findall(r'class="spike"', page)) == 1  # a topic new this week, three reports
    assert re.search(r'<svg[^>]+class="chart"', page)

    ward = await home_of(router, services, web_app, "7002")
    assert figure(ward, "reports") == "1" and 'class="spike"' not in ward  # one report is no trend


async def test_staff_see_the_week_of_their_commune(router, services, settings, web_app):
    await report_in(router, services, settings, "21", CAM_DUONG, "0987654321")
    page = await home_of(router, services, web_app, STAFF)
    assert figure(page, "reports") == "1"
    assert figure(page, "delivered") == "0"
