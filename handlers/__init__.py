"""User-facing features, one module each; `build_router` is the whole routing table, in order.

A handler is `async def handler(msg: Incoming, svc: Services) -> list[Reply]`. It returns replies
and never calls a platform: adapters send. Read this function to know what answers what.
"""

from __future__ import annotations

from bot.core.content import Phrases
from bot.reporting import reports
from bot.routing import grants
from bot.routing.router import Router
from handlers import (
    activity,
    activity_edit,
    activity_target,
    admin,
    cancel,
    check,
    deadline_calendar,
    fallback,
    faq,
    help,
    hotlines,
    menu,
    methods,
    period_notes,
    picture,
    police,
    privacy,
    quiz,
    report,
    staff,
    subscribe,
    thanks,
    web_login,
)


def build_router(words: Phrases | None = None) -> Router:
    """Commands marked `menu=True` make Telegram's command menu, in the order registered here;
    `group=True` those of groups' menu too: the ones a group can use with buttons alone (/baocao,
    /kiemtra without a number and /hoidap ask for typed answers, which groups do not get).

    `words`: the typed phrases of the content in use (`content/<lang>/phrases.yaml`, every
    language's); by default those shipped with the code."""
    phrases = (words or Phrases.shipped()).phrases  # phrases("cancel"): the group's words
    router = Router(owed=reports)  # a report's code is told until a delivered reply showed it

    # Start and menu: commands, greetings, and the menu button under every reply.
    router.command(
        subscribe.welcome_or_subscribe, "start", menu=True, group=True
    )  # a poster's QR code: /start dk-<area>
    router.command(menu.welcome, "batdau")
    router.command(menu.show_menu, "menu", menu=True, group=True)
    router.choice("menu", menu.show_menu)
    router.words(menu.show_menu, *phrases("menu"), in_flows=True)
    router.words(menu.welcome, *phrases("welcome"))  # greetings

    # Check and report: numbers, links and accounts. Free text with one of them is checked too (below).
    router.command(check.start, "kiemtra", "check", menu=True)
    router.choice("check", check.on_choice)
    router.flow(check.FLOW, check.answer)
    router.command(report.start, "baocao", "report", menu=True)
    router.choice(report.BUTTON, report.answer)
    router.flow(report.FLOW, report.answer)

    # Knowledge: scam-method cards, questions in one's own words, quizzes.
    router.command(methods.show_list, "thudoan", menu=True, group=True)
    router.choice("methods", methods.show_list)
    router.choice(methods.TOPIC, methods.show_card)
    router.command(faq.intro, "hoidap", menu=True)
    router.choice("ask", faq.intro)
    router.choice(faq.BUTTON, faq.show)
    router.command(quiz.start, "quiz", "tracnghiem", menu=True, group=True)
    router.choice(quiz.BUTTON, quiz.on_choice)
    router.flow(quiz.FLOW, quiz.answer)

    # Weekly warnings: subscribing by area; staff compose and send.
    router.command(subscribe.start, "dangky", "subscribe", menu=True, group=True)
    router.command(subscribe.stop, "huydangky", "unsubscribe", menu=True, group=True)
    router.choice(subscribe.BUTTON, subscribe.on_choice)
    router.flow(subscribe.FLOW, subscribe.answer)  # a commune typed at /dangky
    router.command(staff.start, "phatcanhbao", "broadcast", role="staff")
    router.choice(staff.BUTTON, staff.on_choice, role="staff")
    router.flow(staff.FLOW, staff.answer)

    # The periodic reports: staff record sessions held off-line (/ghinhan), write a report's
    # difficulties and recommendations (/baocaoky), see, add and change the deadlines of their areas
    # (/hanbaocao) and set their commune's target (/muctieu); /ghinhan also opens the sessions
    # recorded, to change or delete one.
    router.command(activity.start, "ghinhan", role="staff")
    router.choice(activity.BUTTON, activity.on_choice, role="staff")
    router.flow(activity.FLOW, activity.answer)
    router.command(period_notes.start, "baocaoky", role="staff")
    router.choice(period_notes.BUTTON, period_notes.on_choice, role="staff")
    router.flow(period_notes.FLOW, period_notes.answer)
    router.choice(activity_edit.BUTTON, activity_edit.on_choice, role="staff")  # /ghinhan's "Xem, sửa"
    router.flow(activity_edit.FLOW, activity_edit.answer)
    router.command(deadline_calendar.show_deadlines, "hanbaocao", role="staff")
    router.choice(deadline_calendar.BUTTON, deadline_calendar.on_choice, role="staff")
    router.flow(deadline_calendar.FLOW, deadline_calendar.answer)
    router.command(activity_target.start, "muctieu", role="staff")  # a commune's villages and target share
    router.choice(activity_target.BUTTON, activity_target.on_choice, role="staff")
    router.flow(activity_target.FLOW, activity_target.answer)

    # Help, hotlines, thanks.
    router.command(help.show_help, "help", "huongdan", "trogiup", menu=True, group=True)
    router.choice("help", help.show_help)
    router.words(help.show_help, *phrases("help"))
    router.command(hotlines.show_hotlines, "hotline", "duongdaynong", "sos", menu=True, group=True)
    router.choice("hotlines", hotlines.show_hotlines)
    router.words(hotlines.show_hotlines, *phrases("hotlines"))
    router.words(thanks.thanks, *phrases("thanks"))
    router.words(thanks.acknowledge, *phrases("acknowledge"))

    # Leaving a flow works from every step, by command or by word.
    router.command(cancel.cancel, "huy", "cancel", "thoat", "dung", menu=True, group=True)
    router.words(cancel.cancel, *phrases("cancel"), in_flows=True)

    # Privacy: what is kept, and erasing it (a confirm step, so a flow).
    router.command(privacy.show_privacy, "baomat", "quyenriengtu", "privacy", menu=True, group=True)
    router.command(privacy.ask, "xoadulieu", "xoa", "forget", menu=True)
    router.choice(privacy.BUTTON, privacy.answer)
    router.flow(privacy.FLOW, privacy.answer)

    # Police: the review queue. For anyone without the role these do not exist.
    router.command(police.show_queue, "hangdoi", "queue", role="police")
    router.choice(police.BUTTON, police.on_choice, role="police")
    router.flow(police.FLOW, police.note)

    # Roles from the chat: admins invite (/moi) and list or revoke (/vaitro); the invited take the
    # role with their code (/nhanma CODE, or the code sent alone).
    router.command(admin.start, "moi", "invite", role="admin")
    router.choice(admin.INVITE, admin.on_choice, role="admin")
    router.flow(admin.FLOW, admin.answer)
    router.command(admin.show_roles, "vaitro", "roles", role="admin")
    router.choice(admin.ROLES, admin.on_roles_choice, role="admin")
    router.command(admin.locality_start, "diaphuong", "locality", role="admin")  # a commune's own numbers, name
    router.choice(admin.LOCAL, admin.on_locality_choice, role="admin")
    router.flow(admin.LOCAL_FLOW, admin.locality_answer)
    # The web console: a one-time link and code for anyone who holds a role (private chats only).
    router.command(web_login.start, "dangnhap", "login", role=("police", "staff", "admin"))
    router.command(admin.redeem_command, "nhanma", "code")
    router.shape(admin.redeem_text, grants.CODE_TEXT)

    # What nothing above handles.
    router.special(
        media=picture.read,
        empty=fallback.empty,
        fallback=check.inbox,
        unknown_command=fallback.unknown_command,
        stale_choice=fallback.stale_choice,
        failure=fallback.failure,
        not_saved=fallback.not_saved,
    )
    return router
