"""The OA's tokens: refreshed once for two processes, kept across a refused refresh, never shown."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import httpx

from bot.channels.zalo_oa_api import ZaloOAuth, event_signature, pkce_pair, signature_ok
from bot.channels.zalo_oa_tokens import NotLinked, TokenKeeper, store
from bot.core.storage import Storage
from tests.fakes.zalo_oa_api import APP_ID, APP_SECRET, OA_ID, FakeZaloOA


def test_pkce_challenge_is_the_unpadded_sha256_of_the_verifier():
    verifier, challenge = pkce_pair()
    assert len(verifier) == 43 and verifier.isalnum()
    assert challenge == base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    assert pkce_pair()[0] != verifier


def test_the_event_signature_covers_app_id_body_timestamp_and_secret():
    mac = event_signature("app", b'{"a":1}', "1700000000000", "secret")
    assert mac == "mac=" + hashlib.sha256(b'app{"a":1}1700000000000secret').hexdigest()
    assert signature_ok(mac, "app", b'{"a":1}', "1700000000000", "secret")
    assert not signature_ok(mac, "app", b'{"a":2}', "1700000000000", "secret")
    assert not signature_ok(None, "app", b"{}", "1", "secret") and not signature_ok(mac, "app", b"{}", None, "s")


async def _linked(tmp_path, oa: FakeZaloOA, http: httpx.AsyncClient) -> tuple[Storage, ZaloOAuth]:
    storage = Storage(tmp_path / "bot.db")
    oauth = ZaloOAuth(APP_ID, APP_SECRET, base_url=oa.url, http=http)
    verifier, challenge = pkce_pair()
    tokens = await oauth.exchange(oa.authorize(challenge), verifier)
    assert "access" not in repr(tokens)  # only the expiry shows
    await storage.write(lambda db: store(db, OA_ID, tokens))
    return storage, oauth


async def test_two_processes_refreshing_at_once_use_the_single_use_token_once(tmp_path):
    async with FakeZaloOA() as oa, httpx.AsyncClient() as http:
        storage, oauth = await _linked(tmp_path, oa, http)
        stale = await TokenKeeper(storage, oauth, OA_ID).access()
        # Two keepers (the bot and `canhgiac web`) on one database, each told the token expired.
        first, second = TokenKeeper(storage, oauth, OA_ID), TokenKeeper(storage, oauth, OA_ID)
        got = await asyncio.gather(first.refresh(stale), second.refresh(stale))
        assert got[0] == got[1] != stale and oa.refreshed == 1
        storage.close()


async def test_a_refused_refresh_marks_the_link_broken_and_alerts_once(tmp_path):
    alerts = []

    async def alert():
        alerts.append(1)

    async with FakeZaloOA() as oa, httpx.AsyncClient() as http:
        storage, oauth = await _linked(tmp_path, oa, http)
        keeper = TokenKeeper(storage, oauth, OA_ID, alert=alert)
        stale = await keeper.access()
        oa.refresh_tokens.clear()
        for _ in range(3):
            try:
                await keeper.refresh(stale)
            except NotLinked:
                pass
            else:
                raise AssertionError("a refused refresh must not give a token")
        assert alerts == [1]
        try:
            await keeper.access()
        except NotLinked as error:
            assert "lost" in str(error)
        storage.close()
