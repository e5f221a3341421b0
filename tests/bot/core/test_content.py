import re
import shutil

import jinja2
import pytest
import yaml

from bot.core import paths
from bot.core.content import Content, ContentError
from bot.core.richtext import to_plain
from bot.core.settings import Settings
from bot.services import _template_globals
from handlers import build_router

# Values the handlers pass to templates; with StrictUndefined, a template needing more fails here.
WEEK = {"number": 48, "first": "23/11", "last": "29/11"}  # how staff read 2026-W48
TEMPLATE_VALUES = {
    "welcome": {"name": "Lan"},
    "zalo_oa_relink": {"oa_id": "1234567890"},
    "coming_soon": {"feature": "Hỏi đáp"},
    "media": {"kind": "photo"},
    "picture_read": {
        "problem": "",
        "lines": ["VCB: Tai khoan cua Quy khach bi tam khoa"],
        "payments": [
            {"bank": "Vietcombank", "account": "0123456789", "amount": "3.000.000 đ", "name": None, "message": "coc"}
        ],
        "logins": 1,
    },
    "acknowledged": {"kind": "ack"},
    "cancelled": {"was_active": True},
    "privacy": {"channel_name": "Telegram", "idle_minutes": 60, "held": [{"text": "Báo cáo"}],
                "subscription": {"active": True, "area": "phường Cốc Lếu", "topics": ["Việc nhẹ lương cao"]}},
    "forget_confirm": {"held": [{"text": "Báo cáo"}], "subscribed": True, "kept": [{"text": "Giữ ẩn danh."}]},
    "help": {"roles": ["police", "staff", "admin"]},
    "faq_answer": {"question": "Hỏi?", "answer": "Đáp."},
    "topic_card": {"title": "Tên", "body": "Nội dung"},
    "quiz_intro": {"total": 5},
    "quiz_question": {"number": 1, "total": 5, "question": "Hỏi?", "options": ["A", "B"]},
    "quiz_feedback": {"correct": False, "right_option": "1. A", "explanation": "Vì sao."},
    "quiz_result": {"score": 3, "total": 5},
    "check_prompt": {"problem": "invalid"},
    "check_result": {
        "items": [{"value": "0912 345 678", "kind": "Số di động", "risk": "high", "reporters": 2,
                   "first": "01/11/2026", "last": "20/11/2026", "status": "new", "reasons": ["Lý do."]}],
        "more": 1, "worst": "high",
    },
    "check_items": {"items": [{"value": "vcb-xacthuc.com", "kind": "Đường link", "risk": "high", "reporters": 0,
                               "first": None, "last": None, "status": "new", "reasons": []}]},
    "message_verdict": {
        "risk": "high", "topic": "Giả danh công an", "more": 0, "items": [],
        "flags": [{"code": "asks_otp", "quote": "đọc mã OTP", "why": "Lý do."}],
    },
    "report_prompt": {"step": "identifier", "what": "call", "problem": "invalid", "buttons": True},
    "report_contact_done": {"given": True},
    "report_summary": {
        "what": "Cuộc gọi", "identifier": "0912 345 678", "holder": None, "via": "Zalo", "claimed": "Công an",
        "happened": "Hôm nay", "amount": "5.000.000 đ", "description": "Kể.", "evidence": True,
        "consent": "contact", "contact_phone": "+84987654321", "identifier_kind": "phone",
    },
    "report_area": {"reask": "", "buttons": True, "matches": [], "problem": None, "province": None},
    "report_done": {"ref": "BC-20261122-0001", "reported_before": True, "consent": "updates"},
    "report_limit": {"limit": 10},
    "report_owed": {"refs": ["BC-20261122-0001"]},
    "report_already_sent": {"ref": "BC-20261122-0001"},
    "report_status_notice": {"ref": "BC-20261122-0001", "status": "confirmed"},
    "police_queue": {"count": 2, "area": "xã Tả Van, tỉnh Lào Cai", "problem": None},
    "police_item": {
        "value": "0912 345 678", "kind": "Số điện thoại", "status": "Mới", "reporters": 2, "new_reports": 3,
        "first": "01/11/2026", "last": "20/11/2026", "topics": ["Công an"], "areas": ["phường Cốc Lếu"],
        "amount": "5.000.000 đ", "official": True,
    },
    "police_detail": {"value": "0912 345 678", "total": 1, "reports": [
        {"ref": "BC-20261122-0001", "day": "22/11/2026", "via": "Zalo", "claimed": "Công an", "amount": None,
         "description": "Kể.", "evidence": True, "evidence_text": "VCB: xác thực tại vcb-xacthuc.top",
         "holder": None, "contact": None},
    ]},
    "police_note": {"status": "Đã xác nhận lừa đảo"},
    "web_login": {"enabled": True, "link": "https://console.example.vn/login/abc", "code": "123456", "minutes": 10,
                  "until": "08:10"},
    "admin_invite_scope": {"role": "Công an", "added": ["phường Cam Đường, tỉnh Lào Cai"], "offered": True,
                           "problem": "not_found", "full": False},
    "admin_invite_valid": {"role": "Công an", "areas": ["phường Cam Đường, tỉnh Lào Cai"]},
    "admin_invite_code": {"code": "CG-7KQ4-M2XD", "role": "Công an", "areas": [], "until": "09:00 25/11/2026",
                          "term_days": 30, "term_until": None},
    "admin_invite_term": {"role": "Công an", "areas": ["phường Cam Đường, tỉnh Lào Cai"]},
    "admin_locality": {"step": "menu", "problem": None, "area": "xã Tả Van, tỉnh Lào Cai", "saved": "police",
                       "police_hotlines": [{"label": "Công an xã", "number": "0214 3871 113"}],
                       "content_hotlines": [], "greeting_name": "xã Tả Van"},
    "admin_roles": {
        "granted": [{"who": "telegram:1", "role": "police", "role_name": "Công an", "areas": [], "by": "telegram:2",
                     "ends": "31/12/2026"}],
        "seeded": [{"who": "telegram:2", "role": "admin", "role_name": "Quản trị viên", "areas": []}],
    },
    "admin_revoked": {"who": "telegram:1", "role_name": "Công an"},
    "redeem_refused": {"reason": "limited", "wait": 12},
    "redeem_granted": {"role": "police", "role_name": "Công an", "areas": ["phường Cam Đường, tỉnh Lào Cai"],
                       "ends": "31/12/2026"},
    "broadcast_message": {"title": "Tiêu đề", "body": "Nội dung"},
    "broadcast_summary": {"id": 3, "week": WEEK, "counts": {"sent": 2, "blocked": 1}, "total": 3, "resent": 1,
                          "why": None, "held": 2, "resumes": "00:00 01/01/2027"},
    "subscribe_choose": {"current": "phường Cốc Lếu", "level": None},
    "subscribe_done": {"area": "phường Cốc Lếu", "previous": None, "again": False, "from_poster": True,
                       "weekday": "thứ Hai", "time": "08:00"},
    "subscribe_topics": {"count": 2},
    "subscribe_found": {
        "matches": [{"code": "x-02647", "name": "phường Lào Cai, tỉnh Lào Cai", "unit": "phường Lào Cai",
                     "province": "tỉnh Lào Cai", "old_level": "phường", "old_name": "Cốc Lếu"}],
        "problem": None, "province": None,
    },
    "subscribe_stopped": {"was_active": True},
    "staff_start": {"week": WEEK, "weekly": {"state": "due", "at": "08:00 23/11/2026"}},
    "staff_write": {"limit": 1500},
    "staff_when": {"problem": "past", "example": "08:30 25/11", "days": 90},
    "activity_step": {"step": "people", "problem": "too_many", "typed": True, "max": 100000},
    "activity_summary": {"kind": "Họp thôn", "on": "23/11/2026", "area": "phường Lào Cai", "village": "thôn 1",
                         "people": 50, "note": "Giả danh công an"},
    "activity_target": {"step": "villages", "problem": "too_many", "typed": True, "area": "phường Lào Cai",
                        "max": 500, "villages": 12, "share": 80},
    "activity_done": {"id": 3, "area": "phường Lào Cai", "month": "11/2026", "sessions": 4},
    "period_notes": {"step": "menu", "problem": None, "typed": False, "period": "Quý 4/2026",
                     "area": "phường Lào Cai", "sections": {"difficulties": "x", "recommendations": ""},
                     "saved": "difficulties"},
    "period_report": {"part": "instead", "kind": "docx", "name": "bao-cao-2026-Q4-x-02647.docx",
                      "link": "https://console.example.vn/reports/periodic?period=2026-Q4&area=x-02647&part=docx",
                      "period": "Quý 4/2026", "area": "phường Lào Cai", "problem": None},
    "deadlines_upcoming": {"items": [{"on": "21/12/2026", "days": 3, "note": "Báo cáo quý IV", "kind": "quarter"}],
                           "within": 120, "remind": 3},
    "deadline_reminder": {"note": "Báo cáo quý IV", "kind": "quarter", "on": "21/12/2026", "days": 3},
    "staff_preview": {"target": "phường Cốc Lếu", "count": 0, "when": "08:30 25/11/2026",
                      "why": {"subscribers": 3, "other_topics": 3}, "hours": 2, "minutes": 47, "stars": 29100},
    "staff_overridden": {"week": WEEK, "areas": "phường Cốc Lếu", "title": "Tiêu đề"},
    "staff_sent": {"id": 3, "when": None, "sending": False},
    "police_decided": {"old": "Mới", "new": "Đã xác nhận lừa đảo", "notified": 1, "note": "Ghi chú"},
    "police_digest": {"items": [{"kind": "Số điện thoại", "value": "0912 345 678", "new_reports": 1,
                                 "reporters": 1, "is_new": True, "areas": ["phường Cốc Lếu"]}], "more": 0,
                      "since": "07:00 21/11/2026", "until": "07:00 22/11/2026", "area": "tỉnh Lào Cai"},
}  # fmt: skip


@pytest.fixture
def content():
    return Content(paths.content_dir(), "vi", _template_globals(Settings()))


def test_every_template_renders_in_every_language(content):
    for language in content.languages:
        t = content.texts(language)
        for name in t.template_names():
            assert t.render(name, **TEMPLATE_VALUES.get(name, {})).strip(), name


def test_taxonomy_is_the_shared_one(content):
    shared = paths.content_dir().parent.parent / "shared" / "taxonomy.yaml"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert content.taxonomy == yaml.safe_load(shared.read_text(encoding="utf-8"))["topics"]


def test_every_public_command_has_a_description_telegram_accepts(content):
    t = content.texts("vi")
    registered = set(build_router().commands)
    for name in build_router().menu_commands:
        assert name in registered, name
        assert 1 <= len(t.label(f"commands.{name}")) <= 256


def test_commands_named_in_help_exist(content):
    # What a citizen reads; the commands of each role are tests/handlers/test_help.py's.
    registered = set(build_router().commands)
    named = set(re.findall(r"/([a-z_]+)", to_plain(content.texts("vi").render("help", roles=[]))))
    assert named and named <= registered


def test_user_values_are_escaped_not_evaluated(content):
    text = content.texts("vi").render("welcome", name="<b>{{ 7*7 }}</b>")
    assert "&lt;b&gt;{{ 7*7 }}&lt;/b&gt;" in text and "49" not in text


def test_locality_hotlines_appear_only_when_configured(content):
    plain = content.texts("vi").render("hotlines")
    assert "113" in plain and "5656" in plain and "156" in plain
    local = Content(
        paths.content_dir(),
        "vi",
        _template_globals(Settings(locality_name="xã Tả Van", police_hotlines="Công an xã Tả Van=0214 3871 113")),
    )
    text = local.texts("vi").render("hotlines")
    # The local section is only in the configured render: every line of the plain one is in it.
    added = set(text.splitlines()) - set(plain.splitlines())
    assert set(plain.splitlines()) <= set(text.splitlines())
    assert any("Công an xã Tả Van" in line and "0214 3871 113" in line for line in added)  # the settings echoed


def test_a_new_language_is_just_files(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(paths.content_dir(), root)
    (root / "en" / "templates").mkdir(parents=True)
    (root / "en" / "strings.yaml").write_text("menu:\n  help: Help\n", encoding="utf-8")
    (root / "en" / "templates" / "menu.html.j2").write_text("Main menu", encoding="utf-8")
    content = Content(root, "vi", _template_globals(Settings()))
    assert content.languages == ["en", "vi"]
    en = content.texts("en")
    assert en.label("menu.help") == "Help" and en.render("menu") == "Main menu"
    assert en.label("menu.quiz") == content.texts("vi").label("menu.quiz")  # falls back
    assert en.render("welcome", name="Lan") == content.texts("vi").render("welcome", name="Lan")  # falls back
    assert content.texts("xx").language == "vi"


def test_missing_label_and_variable_fail_loudly(content):
    t = content.texts("vi")
    with pytest.raises(ContentError):
        t.label("menu.nothing")
    with pytest.raises(jinja2.UndefinedError):
        t.render("coming_soon")


def test_typed_words_are_phrase_keys_and_every_language_adds_its_own(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(paths.content_dir(), root)
    (root / "en" / "templates").mkdir(parents=True)
    (root / "en" / "strings.yaml").write_text("language_name: English\n", encoding="utf-8")
    (root / "en" / "phrases.yaml").write_text("forget:\n  erase: [Erase it!]\n", encoding="utf-8")
    content = Content(root, "vi", _template_globals(Settings()))
    vi, en = content.texts("vi"), content.texts("en")
    assert "co xoa het" in vi.phrases("forget.erase") and "erase it" not in vi.phrases("forget.erase")
    assert {"erase it", "co xoa het"} <= en.phrases("forget.erase")  # its own, and Vietnamese
    assert en.phrases("forget.keep") == vi.phrases("forget.keep")
    assert "Erase it!" in content.phrases.phrases("forget.erase")  # the router's view: every language
    with pytest.raises(ContentError):
        vi.phrases("nothing.here")


def test_a_bare_yes_or_no_key_is_refused_not_read_as_a_boolean(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(paths.content_dir(), root)
    (root / "vi" / "phrases.yaml").write_text("forget:\n  yes: [có]\n", encoding="utf-8")
    with pytest.raises(ContentError, match="quotes"):
        Content(root, "vi", _template_globals(Settings()))


def test_lists_shown_first_fall_back_to_the_default_language(tmp_path, content):
    assert content.texts("vi").shown_first("faq") and content.texts("xx").shown_first("faq")
    with pytest.raises(ContentError):
        content.texts("vi").shown_first("nothing")
