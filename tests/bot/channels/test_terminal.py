import io

from bot.channels.terminal import chat as terminal_chat
from bot.channels.terminal import pick, render
from bot.core.messages import Choice, Reply


async def run_chat(router, services, lines: str, user: str = "local") -> str:
    out = io.StringIO()
    await terminal_chat(router, services, user_id=user, display_name="Lan", stdin=io.StringIO(lines), stdout=out)
    return out.getvalue()


def test_render_numbers_choices_and_strips_markup():
    reply = Reply("<b>Menu</b> &amp; thêm", choices=(Choice("Một", "a"), Choice("Hai", "b")))
    assert render(reply, "Bot") == "Bot: Menu & thêm\n  [1] Một\n  [2] Hai"


def test_pick_by_number():
    choices = (Choice("Một", "a"), Choice("Hai", "b"))
    assert pick("2", choices).value == "b" and pick(" 1. ", choices).value == "a"
    assert pick("3", choices) is None and pick("hai", choices) is None


async def test_welcome_then_numbers_answer_choices(router, services):
    out = await run_chat(router, services, "7\n1\n")
    assert "Chào Lan" in out and "[7] ☎️ Đường dây nóng" in out
    assert "5656" in out  # 7 = hotlines
    assert out.count("Menu chính") == 1  # then 1 = back to the menu
    assert out.rstrip().endswith("Tạm biệt, chúc bạn luôn cảnh giác!")


async def test_number_out_of_range_is_explained(router, services):
    out = await run_chat(router, services, "42\n")
    assert "Không có lựa chọn số này" in out


async def test_text_goes_through_the_same_router(router, services):
    out = await run_chat(router, services, "/hotline\n/thoat\nthis is never read\n")
    assert "0214 3820 113" in out and "never read" not in out


async def test_each_user_has_their_own_state_and_it_survives_restarts(router, services):
    await run_chat(router, services, "/xoadulieu\n", user="an")
    resumed = await run_chat(router, services, "1\n", user="an")
    assert "Chào Lan" not in resumed  # no fresh welcome: the flow was still open
    assert "Đã xóa dữ liệu" not in resumed  # there were no choices on screen yet: "1" is text
    resumed = await run_chat(router, services, "có\n", user="an")
    assert "Đã xóa dữ liệu" in resumed
    other = await run_chat(router, services, "", user="binh")
    assert "Chào Lan" in other
