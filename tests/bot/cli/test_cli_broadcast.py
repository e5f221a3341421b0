"""`canhgiac broadcast …`, `areas list`, `subscribers list`, `poster` as staff run them."""

from __future__ import annotations

import json

from PIL import Image

from bot.broadcast import subscriptions
from bot.broadcast.poster import qr_layouts
from bot.core.clock import utc_now
from bot.core.messages import ChatKey
from bot.core.storage import Storage
from tests.bot.cli.test_cli import canhgiac


def _subscribe(db_path, people: dict[str, str]) -> None:
    storage = Storage(db_path)
    try:
        storage.write_sync(
            lambda db: [subscriptions.subscribe(db, ChatKey("telegram", c), a, utc_now()) for c, a in people.items()]
        )
    finally:
        storage.close()


def test_areas_and_subscribers_as_json(tmp_path):
    areas = json.loads(canhgiac("areas", "list", "--json", cwd=tmp_path).stdout)
    by_code = {a["code"]: a for a in areas}
    assert by_code["x-02647"] == {"code": "x-02647", "name": "phường Lào Cai", "parent": "t-15"}
    assert by_code["t-15"]["parent"] is None
    _subscribe(tmp_path / "data" / "canhgiac.db", {"1": "x-02647", "2": "x-02674", "3": "x-11629"})
    result = canhgiac("subscribers", "list", "--area", "t-15", "--json", cwd=tmp_path)
    rows = json.loads(result.stdout)
    assert [(r["chat"], r["channel"], r["area"], r["active"]) for r in rows] == [
        ("1", "telegram", "x-02647", True), ("2", "telegram", "x-02674", True),
    ]  # fmt: skip
    assert canhgiac("subscribers", "list", "--area", "atlantis", cwd=tmp_path).returncode == 2


def test_broadcast_send_list_status_cancel(tmp_path):
    sent = canhgiac("broadcast", "send", "--text", "Họp tổ dân phố tối nay", "--area", "x-02647", cwd=tmp_path)
    assert sent.returncode == 0 and "broadcast 1 queued" in sent.stdout
    later = canhgiac(
        "broadcast", "send", "--campaign", "w01-cong-an-goi-dien", "--at", "2099-01-05 08:00", cwd=tmp_path
    )
    assert later.returncode == 0 and "broadcast 2 queued for 2099-01-05 08:00" in later.stdout
    listing = canhgiac("broadcast", "list", cwd=tmp_path).stdout.splitlines()
    assert "08:00 05/01/2099" in listing[0] and "w01-cong-an-goi-dien" in listing[0] and "x-02647" in listing[1]
    status = canhgiac("broadcast", "status", "2", cwd=tmp_path)
    assert status.returncode == 0 and "0/0 scheduled" in status.stdout
    assert canhgiac("broadcast", "cancel", "2", cwd=tmp_path).returncode == 0
    assert canhgiac("broadcast", "cancel", "2", cwd=tmp_path).returncode == 2
    for bad in (
        ["--text", "x", "--campaign", "w01-cong-an-goi-dien"], ["--campaign", "nope"],
        ["--text", "x", "--area", "nope"], ["--text", "x", "--at", "2001-01-01 08:00"], ["--text", "x", "--at", "mai"],
    ):  # fmt: skip
        result = canhgiac("broadcast", "send", *bad, cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, bad


def test_poster_png_and_pdf(tmp_path):
    result = canhgiac("poster", "x-02647", "-o", "out/x-02647.png", "--bot", "canhgiac_bot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "https://t.me/canhgiac_bot?start=dk-x-02647" in result.stdout
    assert Image.open(tmp_path / "out" / "x-02647.png").size == (2480, 3508)
    pdf = canhgiac("poster", "x-02647", "-o", "p.pdf", cwd=tmp_path, env={"TELEGRAM_BOT_USERNAME": "canhgiac_bot"})
    assert pdf.returncode == 0 and (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")
    assert canhgiac("poster", "x-02647", "-o", "p.pdf", cwd=tmp_path).returncode == 2  # which bot?
    assert canhgiac("poster", "atlantis", "-o", "p.png", "--bot", "canhgiac_bot", cwd=tmp_path).returncode == 2


def test_poster_names_the_commune_with_its_province_and_adds_the_zalo_code_when_configured(tmp_path):
    from bot.broadcast.areas import Areas
    from bot.core.paths import content_dir
    from tests.bot.broadcast.test_poster import assert_qr_is_the_url

    full_name = Areas.load(content_dir() / "areas.yaml").full_name("x-02647")
    telegram, zalo = "https://t.me/canhgiac_bot?start=dk-x-02647", "https://zalo.me/2741837465902153847"
    alone = canhgiac("poster", "x-02647", "-o", "one.png", "--bot", "canhgiac_bot", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    assert full_name in alone.stdout and telegram in alone.stdout and "zalo.me" not in alone.stdout
    image = Image.open(tmp_path / "one.png").convert("L")
    assert_qr_is_the_url(image, telegram)
    both = canhgiac(
        "poster", "x-02647", "-o", "two.png", "--bot", "canhgiac_bot", cwd=tmp_path,
        env={"CANHGIAC_ZALO_BOT_LINK": zalo},
    )  # fmt: skip
    assert both.returncode == 0, both.stderr
    assert full_name in both.stdout and telegram in both.stdout and zalo in both.stdout
    image = Image.open(tmp_path / "two.png").convert("L")
    for url, layout in zip([telegram, zalo], qr_layouts([telegram, zalo]), strict=True):
        assert_qr_is_the_url(image, url, layout)
    bad = canhgiac("poster", "x-02647", "-o", "x.png", "--bot", "b0t_x", cwd=tmp_path,
                   env={"CANHGIAC_ZALO_BOT_LINK": "zalo.me/1"})  # fmt: skip
    assert bad.returncode == 2 and "CANHGIAC_ZALO_BOT_LINK" in bad.stderr
