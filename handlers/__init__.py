"""User-facing features, one module each; `build_router` is the whole routing table, in order.

A handler is `async def handler(msg: Incoming, svc: Services) -> list[Reply]`. It returns replies
and never calls a platform: adapters send. Read this function to know what answers what.
"""

from __future__ import annotations

from bot.reporting import reports
from bot.routing.router import Router
from handlers import (
    cancel,
    check,
    fallback,
    faq,
    help,
    hotlines,
    menu,
    methods,
    police,
    privacy,
    quiz,
    report,
    staff,
    subscribe,
    thanks,
)

# Shown in Telegram's command menu, in this order; descriptions come from content (commands.*).
PUBLIC_COMMANDS = (
    "start", "menu", "kiemtra", "baocao", "thudoan", "hoidap", "dangky", "huydangky", "quiz",
    "hotline", "help", "huy", "baomat", "xoadulieu",
)  # fmt: skip


def build_router() -> Router:
    router = Router(owed=reports)  # a report's code is told until a delivered reply showed it

    # Start and menu: commands, greetings, and the menu button under every reply.
    router.command(subscribe.welcome_or_subscribe, "start")  # a poster's QR code: /start dk-<area>
    router.command(menu.welcome, "batdau")
    router.command(menu.show_menu, "menu")
    router.choice("menu", menu.show_menu)
    router.words(menu.show_menu, "menu", "mở menu", "về menu", "menu chính", in_flows=True)
    router.words(
        menu.welcome,
        "alo", "a lô", "chào", "xin chào", "chào bạn", "chào bot", "chào em", "chào ad",
        "hi", "hello", "helo", "hey", "start", "bắt đầu",
    )  # fmt: skip

    # Leaving a flow works from every step, by command or by word.
    router.command(cancel.cancel, "cancel", "huy", "thoat", "dung")
    router.words(cancel.cancel, "hủy", "hủy bỏ", "thoát", "dừng", "dừng lại", "cancel", "stop", in_flows=True)

    # Help, hotlines, thanks.
    router.command(help.show_help, "help", "huongdan", "trogiup")
    router.choice("help", help.show_help)
    router.words(help.show_help, "help", "hướng dẫn", "trợ giúp", "giúp", "giúp tôi", "giúp với")
    router.command(hotlines.show_hotlines, "hotline", "duongdaynong", "sos")
    router.choice("hotlines", hotlines.show_hotlines)
    router.words(hotlines.show_hotlines, "hotline", "đường dây nóng", "số khẩn cấp", "số điện thoại công an")
    router.words(
        thanks.thanks,
        "cảm ơn", "cám ơn", "cảm ơn bạn", "cảm ơn nhiều", "cảm ơn bot", "cám ơn bạn", "thanks",
        "thank you", "thank", "tks", "thks", "ok cảm ơn", "oke cảm ơn", "ok thanks",
    )  # fmt: skip

    # Privacy: what is kept, and erasing it (a confirm step, so a flow).
    router.command(privacy.show_privacy, "baomat", "quyenriengtu", "privacy")
    router.command(privacy.ask, "xoadulieu", "xoa", "forget")
    router.choice("forget", privacy.answer)
    router.flow(privacy.FLOW, privacy.answer)

    # Knowledge: scam-method cards, questions in one's own words, quizzes.
    router.command(methods.show_list, "thudoan")
    router.choice("methods", methods.show_list)
    router.choice("topic", methods.show_card)
    router.command(faq.intro, "hoidap")
    router.choice("ask", faq.intro)
    router.choice("faq", faq.show)
    router.command(quiz.start, "quiz", "tracnghiem")
    router.choice("quiz", quiz.on_choice)
    router.flow(quiz.FLOW, quiz.answer)

    # Check and report: numbers, links and accounts. Free text with one of them is checked too (below).
    router.command(check.start, "kiemtra", "check")
    router.choice("check", check.on_choice)
    router.flow(check.FLOW, check.answer)
    router.command(report.start, "baocao", "report")
    router.choice("report", report.answer)
    router.flow(report.FLOW, report.answer)

    # Police: the review queue. For anyone without the role these do not exist.
    router.command(police.show_queue, "hangdoi", "queue", role="police")
    router.choice("police", police.on_choice, role="police")
    router.flow(police.FLOW, police.note)

    # Weekly warnings: subscribing by area; staff compose and send.
    router.command(subscribe.start, "dangky", "subscribe")
    router.command(subscribe.stop, "huydangky", "unsubscribe")
    router.choice("sub", subscribe.on_choice)
    router.command(staff.start, "phatcanhbao", "broadcast", role="staff")
    router.choice("staff", staff.on_choice, role="staff")
    router.flow(staff.FLOW, staff.answer)

    # What nothing above handles.
    router.special(
        media=fallback.media,
        empty=fallback.empty,
        fallback=check.inbox,
        unknown_command=fallback.unknown_command,
        stale_choice=fallback.stale_choice,
        failure=fallback.failure,
        not_saved=fallback.not_saved,
        not_yours=fallback.not_yours,
    )
    return router
