"""The console as an ASGI app, built from the bot's `Services` (same database, content, clock)."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.services import Services
from bot.web import auth, console, periodic, police, staff, staff_records
from bot.web.pages import Pages
from bot.web.security import SecurityHeaders

STATIC = Path(__file__).resolve().parent / "static"


def build_app(services: Services) -> Starlette:
    app = Starlette(
        routes=[
            Route("/", console.home, methods=["GET"]),
            Route("/login", auth.login_form, methods=["GET"]),
            Route("/login", auth.login_with_code, methods=["POST"]),
            Route("/login/{token:str}", auth.link_form, methods=["GET"]),
            Route("/login/{token:str}", auth.login_with_link, methods=["POST"]),
            Route("/logout", auth.logout, methods=["POST"]),
            # The police pages (bot/web/police.py)
            Route("/queue", police.queue_page, methods=["GET"]),
            Route("/queue/decide", police.decide_many, methods=["POST"]),
            Route("/queue/export/{name:str}", police.export, methods=["GET"]),
            Route("/identifier/{identifier_id:int}", police.identifier_page, methods=["GET"]),
            Route("/identifier/{identifier_id:int}/decide", police.decide_one, methods=["POST"]),
            Route("/report/{ref:str}/photo", police.evidence_photo, methods=["GET"]),
            # --- staff (bot/web/staff.py) ---
            Route("/staff/subscribers", staff.subscribers, methods=["GET"]),
            Route("/staff/compose", staff.compose_form, methods=["GET"]),
            Route("/staff/compose", staff.compose_post, methods=["POST"]),
            Route("/staff/broadcasts", staff.broadcast_list, methods=["GET"]),
            Route("/staff/broadcasts/{broadcast_id:int}", staff.broadcast_page, methods=["GET"]),
            Route("/staff/broadcasts/{broadcast_id:int}/progress", staff.broadcast_progress, methods=["GET"]),
            Route("/staff/broadcasts/{broadcast_id:int}/cancel", staff.broadcast_cancel, methods=["POST"]),
            Route("/staff/calendar", staff.calendar, methods=["GET"]),
            Route("/staff/calendar", staff.calendar_post, methods=["POST"]),
            Route("/staff/posters", staff.posters, methods=["GET"]),
            Route("/staff/posters/{area:str}.{fmt:str}", staff.poster_file, methods=["GET"]),
            Route("/staff/qr/{area:str}.{fmt:str}", staff.qr_file, methods=["GET"]),
            Route("/staff/gaps", staff.gap_list, methods=["GET"]),
            Route("/staff/gaps", staff.gap_handled, methods=["POST"]),
            # --- end of staff ---
            # What feeds the periodic reports: deadlines per area, recorded sessions (bot/web/staff_records.py)
            Route("/staff/deadlines", staff_records.deadlines_list, methods=["GET"]),
            Route("/staff/deadlines", staff_records.deadlines_post, methods=["POST"]),
            Route("/staff/activities", staff_records.activities_list, methods=["GET"]),
            Route("/staff/activities", staff_records.activities_post, methods=["POST"]),
            Route("/staff/sections", staff_records.sections_list, methods=["GET"]),
            Route("/staff/sections", staff_records.sections_post, methods=["POST"]),
            Route("/reports/periodic", periodic.page, methods=["GET"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders)],
    )
    app.state.services = services
    app.state.pages = Pages(services.content, services.settings.default_language)
    return app
