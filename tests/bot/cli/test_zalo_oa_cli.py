"""`canhgiac zalo-oa link` and `status`, as a real process against the loopback fake OAuth service."""

from __future__ import annotations

import asyncio
import os
import sys
from urllib.parse import parse_qs, urlsplit

from tests.bot.cli.test_cli import REPO
from tests.fakes.zalo_oa_api import APP_ID, APP_SECRET, OA_ID, OA_SECRET, FakeZaloOA


async def _canhgiac(*args: str, env: dict) -> tuple[int, str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CANHGIAC_", "ZALO_"))}
    environment.update(PYTHONPATH=str(REPO), **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def test_link_in_two_steps_then_status_without_showing_a_token(tmp_path):
    async with FakeZaloOA() as oa:
        env = {
            "ZALO_OA_ID": OA_ID, "ZALO_OA_APP_ID": APP_ID, "ZALO_OA_APP_SECRET": APP_SECRET,
            "ZALO_OA_SECRET_KEY": OA_SECRET, "ZALO_OAUTH_BASE_URL": oa.url, "ZALO_OA_API_BASE_URL": oa.url,
            "CANHGIAC_DB": str(tmp_path / "bot.db"),
        }  # fmt: skip
        code, out, err = await _canhgiac("zalo-oa", "status", env=env)
        assert code == 0 and "not linked" in out
        code, out, err = await _canhgiac("zalo-oa", "link", "--redirect-uri", "https://xa.example.vn/cb", env=env)
        assert code == 0, err
        url = next(line for line in out.splitlines() if line.startswith(oa.url))
        query = parse_qs(urlsplit(url).query)
        assert query["app_id"] == [APP_ID] and query["redirect_uri"] == ["https://xa.example.vn/cb"]
        code_ = oa.authorize(query["code_challenge"][0])
        back = f"https://xa.example.vn/cb?code={code_}&oa_id={OA_ID}&state={query['state'][0]}"
        code, out, err = await _canhgiac("zalo-oa", "link", "--callback", back, env=env)
        assert code == 0 and "linked" in out, err
        again = await _canhgiac("zalo-oa", "link", "--callback", back, env=env)  # a state works once
        assert again[0] == 2 and "step 1" in again[2]
        code, out, err = await _canhgiac("zalo-oa", "status", env=env)
        assert code == 0 and f"OA {OA_ID}: linked" in out
        assert not any(token in out + err for token in oa.access)  # tokens are never printed
