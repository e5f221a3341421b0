"""Words a citizen types that decide what happens: read from `content/<lang>/phrases.yaml`.

The tables below are the phrases that were written in the code before they moved to content: every
one must still reach the same handler (or the same answer)."""

from __future__ import annotations

import json

import pytest

from bot.core import paths
from bot.core.content import Phrases
from bot.core.textnorm import phrase_key
from handlers import build_router, cancel, help, hotlines, menu, thanks
from tests.content_copy import add_language, content_copy, edit_yaml
from tests.flows import walk_to_evidence

# (handler, also inside a flow) -> phrases, as build_router listed them in code.
ROUTED_BEFORE = {
    (menu.show_menu, True): ["menu", "mở menu", "về menu", "menu chính"],
    (menu.welcome, False): ["alo", "a lô", "chào", "xin chào", "chào bạn", "chào bot", "chào em", "chào ad",
                            "hi", "hello", "helo", "hey", "start", "bắt đầu"],
    (cancel.cancel, True): ["hủy", "hủy bỏ", "thoát", "dừng", "dừng lại", "cancel", "stop"],
    (help.show_help, False): ["help", "hướng dẫn", "trợ giúp", "giúp", "giúp tôi", "giúp với"],
    (hotlines.show_hotlines, False): ["hotline", "đường dây nóng", "số khẩn cấp", "số điện thoại công an"],
    (thanks.thanks, False): ["cảm ơn", "cám ơn", "cảm ơn bạn", "cảm ơn nhiều", "cảm ơn bot", "cám ơn bạn",
                             "thanks", "thank you", "thank", "tks", "thks", "ok cảm ơn", "oke cảm ơn", "ok thanks"],
}  # fmt: skip
# Phrases added since, by the issue that added them.
ADDED = {
    (thanks.acknowledge, False): ["ok", "vâng", "uh", "dạ", "được rồi", "hiểu rồi"],  # issue 14: short replies
    (menu.show_menu, True): ["xem menu", "cho tôi xem menu", "cho xem menu", "hiện menu", "mở menu chính"],  # issue 14
}
# Typed answers of flows, as the handlers listed them in code (already phrase keys).
ERASE_BEFORE = ["co", "xoa", "dong y", "ok", "yes", "co xoa", "xoa het", "co xoa het"]
KEEP_BEFORE = ["khong", "ko", "k", "giu", "giu lai", "no", "khong xoa"]
SKIP_BEFORE = ["bo qua", "ko"]
SEND_BEFORE = ["gui", "xac nhan", "dong y", "ok"]


def _assert_routed(router, table: dict) -> set[str]:
    """Every phrase of `table` reaches its handler, in flows only if it should; returns their keys."""
    for (handler, in_flows), phrases in table.items():
        inside, outside = (router._global_words, router._words) if in_flows else (router._words, router._global_words)
        for phrase in phrases:
            assert inside.get(phrase_key(phrase)) is handler, phrase
            assert phrase_key(phrase) not in outside, phrase
    return {phrase_key(p) for phrases in table.values() for p in phrases}


def test_every_phrase_that_routed_before_reaches_the_same_handler():
    router = build_router()
    before = _assert_routed(router, ROUTED_BEFORE)
    assert before <= set(router._global_words) | set(router._words)  # nothing lost


def test_added_phrases_reach_their_handler_and_only_outside_flows():
    router = build_router()
    _assert_routed(router, ADDED)
    # Nothing new beyond what the tables name, except the rest of the short-reply group.
    unlisted = set(router._global_words) | set(router._words)
    unlisted -= _assert_routed(router, ROUTED_BEFORE) | _assert_routed(router, ADDED)
    assert all(router._words.get(key) is thanks.acknowledge for key in unlisted), unlisted


def test_the_flow_answers_are_the_ones_the_code_had():
    phrases = Phrases.load(paths.content_dir(), "vi")
    assert phrases.keys("forget.erase", "vi") == set(ERASE_BEFORE)
    assert phrases.keys("forget.keep", "vi") == set(KEEP_BEFORE)
    assert set(SKIP_BEFORE) <= phrases.keys("report.skip", "vi")
    assert phrases.keys("report.send", "vi") == set(SEND_BEFORE)


@pytest.fixture
def asking_where(tmp_path):
    """A content copy in which "gọi công an ở đâu" is one more way to ask for the hotlines."""
    root = content_copy(tmp_path)
    edit_yaml(root / "vi" / "phrases.yaml", lambda phrases: phrases["hotlines"].append("gọi công an ở đâu"))
    return root


def test_the_router_routes_what_the_content_says(asking_where):
    router = build_router(Phrases.load(asking_where, "vi"))
    assert router._words[phrase_key("Gọi công an ở đâu?")] is hotlines.show_hotlines
    assert phrase_key("gọi công an ở đâu") not in build_router()._words


def test_every_language_routes_its_own_words(tmp_path):
    root = content_copy(tmp_path)
    add_language(root, "en", phrases="cancel: [never mind]\n")
    router = build_router(Phrases.load(root, "vi"))
    assert router._global_words[phrase_key("never mind")] is cancel.cancel
    assert router._global_words[phrase_key("hủy")] is cancel.cancel  # Vietnamese still works


@pytest.mark.parametrize("said", ["Có", "có xóa hết", "Đồng ý", "xoá hết"] + ERASE_BEFORE)
async def test_erasure_is_confirmed_by_every_word_it_was_before(chat, said):
    await chat.send("/xoadulieu")
    await chat.send(said)
    assert chat.templates == ["forget_done"]


@pytest.mark.parametrize("said", ["Không", "giữ lại", "không xóa"] + KEEP_BEFORE)
async def test_erasure_is_declined_by_every_word_it_was_before(chat, said):
    await chat.send("/xoadulieu")
    await chat.send(said)
    assert chat.templates == ["forget_kept"]


async def _walk_to_evidence(chat) -> None:
    await walk_to_evidence(chat, via="ott_call", amount="5 triệu", description="Họ xưng công an")
    assert chat.renders[-1][1]["step"] == "evidence"


@pytest.mark.parametrize("said", ["Bỏ qua", "bo qua", "ko", "⏭ Bỏ qua"])
async def test_an_optional_step_is_skipped_by_the_words_it_was_before(chat, said):
    await _walk_to_evidence(chat)
    await chat.send(said)
    assert chat.templates == ["report_area"]  # the commune, optional too
    await chat.send(said)
    assert chat.renders[-1][1]["step"] == "consent"


@pytest.mark.parametrize("said", ["Gửi", "xác nhận", "Đồng ý", "ok"])
async def test_a_report_is_sent_by_the_words_it_was_before(chat, services, said):
    await _walk_to_evidence(chat)
    await chat.send("bỏ qua")
    await chat.send("bỏ qua")  # the commune
    await chat.press("report:consent:updates")
    await chat.send(said)
    assert "report_done" in chat.templates
    assert len(await services.storage.read(lambda db: list(db["reports"].rows))) == 1


def test_the_cli_routes_with_the_configured_content(tmp_path, asking_where):
    from tests.bot.cli.test_cli import canhgiac

    env = {"CANHGIAC_CONTENT_DIR": str(asking_where)}
    result = canhgiac("ask", "--json", "gọi công an ở đâu", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outcome"] == "router"
