"""Every citizen flow, step by step, as the citizen sees it: snapshots of the rendered replies.

Behaviour tests elsewhere assert template keys, choice values and database rows, never wording.
The wording is pinned here instead, once, in reviewable files: each flow below is walked through
the real router on a real SQLite file with the fake clock, and its transcript (per turn: what was
sent, the templates rendered, each reply's text and its choices as label → value, and any message
queued for another chat) is compared with `tests/snapshots/<flow>.txt`.

A content edit changes a snapshot and nothing else: review the diff, then rewrite the files with
`pytest tests/test_snapshots.py --snapshot-update`. The walk is deterministic (fixed clock, fixed
chat ids, a seeded quiz), so the files only change when replies do.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.clock import VIETNAM
from bot.core.messages import ChatKey, Contact, Photo, Reply
from bot.identifiers import extract_identifiers, vietqr
from bot.reporting import reports
from bot.routing import grants
from tests.conftest import SNAPSHOTS, Chat, Snapshot
from tests.images.pictures import needs_ocr, qr_picture, sms_screenshot

CITIZEN, OTHER_CITIZEN, OFFICER, STAFF = "1001", "1002", "7001", "7002"
ADMIN, INVITED = "7003", "7004"  # an admin of the environment; a person an admin invites
TEMPLATES = Path(__file__).resolve().parent.parent / "content" / "vi" / "templates"


# --- Steps: what a flow sends, and from which chat -------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One message from `who`: text, a button value, a media field, or a button picked by prefix
    (for values holding ids, e.g. the first `police:confirmed:` offered)."""

    text: str | None = None
    press: str | None = None
    pick: str | None = None
    fields: dict = field(default_factory=dict)
    who: str = CITIZEN
    offered: bool = True  # a pressed value must be among the last turn's choices (False: a stale button)
    lost: bool = False  # the replies never reached the chat (the send failed, the bot stopped)

    def describe(self, value: str | None) -> str:
        if self.text is not None:
            return f"text {self.text!r}"
        if value is not None:
            return f"press {value}" + (" (replies lost on the way)" if self.lost else "")
        return "send " + ", ".join(
            k if k in ("photo", "contact") else f"{k}={v!r}" for k, v in sorted(self.fields.items())
        )


def send(text: str, who: str = CITIZEN) -> Step:
    return Step(text=text, who=who)


def press(value: str, who: str = CITIZEN, *, offered: bool = True, lost: bool = False) -> Step:
    return Step(press=value, who=who, offered=offered, lost=lost)


def pick(prefix: str, who: str = CITIZEN) -> Step:
    return Step(pick=prefix, who=who)


def media(who: str = CITIZEN, **fields: object) -> Step:
    return Step(fields=fields, who=who)


# --- Transcripts ------------------------------------------------------------------------------------


def _reply(n: int, total: int, reply: Reply) -> list[str]:
    head = f"--- reply {n}/{total}"
    if reply.photo:
        head += f" photo={reply.photo}"
    if reply.request_contact:
        head += f" contact-button={reply.request_contact!r}"
    lines = [head]
    if reply.document is not None:  # its name and words; not its bytes (a .docx zips a timestamp)
        document = reply.document
        lines += [f"[file {document.name} {document.mime}]", f"caption: {document.caption}",
                  f"instead: {document.instead}"]  # fmt: skip
    lines.append(reply.text)
    # Without buttons, options carry the number they are shown with (numbers continue across turns).
    numbers = [f"{reply.first_number + i}. " if reply.first_number else "" for i in range(len(reply.choices))]
    lines += [f"{n}[{choice.label}] → {choice.value}" for n, choice in zip(numbers, reply.choices, strict=True)]
    return lines


async def _queued(services, since: int) -> list[tuple[int, str, str, str]]:
    return await services.storage.read(
        lambda db: db.execute(
            "SELECT id, channel, chat_id, text FROM outbox WHERE id > ? ORDER BY id", [since]
        ).fetchall()
    )


async def transcript(router, services, steps: list[Step], title: str) -> str:
    chats: dict[str, Chat] = {}
    lines = [f"# {title}"]
    seen = 0
    for number, step in enumerate(steps, 1):
        chat = chats.setdefault(step.who, Chat(router, services, chat_id=step.who))
        value = step.press
        if step.pick is not None:
            value = next((v for v in chat.choice_values if v.startswith(step.pick)), None)
            assert value is not None, f"turn {number}: no choice {step.pick}… in {chat.choice_values}"
        elif value is not None and step.offered:
            assert value in chat.choice_values, f"turn {number}: {value} was not offered: {chat.choice_values}"
        replies = await chat.send(step.text, choice=value, lost=step.lost, **step.fields)
        lines += ["", f"## {number}. chat {step.who}: {step.describe(value)}"]
        lines.append("templates: " + (", ".join(chat.templates) or "-"))
        for n, reply in enumerate(replies, 1):
            lines += _reply(n, len(replies), reply)
        for row_id, channel, chat_id, text in await _queued(services, seen):
            lines += [f"--- queued for {channel}:{chat_id}", text]
            seen = row_id
    return "\n".join(lines) + "\n"


def templates_in(text: str) -> set[str]:
    return {name for line in re.findall(r"^templates: (.*)$", text, re.M) for name in line.split(", ") if name != "-"}


# --- The flows ----------------------------------------------------------------------------------------

REPORT_TO_AREA = [
    send("/baocao"),
    press("report:what:call"),
    send("gọi từ số 0912.345.678 đó"),
    press("report:via:ott_call"),
    press("report:claimed:fake-authority-call"),
    press("report:happened:today"),
    send("5 triệu"),
    send("Họ xưng công an, bảo tôi chuyển tiền vào tài khoản tạm giữ"),
    media(photo=Photo(ref="AgACAgQ-evidence")),
]
REPORT_TO_CONSENT = [*REPORT_TO_AREA, press("report:skip")]  # no subscription: the commune question, skipped


def picture(data: bytes) -> Step:
    """A photo whose bytes the adapter can fetch (drawn as tests/images/render.py draws them)."""

    async def fetch() -> bytes:
        return data

    return media(photo=Photo(ref="picture", fetch=fetch))


def typed(text: str) -> Step:
    """A text from a chat without buttons (Zalo, the terminal): numbers and words pick options."""
    return Step(text=text, fields={"buttons": False})


FLOWS: dict[str, tuple[str, list[Step]]] = {
    "no_buttons": (
        "a report typed on a chat without buttons: words, a bare amount, a number for cancel",
        [
            typed("/baocao"),
            typed("cuoc goi"),  # the option's words, without accents
            typed("0912 345 678"),
            typed("goi"),  # words of two options: both shown again
            typed("1"),
            typed("1"),
            typed("1"),
            typed("3"),  # the amount step takes a number: 3 triệu
            typed("2"),  # the story step's 2nd option cancels: a bare number asks first
            typed("4"),  # "no, go on"
            typed("Họ xưng công an, bảo tôi chuyển tiền"),
        ],
    ),
    "start": ("/start, a greeting, the menu", [send("/start"), send("chào"), send("/menu"), press("help")]),
    "help_hotlines_thanks": (
        "help, hotlines, thanks",
        [send("/help"), send("/hotline"), send("cảm ơn")],
    ),
    "methods": (
        "scam methods: the list, a card, its continuation",
        [
            press("methods", offered=False),
            press("topic:fake-authority-call"),
            press("topic:fake-authority-call:more"),
            press("methods"),
        ],
    ),
    "faq": (
        "questions: answered, suggested, none of these, not understood, short replies, the examples",
        [
            send("cong an goi dien bat chuyen tien vao tai khoan tam giu co that khong"),
            send("tài khoản"),
            press("faq:none"),
            send("giá lúa hôm nay ở Cần Thơ bao nhiêu"),
            send("ok"),
            send("?"),
            send("/hoidap"),
            pick("faq:"),
        ],
    ),
    "check_number": (
        "checking a number: by command, a re-ask, a photo, then the value",
        [
            send("/kiemtra"),
            send("không biết nữa"),
            media(photo=Photo(ref="x")),
            send("0912 345 678"),
            send("+855 12 345 678"),
            send("/kiemtra stk 1027845566 MB"),
        ],
    ),
    "pictures": (
        "pictures: a screenshot of a scam SMS, a VietQR transfer code, a Zalo login code, a file that is no picture",
        [
            picture(sms_screenshot("VCB: Tai khoan cua Quy khach bi tam khoa. Xac thuc ngay tai vcb-xacthuc.top")),
            picture(qr_picture(vietqr.build("970436", "0123456789", "3000000", "coc giu cho", "NGUYEN VAN B"))),
            picture(qr_picture("https://id.zalo.me/account/authen/qr?code=abc", "photo")),
            picture(b"GIF89a not really"),
        ],
    ),
    "check_link": (
        "checking links: a look-alike and an official site",
        [send("vietcombank-xacthuc.com"), send("https://vietcombank.com.vn")],
    ),
    "check_reported": (
        "checking a number that was reported, and a bank account that was",
        [
            *REPORT_TO_CONSENT,
            press("report:consent:none"),
            press("report:confirm"),
            send("0912 345 678", who=OTHER_CITIZEN),
        ],
    ),
    "message_verdict": (
        "is this a scam: a forwarded genuine OTP SMS, a fake-police text in the check screen, a question "
        "quoting a prize message, the issue's fee message with no link",
        [
            Step(
                text="Ma OTP cua Quy khach la 482913, co hieu luc trong 3 phut. KHONG chia se ma nay cho bat ky ai.",
                fields={"forwarded": True},
            ),
            send("/kiemtra"),
            send(
                "Đây là cơ quan công an, anh đang liên quan đến một vụ rửa tiền. Anh phải chuyển toàn bộ tiền "
                "vào tài khoản tạm giữ để xác minh, không được nói với ai, nếu không sẽ bị bắt"
            ),
            send(
                "tin nhắn này có phải lừa đảo không: Chúc mừng quý khách đã trúng thưởng xe máy SH, "
                "vui lòng nộp phí 2 triệu để nhận giải"
            ),
            send(
                "Tài khoản của bạn đã đăng ký chương trình quảng cáo của nhà mạng, thu phí 2.250.000 VND mỗi "
                "tháng, vui lòng vào để kiểm tra hoặc hủy"
            ),
        ],
    ),
    "pasted_scam": (
        "a pasted scam message with a link and a number; a question with a number",
        [
            send(
                "[VCB] Tai khoan cua quy khach da bi tam khoa do chua cap nhat sinh trac hoc. "
                "Vui long truy cap vcb-sinhtrachoc.com de xac thuc ngay hoac goi 0901234567 de duoc ho tro"
            ),
            send("số 0987654321 gọi xưng công an bắt chuyển tiền để điều tra"),
        ],
    ),
    "report_full": (
        "/baocao step by step: a call, the commune by its old name, contact shared, confirmed; then the code is "
        "remembered",
        [
            *REPORT_TO_AREA,
            send("coc leu"),
            press("report:area:x-02647"),
            press("report:consent:contact"),
            media(contact=Contact(phone_number="84987654321", user_id=CITIZEN)),
            press("report:confirm"),
        ],
    ),
    "report_bank_skip": (
        "/baocao for a bank account: the bank, the holder, every optional step skipped",
        [
            send("/baocao"),
            press("report:what:bank_account"),
            send("1027845566"),
            send("quan doi"),
            send("NGUYEN VAN A"),
            press("report:via:zalo"),
            press("report:claimed:investment-scam"),
            press("report:happened:this_week"),
            press("report:skip"),
            press("report:skip"),
            press("report:skip"),
            press("report:skip"),
            press("report:consent:none"),
            press("report:confirm"),
        ],
    ),
    "report_cancel": (
        "/baocao: re-asks, resumed by /baocao, then cancelled midway; cancelling again",
        [
            send("/baocao"),
            press("report:what:call"),
            send("không nhớ"),
            send("0912345678"),
            send("hôm qua"),
            send("/baocao"),
            send("/huy"),
            send("/huy"),
        ],
    ),
    "report_lost_replies": (
        "/baocao whose confirmation never arrived: pressed again, or told with the next reply",
        [
            *REPORT_TO_CONSENT,
            press("report:consent:none"),
            press("report:confirm", lost=True),
            press("report:confirm", offered=False),
            *[Step(**{**s.__dict__, "who": OTHER_CITIZEN}) for s in REPORT_TO_CONSENT],
            press("report:consent:none", who=OTHER_CITIZEN),
            press("report:confirm", who=OTHER_CITIZEN, lost=True),
            send("/menu", who=OTHER_CITIZEN),
        ],
    ),
    "report_limit": (
        "/baocao over the daily limit (set to 1 here)",
        [*REPORT_TO_CONSENT, press("report:consent:none"), press("report:confirm"), send("/baocao")],
    ),
    "report_profile_edit": (
        "/baocao of a social-media profile named without its platform; one answer changed at the summary",
        [
            send("/baocao"),
            press("report:what:social"),
            send("Thu Hà Shop (bán hàng không giao)"),
            press("report:platform:tiktok"),
            press("report:via:other"),
            press("report:claimed:ecommerce-scam"),
            press("report:happened:yesterday"),
            send("500k"),
            send("Chuyển khoản xong thì bị chặn"),
            press("report:skip"),
            send("Hà Nội"),
            press("report:area:t-01"),
            press("report:consent:updates"),
            press("report:edit"),
            press("report:edit:area"),
            send("xyzzy qwerty"),
            send("hoan kiem"),
            press("report:area:x-00070"),
            press("report:edit"),
            press("report:edit:amount"),
            send("800k"),
            press("report:edit"),
            press("report:back"),
            press("report:confirm"),
        ],
    ),
    "report_no_identifier": (
        "/baocao of a visit at the door: the story at the identifier step; a call with no number kept",
        [
            send("/baocao"),
            press("report:what:other"),
            send("có người đến nhà xưng cán bộ điện lực thu tiền"),
            press("report:via:in_person"),
            press("report:claimed:fake-official-staff"),
            press("report:happened:today"),
            press("report:skip"),
            press("report:skip"),
            press("report:skip"),
            press("report:consent:none"),
            press("report:confirm"),
            send("/baocao", who=OTHER_CITIZEN),
            press("report:what:call", who=OTHER_CITIZEN),
            send("số ẩn", who=OTHER_CITIZEN),
            press("report:noid", who=OTHER_CITIZEN),
        ],
    ),
    "citizen_id": (
        "a citizen-ID number sent to check or to report: personal data, never an account",
        [
            send("/kiemtra 001099012345"),
            send("/baocao"),
            press("report:what:bank_account"),
            send("079 203 004 567"),
        ],
    ),
    "privacy": (
        "/baomat, then /xoadulieu: unclear, kept, then erased",
        [
            send("/baomat"),
            send("/xoadulieu"),
            send("để tôi nghĩ đã"),
            send("Không"),
            send("/xoadulieu"),
            press("forget:yes"),
        ],
    ),
    "quiz": (
        "/quiz: a re-ask, answers by button and by number, the result",
        [send("/quiz"), send("không biết nữa"), *[pick("quiz:") for _ in range(5)]],
    ),
    "subscribe": (
        "/dangky by area (a province, its second page), topics, again, moving; /huydangky twice; "
        "a poster's link, one printed before 2025, one of a split commune",
        [
            send("/dangky"),
            press("sub:area:t-15"),
            press("sub:page:t-15.1"),
            press("sub:area:x-02647"),
            press("sub:topics"),
            press("sub:topic:job-scam"),
            press("sub:topics_done"),
            press("sub:pick:x-02647", offered=False),
            press("sub:pick:t-15", offered=False),
            send("/huydangky"),
            send("/huydangky"),
            send("/start dk-x-02647"),
            press("sub:undo:-"),
            send("/start dk-coc-leu"),
            send("/start dk-tt-truong-son-an-lao"),
            send("/dangky"),
            send("xyzzyq"),
            send("lao cai"),
            send("ta phin"),
            press("sub:pick:x-03013"),
        ],
    ),
    "odd_messages": (
        "what no feature handles: empty, media, a contact, an unknown command, a stale button",
        [
            send("\u200b"),
            media(photo=Photo(ref="p")),
            media(unsupported="sticker"),
            media(contact=Contact(phone_number="+84912345678")),
            send("/khongcolenhnay"),
            press("zzz:old", offered=False),
        ],
    ),
    "police": (
        "/hangdoi: a citizen does not see it; the officer reviews, confirms with a note, the reporter hears",
        [
            send("/hangdoi"),
            *REPORT_TO_CONSENT,
            press("report:consent:updates"),
            press("report:confirm"),
            send("/hangdoi", who=OFFICER),
            pick("police:detail:", who=OFFICER),
            send("/hangdoi", who=OFFICER),
            pick("police:confirmed:", who=OFFICER),
            send("Đã xác minh với nhà mạng", who=OFFICER),
            send("/hangdoi", who=OFFICER),
        ],
    ),
    "admin_invites": (
        "/moi: a citizen does not see it; the admin invites an officer for two wards; wrong, used and "
        "right codes; /vaitro lists and revokes",
        [
            send("/moi"),
            send("/moi", who=ADMIN),
            press("invite:role:police", who=ADMIN),
            send("không có nơi nào như vậy", who=ADMIN),
            send("cam duong", who=ADMIN),
            press("invite:area:x-02674", who=ADMIN),
            send("x-02647", who=ADMIN),
            press("invite:area:x-02647", who=ADMIN),
            press("invite:done", who=ADMIN),
            press("invite:term:90", who=ADMIN),
            press("invite:valid:24", who=ADMIN),
            send("/nhanma", who=INVITED),
            send("CG-0000-0000", who=INVITED),
            send("cg 7kq4 m2xd", who=INVITED),
            send("/nhanma CG-7KQ4-M2XD"),
            send("/vaitro", who=ADMIN),
            pick("roles:revoke:", who=ADMIN),
            send("/hangdoi", who=INVITED),
            send("/diaphuong", who=ADMIN),
            send("ta van lao cai", who=ADMIN),
            press("local:area:x-03037", who=ADMIN),
            press("local:edit:police", who=ADMIN),
            send("không phải số", who=ADMIN),
            send("Công an xã Tả Van = 0214 3871 113", who=ADMIN),
            press("local:edit:name", who=ADMIN),
            send("xã Tả Van", who=ADMIN),
        ],
    ),
    "officer_scoped_queue": (
        "/hangdoi of an officer invited for phường Cam Đường: only its reports; another ward's refused",
        [
            *REPORT_TO_CONSENT,
            press("report:consent:none"),
            press("report:confirm"),
            send("/moi", who=ADMIN),
            press("invite:role:police", who=ADMIN),
            send("phường Cam Đường, Lào Cai", who=ADMIN),
            press("invite:area:x-02674", who=ADMIN),
            press("invite:done", who=ADMIN),
            press("invite:term:none", who=ADMIN),
            press("invite:valid:168", who=ADMIN),
            send("CG-7KQ4-M2XD", who=INVITED),
            send("/hangdoi", who=INVITED),
            pick("police:detail:", who=INVITED),
            press("police:confirmed:2", who=INVITED, offered=False),  # the citizen's report: phường Lào Cai
            send("/hangdoi cam duong", who=INVITED),
            send("/hangdoi phường Lào Cai", who=INVITED),  # outside the officer's scope
            send("/hangdoi xyzzyq", who=INVITED),
        ],
    ),
    "staff": (
        "/phatcanhbao: a citizen does not see it; staff write, preview, confirm; this week's campaign",
        [
            press("sub:pick:x-02647", offered=False),
            send("/phatcanhbao"),
            send("/phatcanhbao", who=STAFF),
            press("staff:write", who=STAFF),
            send("Tối nay có <b>họp</b> tổ dân phố về lừa đảo qua mạng", who=STAFF),
            pick("staff:area:", who=STAFF),
            press("staff:confirm", who=STAFF),
            send("/phatcanhbao", who=STAFF),
            pick("staff:camp:", who=STAFF),
            press("staff:area:mine", who=STAFF),
            press("staff:later", who=STAFF),
            send("lúc nào cũng được", who=STAFF),
            send("20:00", who=STAFF),
            press("staff:confirm", who=STAFF),
            send("/phatcanhbao", who=STAFF),
            press("staff:override", who=STAFF),
            pick("staff:ocamp:", who=STAFF),
            pick("staff:", who=STAFF),
            send("/phatcanhbao", who=STAFF),
            press("staff:cancel", who=STAFF),
        ],
    ),
    "activity": (
        "/ghinhan: a citizen does not see it; staff record a meeting with bad input re-asked, then confirm; "
        "/muctieu: the commune's villages and target share",
        [
            send("/ghinhan"),
            send("/ghinhan", who=STAFF),
            press("act:kind:meeting", who=STAFF),
            send("25/11", who=STAFF),
            send("20/11", who=STAFF),
            press("act:area:x-02647", who=STAFF),
            send("<b>Thôn</b> Nà Phạ {{ 7*7 }}", who=STAFF),
            send("-5", who=STAFF),
            send("khoảng 50 người", who=STAFF),
            send("Nói về giả danh công an 📢", who=STAFF),
            press("act:confirm", who=STAFF),
            send("/muctieu", who=STAFF),
            press("target:area:x-02647", who=STAFF),
            send("0", who=STAFF),
            send("12", who=STAFF),
            send("120%", who=STAFF),
            send("80%", who=STAFF),
        ],
    ),
    "period_notes": (
        "/baocaoky and /hanbaocao: a quarter's difficulties and recommendations; the deadlines coming up",
        [
            send("/hanbaocao", who=STAFF),
            send("/baocaoky", who=STAFF),
            press("notes:period:2026-Q4", who=STAFF),
            press("notes:area:x-02647", who=STAFF),
            press("notes:write:difficulties", who=STAFF),
            send("Một số bản xa, loa <i>hỏng</i>", who=STAFF),
            press("notes:write:recommendations", who=STAFF),
            send("Đề nghị cấp thêm tờ rơi", who=STAFF),
            press("notes:done", who=STAFF),
            send("/baocaoky", who=STAFF),
            press("notes:period:2027-Q1", who=STAFF, offered=False),  # a crafted button: not begun
            press("notes:area:x-02674", who=STAFF),
            press("notes:done", who=STAFF),
        ],
    ),
}


@pytest.fixture
def roles(settings, clock, monkeypatch) -> None:
    settings.police_ids = [f"test:{OFFICER}"]
    settings.staff_ids = [f"{STAFF}=x-02647|x-02674"]
    settings.admin_ids = [f"test:{ADMIN}"]
    codes = iter(["CG-7KQ4-M2XD", "CG-9TRV-H3PA"])  # invite codes are random: fixed here
    monkeypatch.setattr(grants, "new_code", lambda: next(codes))
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=VIETNAM)  # a Tuesday morning, in office hours


@pytest.mark.parametrize("flow", sorted(FLOWS))
async def test_flow(router, services, roles, snapshot: Snapshot, flow: str) -> None:
    random.seed(f"snapshot:{flow}")  # the quiz draws its questions at random
    if flow == "pictures":
        needs_ocr()  # what a picture says depends on whether its text can be read
    if flow == "report_limit":
        services.settings.reports_per_day = 1
    if flow == "officer_scoped_queue":
        await _reported_in_cam_duong(services)
    title, steps = FLOWS[flow]
    snapshot.assert_match(flow, await transcript(router, services, steps, f"{flow}: {title}"))


async def _reported_in_cam_duong(services) -> None:
    """A report filed in phường Cam Đường (the flow's reports carry the deployment's locality)."""
    [number] = extract_identifiers("0987 654 321")
    draft = reports.Draft(
        identifier=number, what="call", via="phone_call", claimed_topic="phishing-link", happened="today",
        area_code="x-02674", description="Gọi xưng nhân viên ngân hàng, đòi mã OTP",
    )  # fmt: skip
    await services.storage.write(lambda db: reports.file(db, draft, ChatKey("test", "1003"), services.clock()))


# Templates no citizen flow above renders, and why.
NOT_IN_A_FLOW: dict[str, str] = {
    "zalo_oa_relink": "queued for admins when Zalo refuses the OA's refresh token (test_zalo_oa_e2e.py)",
    "police_digest": "the daily digest is queued by a scheduled job (tests/bot/reporting/test_digest.py)",
    "broadcast_summary": "queued when a broadcast finishes sending (tests/bot/broadcast/test_broadcasts.py)",
    "failure": "only after a handler raised (tests/bot/routing/test_router.py)",
    "not_saved": "only when a write fails (tests/faults/test_write_faults.py)",
    "coming_soon": "only when the content has no quiz questions (the shipped content has them)",
    "subscribe_no_areas": "only when the area registry is empty (the shipped one is not)",
    "staff_no_areas": "only for a staff member configured without areas (tests/handlers/test_staff.py)",
    "deadline_reminder": "queued by a scheduled job N days before a deadline (tests/bot/activity/test_deadlines.py)",
    "redeem_in_private": "only for /nhanma in a group; the walk is in private chats (tests/handlers/test_admin.py)",
    "check_items": "a part of check_result and message_verdict (included), never rendered alone",
    "web_login": "its link and code are random each time, so no snapshot could hold them "
    "(tests/handlers/test_web_login.py)",
}


def test_every_template_is_in_a_snapshot_or_listed_with_a_reason() -> None:
    shown: set[str] = set()
    for flow in FLOWS:
        path = SNAPSHOTS / f"{flow}.txt"
        if not path.exists():
            pytest.fail(f"no snapshot {path.name}: run `pytest tests/test_snapshots.py --snapshot-update`")
        shown |= templates_in(path.read_text(encoding="utf-8"))
    templates = {p.name.removesuffix(".html.j2") for p in TEMPLATES.glob("*.html.j2")}
    missing = templates - shown - set(NOT_IN_A_FLOW)
    assert not missing, f"templates in no snapshot: {sorted(missing)}; add a flow step or a reason to NOT_IN_A_FLOW"
    assert not (set(NOT_IN_A_FLOW) & shown), "listed as not in a flow, yet in a snapshot: drop it from the list"
    assert set(NOT_IN_A_FLOW) <= templates, "a listed template no longer exists"
    orphans = {p.stem for p in SNAPSHOTS.glob("*.txt")} - set(FLOWS)
    assert not orphans, f"snapshots of no flow (a renamed or removed flow?): {sorted(orphans)}"


def test_a_snapshot_that_differs_fails_with_a_diff_and_a_missing_one_says_how_to_create_it(tmp_path, monkeypatch):
    import tests.conftest as conftest

    monkeypatch.setattr(conftest, "SNAPSHOTS", tmp_path)
    check = Snapshot(update=False, nodeid="tests/test_snapshots.py::x")
    with pytest.raises(pytest.fail.Exception, match=r"--snapshot-update"):
        check.assert_match("new", "a\n")
    Snapshot(update=True, nodeid="x").assert_match("new", "a\nb\n")
    assert (tmp_path / "new.txt").read_text(encoding="utf-8") == "a\nb\n"
    check.assert_match("new", "a\nb\n")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)-b\n\+c"):
        check.assert_match("new", "a\nc\n")
