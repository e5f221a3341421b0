"""The web console: passwordless login, sessions, CSRF, headers, and what officers may see."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from bot.routing import logins
from bot.web import auth, security
from tests.bot.web.conftest import (
    BASE_URL,
    CAM_DUONG,
    LAO_CAI_WARD,
    OFFICER,
    STAFF,
    WARD_OFFICER,
    browser,
    csrf_of,
    identifier_ids,
    login_for,
    report_in,
    sign_in_by_code,
    sign_in_by_link,
)


def signed_in_home(response) -> bool:
    return response.status_code == 200 and 'action="/logout"' in response.text


async def test_login_by_code_shows_who_is_signed_in_with_their_role_and_area(router, services, web):
    login = await login_for(router, services, OFFICER)
    response = await sign_in_by_code(web, login["code"])
    assert response.status_code == 303 and response.headers["location"] == "/"
    home = await web.get("/")
    assert signed_in_home(home)
    assert f"<b>{OFFICER}</b>" in home.text
    assert services.library.areas.full_name(CAM_DUONG) in home.text
    assert services.content.texts("vi").label("admin.roles.police") in home.text


async def test_login_by_link_asks_for_a_press_then_signs_in(router, services, web):
    login = await login_for(router, services, OFFICER)
    assert login["link"].startswith(f"{BASE_URL}/login/")
    path = urlsplit(login["link"]).path
    page = await web.get(path)  # a preview robot's GET uses nothing
    assert page.status_code == 200 and f'action="{path}"' in page.text
    assert (await web.get("/")).status_code == 303
    response = await web.post(path, data={"csrf": csrf_of(page)})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert signed_in_home(await web.get("/"))


async def test_a_link_or_code_works_once(router, services, web_app):
    login = await login_for(router, services, OFFICER)
    async with browser(web_app) as first, browser(web_app) as second:
        assert (await sign_in_by_link(first, login["link"])).status_code == 303
        again = await sign_in_by_link(second, login["link"])
        assert again.status_code == 400 and (await second.get("/")).status_code == 303
        code = await sign_in_by_code(second, login["code"])  # the same login's code is spent too
        assert code.status_code == 400


async def test_a_new_dangnhap_ends_the_unused_one(router, services, web):
    old = await login_for(router, services, OFFICER)
    new = await login_for(router, services, OFFICER)
    assert (await sign_in_by_code(web, old["code"])).status_code == 400
    assert (await sign_in_by_code(web, new["code"])).status_code == 303


async def test_a_link_expires_after_ten_minutes(router, services, web, clock):
    login = await login_for(router, services, OFFICER)
    clock.advance(minutes=10)
    response = await sign_in_by_link(web, login["link"])
    assert response.status_code == 400 and (await web.get("/")).status_code == 303


async def test_a_link_still_works_just_before_ten_minutes(router, services, web, clock):
    login = await login_for(router, services, OFFICER)
    clock.advance(minutes=9, seconds=59)
    assert (await sign_in_by_link(web, login["link"])).status_code == 303


async def test_only_hashes_are_stored(router, services, console_settings):
    login = await login_for(router, services, OFFICER)
    token = urlsplit(login["link"]).path.rsplit("/", 1)[1]
    [row] = await services.storage.read(lambda db: list(db["web_logins"].rows))
    stored = " ".join(str(value) for value in row.values())
    assert token not in stored and login["code"] not in stored
    assert row["token_hash"] == hashlib.sha256(f"canhgiac-web-token:{token}".encode()).hexdigest()
    assert row["channel"] == "test" and row["user_id"] == OFFICER


async def test_wrong_codes_are_limited_per_client_address(router, services, web_app, clock):
    login = await login_for(router, services, OFFICER)
    wrong = "000000" if login["code"] != "000000" else "111111"
    async with browser(web_app) as guesser, browser(web_app, client=("198.51.100.9", 1)) as officer:
        for _ in range(logins.MAX_MISSES):
            assert (await sign_in_by_code(guesser, wrong)).status_code == 400
        refused = await sign_in_by_code(guesser, login["code"])  # even the right code is not checked
        assert refused.status_code == 429 and (await guesser.get("/")).status_code == 303
        clock.advance(minutes=15)  # the window has passed (and the code with it: a new one)
        assert (await sign_in_by_code(guesser, (await login_for(router, services, OFFICER))["code"])).status_code == 303
        assert (await sign_in_by_code(officer, wrong)).status_code == 400  # another address: its own count


async def test_a_form_without_its_csrf_token_is_refused(router, services, web):
    login = await login_for(router, services, OFFICER)
    await web.get("/login")
    forged = await web.post("/login", data={"csrf": "forged", "code": login["code"]})
    assert forged.status_code == 403
    assert (await web.post("/login", data={"code": login["code"]})).status_code == 403
    assert (await sign_in_by_code(web, login["code"])).status_code == 303  # the code was not spent
    home = await web.get("/")
    assert (await web.post("/logout", data={"csrf": "forged"})).status_code == 403
    assert (await web.post("/logout")).status_code == 403
    assert signed_in_home(await web.get("/"))
    assert security.FORM_COOKIE not in web.cookies  # the login forms' token ends with the login
    assert csrf_of(home) != csrf_of(await web.get("/login/any"))  # the session's token is its own


async def test_logout_ends_the_session_on_the_server(router, services, web):
    login = await login_for(router, services, OFFICER)
    await sign_in_by_code(web, login["code"])
    session_id = web.cookies[auth.SESSION_COOKIE]
    home = await web.get("/")
    response = await web.post("/logout", data={"csrf": csrf_of(home)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (await web.get("/")).status_code == 303
    web.cookies.set(auth.SESSION_COOKIE, session_id)  # the old cookie, kept by a copy
    assert (await web.get("/")).status_code == 303
    assert await services.storage.read(lambda db: db["web_sessions"].count) == 0


async def test_a_session_expires_when_idle(router, services, web, clock, console_settings):
    login = await login_for(router, services, OFFICER)
    await sign_in_by_code(web, login["code"])
    clock.advance(minutes=console_settings.web_idle_minutes - 1)
    assert signed_in_home(await web.get("/"))  # a request restarts the idle time
    clock.advance(minutes=console_settings.web_idle_minutes - 1)
    assert signed_in_home(await web.get("/"))
    clock.advance(minutes=console_settings.web_idle_minutes)
    response = await web.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login"


async def test_session_cookie_flags(router, services, web_app, console_settings):
    console_settings.web_secure_cookies = True  # the default
    login = await login_for(router, services, OFFICER)
    async with browser(web_app, base_url="https://testserver") as client:  # Secure cookies come back over https
        response = await sign_in_by_code(client, login["code"])
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("cg_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
    assert not any(flag.startswith(("max-age", "expires")) for flag in flags)  # the server decides when it ends


async def test_security_headers_on_every_response(router, services, web):
    login = await login_for(router, services, OFFICER)
    responses = [await web.get("/login"), await web.get("/static/console.css"), await web.get("/nowhere")]
    responses.append(await sign_in_by_code(web, login["code"]))
    responses.append(await web.get("/"))
    for response in responses:
        headers = response.headers
        assert headers["content-security-policy"].startswith("default-src 'self'"), response.url
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"


async def test_pages_have_no_inline_script_or_style(router, services, web):
    login = await login_for(router, services, OFFICER)
    pages = [await web.get("/login"), await web.get(urlsplit(login["link"]).path)]
    await sign_in_by_code(web, login["code"])
    pages.append(await web.get("/"))
    for page in pages:
        assert_no_inline_code(page.text)


def assert_no_inline_code(text: str) -> None:
    """Scripts only from files of this origin (the vendored htmx), none written in the page; no inline style."""
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S)
    assert text.count("<script") == len(scripts)
    assert all(re.search(r'\bsrc="/static/[^"]+"', attributes) and not body.strip() for attributes, body in scripts)
    assert "<style" not in text and " style=" not in text and "hx-on" not in text and "javascript:" not in text


async def test_police_see_the_queue_of_their_communes_only(router, services, settings, web_app):
    await report_in(router, services, settings, "11", CAM_DUONG, "0987654321")
    await report_in(router, services, settings, "12", LAO_CAI_WARD, "0912345678")
    cam, ward = await login_for(router, services, OFFICER), await login_for(router, services, WARD_OFFICER)
    async with browser(web_app) as cam_web, browser(web_app) as ward_web:
        await sign_in_by_code(cam_web, cam["code"])
        await sign_in_by_code(ward_web, ward["code"])
        cam_home, ward_home = await cam_web.get("/"), await ward_web.get("/")
    assert "0987 654 321" in cam_home.text and "0912 345 678" not in cam_home.text
    assert "0912 345 678" in ward_home.text and "0987 654 321" not in ward_home.text


async def test_an_identifier_of_another_commune_is_403(router, services, settings, web_app):
    await report_in(router, services, settings, "11", CAM_DUONG, "0987654321")
    await report_in(router, services, settings, "12", LAO_CAI_WARD, "0912345678")
    ids = await identifier_ids(services)
    theirs, others = ids["+84987654321"], ids["+84912345678"]
    login = await login_for(router, services, OFFICER)
    async with browser(web_app) as client:
        await sign_in_by_code(client, login["code"])
        own = await client.get(f"/identifier/{theirs}")
        assert own.status_code == 200 and "0987 654 321" in own.text
        refused = await client.get(f"/identifier/{others}")
        assert refused.status_code == 403 and "0912 345 678" not in refused.text
        assert (await client.get("/identifier/999999")).status_code == 404


async def test_staff_see_their_role_but_no_queue_and_no_identifier(router, services, settings, web_app):
    await report_in(router, services, settings, "11", CAM_DUONG, "0987654321")
    ids = await identifier_ids(services)
    login = await login_for(router, services, STAFF)
    async with browser(web_app) as client:
        await sign_in_by_code(client, login["code"])
        home = await client.get("/")
        assert signed_in_home(home) and "0987 654 321" not in home.text and "/identifier/" not in home.text
        assert (await client.get(f"/identifier/{ids['+84987654321']}")).status_code == 403


async def test_a_reporters_number_shows_only_with_their_consent(router, services, settings, web_app):
    await report_in(router, services, settings, "11", CAM_DUONG, "0987654321")
    await report_in(router, services, settings, "12", CAM_DUONG, "0987654321")
    refs = await services.storage.read(lambda db: [r[0] for r in db.execute("SELECT ref FROM reports ORDER BY id")])

    def numbers(db):  # one consented to be called back; the other's number is there without consent
        db.execute("UPDATE reports SET contact_phone = ?, contact_consent = 1 WHERE ref = ?", ["+84911111111", refs[0]])
        db.execute("UPDATE reports SET contact_phone = ?, contact_consent = 0 WHERE ref = ?", ["+84922222222", refs[1]])

    await services.storage.write(numbers)
    ids = await identifier_ids(services)
    login = await login_for(router, services, OFFICER)
    async with browser(web_app) as client:
        await sign_in_by_code(client, login["code"])
        page = await client.get(f"/identifier/{ids['+84987654321']}")
    assert refs[0] in page.text and refs[1] in page.text
    assert "+84911111111" in page.text and "+84922222222" not in page.text


async def test_a_role_revoked_after_login_closes_the_console(router, services, web, console_settings):
    login = await login_for(router, services, STAFF)
    await sign_in_by_code(web, login["code"])
    assert signed_in_home(await web.get("/"))
    console_settings.staff_ids = []
    assert (await web.get("/")).status_code == 303
    assert await services.storage.read(lambda db: db["web_sessions"].count) == 0
