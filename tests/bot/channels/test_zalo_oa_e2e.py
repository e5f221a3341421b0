"""End to end on a Zalo Official Account: `serve()` with our httpx client against the loopback fake
OA API, events posted to the bot's webhook signed as Zalo signs them."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import socket
import time
from datetime import timedelta

import pytest

from bot.app.serve import serve
from bot.app.wiring import wire
from bot.broadcast import broadcasts, subscriptions
from bot.channels import usage
from bot.channels.zalo_oa_api import ZaloOAuth
from bot.channels.zalo_oa_tokens import begin_link, store, take_link
from bot.core.clock import from_iso, utc_now
from bot.core.messages import ChatKey
from bot.core.settings import Settings
from bot.reporting import evidence
from bot.services import build_services
from handlers import build_router
from tests.bot.channels.test_zalo_e2e import PROOF
from tests.fakes.running_bot import SHARED
from tests.fakes.zalo_oa_api import APP_ID, APP_SECRET, OA_ID, OA_SECRET, FakeZaloOA

USER = "8845123009871234567"
AREA = "t-08"  # Tuyên Quang: any current unit's code would do


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def oa():
    async with FakeZaloOA() as fake:
        yield fake


@pytest.fixture
def oa_settings(tmp_path, oa) -> Settings:
    return Settings(
        _env_file=None,
        zalo_oa_id=OA_ID,
        zalo_oa_app_id=APP_ID,
        zalo_oa_app_secret=APP_SECRET,
        zalo_oa_secret_key=OA_SECRET,
        zalo_oa_api_base_url=oa.url,
        zalo_oauth_base_url=oa.url,
        zalo_oa_webhook_port=_free_port(),
        webhook_listen="127.0.0.1",
        zalo_oa_quota_reserve=0,
        zalo_oa_broadcast_per_second=200.0,
        admin_ids="321",
        db_path=tmp_path / "bot.db",
        weekly_day="off",
    )


async def _link(services, oa: FakeZaloOA, settings: Settings) -> None:
    """`canhgiac zalo-oa link` as the OA's owner does it: consent, then the code comes back."""
    from urllib.parse import parse_qs, urlsplit

    import httpx

    async with httpx.AsyncClient() as http:
        oauth = ZaloOAuth(APP_ID, APP_SECRET, base_url=settings.zalo_oauth_base_url, http=http)
        url = await services.storage.write(lambda db: begin_link(db, oauth, "https://xa.example.vn/zalo"))
        query = parse_qs(urlsplit(url).query)
        code = oa.authorize(query["code_challenge"][0])
        verifier = await services.storage.write(lambda db: take_link(db, query["state"][0]))
        tokens = await oauth.exchange(code, verifier)
    await services.storage.write(lambda db: store(db, OA_ID, tokens))


class RunningOA:
    def __init__(self, settings: Settings, oa: FakeZaloOA, *, linked: bool = True, clock=None):
        self.settings, self.oa, self.linked, self.clock = settings, oa, linked, clock
        self.url = f"http://127.0.0.1:{settings.zalo_oa_webhook_port}{settings.zalo_oa_webhook_path}"

    async def __aenter__(self) -> RunningOA:
        self.services = build_services(
            self.settings, library=SHARED["library"], **({"clock": self.clock} if self.clock else {})
        )
        if self.linked:
            await _link(self.services, self.oa, self.settings)
        app = dataclasses.replace(wire(self.settings, services=self.services), router=build_router())
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(serve(app, stop=self.stop))
        deadline = time.monotonic() + 10
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.settings.zalo_oa_webhook_port)
                writer.close()
                break
            except OSError:
                assert time.monotonic() < deadline and not self.task.done(), "the OA webhook did not open"
                await asyncio.sleep(0.02)
        return self

    async def __aexit__(self, *exc) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 15)
        self.services.close()

    async def send(self, name: str, count: int = 1, **message) -> list[dict]:
        response = await self.oa.post_event(self.url, self.oa.event(name, USER, **message))
        assert response.status_code == 200 and response.json() == {"error": 0}
        return await self.oa.wait_for_messages(USER, count=count)


async def test_a_follower_is_asked_for_the_commune_and_a_typed_name_subscribes(oa, oa_settings, rendered):
    async with RunningOA(oa_settings, oa) as bot:
        await bot.oa.post_event(bot.url, oa.event("follow", USER))
        await oa.wait_for_messages(USER)
        assert rendered[-1] == "subscribe_choose"  # which commune? with the commune search
        await bot.send("user_send_text", text="Minh Quang Tuyên Quang")
        assert rendered[-1] in ("subscribe_found", "subscribe_done")
        if rendered[-1] == "subscribe_found":
            await bot.send("user_send_text", text="1")  # the first option, as numbered
        assert rendered[-1] == "subscribe_done"
        sub = await bot.services.storage.read(lambda db: subscriptions.get(db, ChatKey("zalo_oa", USER)))
        assert sub is not None and sub.active
        assert all(m["kind"] == "cs" for m in oa.sent)


async def test_a_follower_tagged_with_an_area_is_subscribed_at_once_and_unfollow_stops_it(oa, oa_settings, rendered):
    oa.follow(USER, "vip", f"dk-{AREA}")
    async with RunningOA(oa_settings, oa) as bot:
        await bot.oa.post_event(bot.url, oa.event("follow", USER))
        await oa.wait_for_messages(USER)
        assert rendered[-1] == "subscribe_done"
        chat = ChatKey("zalo_oa", USER)
        assert (await bot.services.storage.read(lambda db: subscriptions.get(db, chat))).area_code == AREA
        await bot.oa.post_event(bot.url, oa.event("unfollow", USER))
        for _ in range(100):
            if not (await bot.services.storage.read(lambda db: subscriptions.get(db, chat))).active:
                break
            await asyncio.sleep(0.02)
        assert not (await bot.services.storage.read(lambda db: subscriptions.get(db, chat))).active


async def test_a_pasted_link_is_checked_and_a_forged_event_refused(oa, oa_settings, rendered):
    async with RunningOA(oa_settings, oa) as bot:
        link = {"type": "link", "payload": {"url": "https://vietcombank-xacthuc.top/dang-nhap"}}
        await bot.send("user_send_link", text="", attachments=[link])
        assert "vietcombank-xacthuc.top" in str(rendered.values[-1])
        sent = len(oa.sent)
        response = await oa.post_event(bot.url, oa.event("user_send_text", USER, text="/start"), forged=True)
        assert response.status_code == 403
        await asyncio.sleep(0.3)
        assert len(oa.sent) == sent  # nothing handled, nothing sent


async def test_a_whole_report_with_its_evidence_photo_through_the_oa(oa, oa_settings, rendered):
    """Numbered choices as on the Zalo bot; the photo's temporary URL is fetched at once and kept."""
    oa.files["img/proof.jpg"] = PROOF
    async with RunningOA(oa_settings, oa) as bot:
        await bot.send("user_send_text", count=2, text="/baocao")
        for answer in ("1", "0912 345 678", "1", "1", "1", "3 triệu", "Gọi xưng công an, đòi chuyển tiền"):
            await bot.send("user_send_text", text=answer)
        image = {"type": "image", "payload": {"url": f"{oa.url}/cdn/img/proof.jpg"}}
        await bot.send("user_send_image", text="", attachments=[image])
        for answer in ("bỏ qua", "2"):  # no commune; consent: updates only, no number
            await bot.send("user_send_text", text=answer)
        assert rendered[-1] == "report_summary"
        [done] = await bot.send("user_send_text", text="1")  # ✅ Gửi báo cáo
        [row] = await bot.services.storage.read(lambda db: list(db["reports"].rows))
    assert re.search(r"BC-\d{8}-\d{4}", done["text"]) and rendered[-1] == "report_done"
    assert row["channel"] == "zalo_oa" and row["description"] == "Gọi xưng công an, đòi chuyển tiền"
    kept = evidence.path_of(evidence.folder_for(oa_settings.db_path), row["evidence"])
    assert kept.read_bytes() == PROOF and ("download", {"path": "img/proof.jpg"}) in oa.requests


async def test_an_expired_token_is_refreshed_once_and_the_reply_still_goes(oa, oa_settings, rendered):
    async with RunningOA(oa_settings, oa) as bot:
        oa.expire_access()
        await bot.send("user_send_text", text="/hotline")
        assert oa.refreshed == 1 and rendered[-1] == "hotlines"
        await bot.send("user_send_text", text="/hotline")
        assert oa.refreshed == 1  # the new pair was kept: no second refresh


async def test_a_refused_refresh_tells_the_admins_once(oa, oa_settings):
    async with RunningOA(oa_settings, oa) as bot:
        oa.expire_access()
        oa.refresh_tokens.clear()  # the chain is lost (e.g. a refresh whose answer never came)
        for _ in range(2):
            response = await oa.post_event(bot.url, oa.event("user_send_text", USER, text="/hotline"))
            assert response.status_code == 200
        rows = []
        for _ in range(100):
            rows = await bot.services.storage.read(
                lambda db: list(db.query("SELECT channel, chat_id FROM outbox WHERE purpose = 'zalo_oa_relink'"))
            )
            if rows:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        rows = await bot.services.storage.read(
            lambda db: list(db.query("SELECT channel, chat_id FROM outbox WHERE purpose = 'zalo_oa_relink'"))
        )
        assert rows == [{"channel": "telegram", "chat_id": "321"}]


async def test_a_broadcast_goes_as_promotions_refreshes_its_token_stops_at_the_quota_and_resumes(
    oa, oa_settings, rendered, clock
):
    followers = [f"77{n:03d}" for n in range(5)]
    for user in followers:
        oa.follow(user)  # none wrote lately: outside the consulting window, so promotions
    oa.new_period(quota=3)
    clock.now = utc_now()  # the fake OA's token expiry runs on real time
    async with RunningOA(oa_settings, oa, clock=clock) as bot:
        now = clock()
        oa.expire_access()  # the token runs out as the broadcast starts: refreshed, and it goes on

        def setup(db):
            for user in followers:
                subscriptions.subscribe(db, ChatKey("zalo_oa", user), AREA, now)
            return broadcasts.create(db, created_by="telegram:321", now=now, areas=[AREA],
                                     text="Cảnh báo: giả danh công an gọi điện.")  # fmt: skip

        await bot.services.storage.write(setup)
        for _ in range(300):
            if len(oa.sent) >= 3:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        assert len(oa.sent) == 3 and all(m["kind"] == "promotion" for m in oa.sent)
        refill = usage.next_month(now)  # the first of next month, Vietnam time
        # The send that met the quota waits for the refill; one not started by then was never tried
        # (the channel waits as a whole): how many were in flight depends on timing.
        for _ in range(200):
            waiting = await bot.services.storage.read(
                lambda db: [r[0] for r in db.execute("SELECT next_attempt_at FROM deliveries WHERE status = 'pending'")]
            )
            met = [at for at in waiting if abs((from_iso(at) - refill).total_seconds()) < 60]
            if met:
                break
            await asyncio.sleep(0.05)
        assert len(waiting) == 2  # kept, not failed: they go when the quota is refilled
        assert met and all(from_iso(at) <= utc_now() for at in waiting if at not in met)
        assert oa.quota_left == 0 and oa.refreshed == 1
        # Staff hear now what went and what waits, not when the last message goes next month.
        for _ in range(200):
            if "broadcast_summary" in rendered:
                break
            await asyncio.sleep(0.05)
        summary = rendered.values[list(rendered).index("broadcast_summary")]
        assert summary["held"] == 2 and summary["counts"].get("sent") == 3 and summary["resumes"]
        status = await bot.services.storage.read(lambda db: db.execute("SELECT status FROM broadcasts").fetchone()[0])
        assert status == "sending"  # the held messages still go when the quota is refilled
        # Next month: the quota is refilled and the two held messages go, none twice.
        oa.new_period(quota=100)
        clock.now = refill + timedelta(seconds=1)
        for _ in range(200):
            if len(oa.sent) >= 5:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
    assert sorted(m["user_id"] for m in oa.sent) == sorted(followers)
