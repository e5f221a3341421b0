"""The area tree and the campaign calendar."""

from __future__ import annotations

from datetime import date

import pytest

from bot.broadcast.areas import AreaError, Areas
from bot.broadcast.campaigns import Calendar, CampaignError, Campaigns, iso_week

TREE = [
    {
        "code": "lao-cai", "name": "tỉnh Lào Cai",
        "police_hotlines": [{"label": "Công an tỉnh", "number": "069 1"}],
        "children": [
            {"code": "tp-lao-cai", "name": "thành phố Lào Cai", "children": [
                {"code": "coc-leu", "name": "phường Cốc Lếu",
                 "police_hotlines": [{"label": "CA phường", "number": "1"}]},
                {"code": "bac-cuong", "name": "phường Bắc Cường"},
            ]},
        ],
    },
    {"code": "da-nang", "name": "thành phố Đà Nẵng"},
]  # fmt: skip


def test_the_tree_reads_down_and_up():
    areas = Areas(TREE)
    assert areas.roots == ["lao-cai", "da-nang"] and len(areas) == 5
    assert areas.within("tp-lao-cai") == {"tp-lao-cai", "coc-leu", "bac-cuong"}
    assert areas.full_name("coc-leu") == "phường Cốc Lếu, thành phố Lào Cai, tỉnh Lào Cai"
    assert areas.police_hotlines("coc-leu")[0].label == "CA phường"
    assert areas.police_hotlines("bac-cuong")[0].label == "Công an tỉnh"  # the nearest level that has one
    assert areas.template_values("da-nang") == {"code": "da-nang", "name": "thành phố Đà Nẵng", "police_hotlines": []}


@pytest.mark.parametrize(
    "nodes",
    [[{"code": "A b", "name": "x"}], [{"code": "ab", "name": "x"}, {"code": "ab", "name": "y"}], [{"code": "ab"}]],
)
def test_bad_areas_are_named(nodes):
    with pytest.raises(AreaError):
        Areas(nodes)


def test_the_calendar_rotates_and_fixed_weeks_win():
    calendar = Calendar(start="2026-W48", sequence=("a", "b", "c"), weeks={"2027-W05": "tet"})
    assert [calendar.campaign_id(w) for w in ("2026-W48", "2026-W49", "2026-W50", "2026-W51")] == ["a", "b", "c", "a"]
    assert calendar.campaign_id("2027-W05") == "tet" and calendar.campaign_id("2026-W47") is None
    assert calendar.campaign_id("2027-W01") == "a"  # 2026 has 53 ISO weeks: W53 is "c"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"


def test_campaign_files_are_checked(tmp_path):
    (tmp_path / "w01-a.yaml").write_text("id: w01-a\ntopic: job-scam\ntitle: T\ntext: Chào {{ area.name }}\n")
    (tmp_path / "calendar.yaml").write_text("start: 2026-W48\nsequence: [w01-a]\nweeks:\n  2027-W05: w01-a\n")
    campaigns = Campaigns.load(tmp_path, {"job-scam"})
    assert campaigns.for_week("2026-W50").id == "w01-a"
    assert campaigns.for_week("2026-W50", override="skip") is None
    (tmp_path / "calendar.yaml").write_text("start: 2026-W48\nsequence: [nope]\n")
    with pytest.raises(CampaignError, match="nope"):
        Campaigns.load(tmp_path, {"job-scam"})
    (tmp_path / "w02-b.yaml").write_text("id: other\ntopic: job-scam\ntitle: T\ntext: x\n")
    with pytest.raises(CampaignError, match="w02-b.yaml"):
        Campaigns.load(tmp_path, {"job-scam"})
