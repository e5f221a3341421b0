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


def test_status_of_a_broadcast_that_reached_nobody_draws_no_full_bar(tmp_path):
    from bot.broadcast import broadcasts
    from bot.core.settings import load_settings
    from bot.services import load_library

    assert canhgiac("broadcast", "send", "--text", "Họp tổ dân phố", "--area", "x-02647", cwd=tmp_path).returncode == 0
    library = load_library(load_settings())
    renderer = broadcasts.Renderer(library.content.texts("vi"), library.areas, library.campaigns)
    storage = Storage(tmp_path / "data" / "canhgiac.db")
    try:  # the sender's step: nobody subscribes to x-02647, so the broadcast is done with 0 recipients
        storage.write_sync(lambda db: broadcasts.enqueue(db, broadcasts.get(db, 1), renderer, utc_now()))
    finally:
        storage.close()
    status = canhgiac("broadcast", "status", "1", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert "#" not in status.stdout and "no recipients" in status.stdout and "0/0 done" in status.stdout


def test_campaigns_list_names_every_campaign_with_its_topic(tmp_path):
    from bot.core.settings import load_settings
    from bot.services import load_library

    campaigns = load_library(load_settings()).campaigns.by_id
    result = canhgiac("campaigns", "list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [row[0] for row in rows] == sorted(campaigns)
    assert all(campaigns[row[0]].topic in row for row in rows)
    listed = json.loads(canhgiac("campaigns", "list", "--json", cwd=tmp_path).stdout)
    assert {c["id"]: c["topic"] for c in listed} == {c.id: c.topic for c in campaigns.values()}
    assert all(c["next_week"] for c in listed if c["id"] in load_library(load_settings()).campaigns.calendar.sequence)


def test_old_area_codes_lead_to_the_current_unit_or_are_refused_when_split(tmp_path):
    sent = canhgiac("broadcast", "send", "--text", "Họp tổ dân phố", "--area", "coc-leu", cwd=tmp_path)
    assert sent.returncode == 0, sent.stderr
    assert "coc-leu → x-02647" in sent.stdout
    listing = canhgiac("broadcast", "list", cwd=tmp_path).stdout
    assert "x-02647" in listing and "coc-leu" not in listing  # stored as the current unit
    drawn = canhgiac("poster", "coc-leu", "-o", "p.png", "--bot", "canhgiac_bot", cwd=tmp_path)
    assert drawn.returncode == 0, drawn.stderr
    assert "coc-leu → x-02647" in drawn.stdout and "start=dk-x-02647" in drawn.stdout
    for command in (["broadcast", "send", "--text", "x", "--area"], ["poster", "-o", "q.png", "--bot", "canhgiac_bot"]):
        split = canhgiac(*command, "tt-truong-son-an-lao", cwd=tmp_path)  # went into two units
        assert split.returncode == 2 and split.stderr.count("\n") == 1, split.stderr
        assert "x-11629" in split.stderr and "x-11446" in split.stderr
    assert not (tmp_path / "q.png").exists()
