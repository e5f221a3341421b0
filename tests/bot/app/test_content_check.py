"""`canhgiac content check` knows which templates and labels the code uses, from the code itself."""

from __future__ import annotations

from types import SimpleNamespace

import yaml

from bot.app.content_check import _check_code_references, _check_lists
from bot.app.content_refs import code_references
from bot.core import paths
from bot.core.content import Content
from bot.core.settings import Settings
from bot.knowledge.catalog import load_knowledge
from bot.services import _template_globals
from tests.bot.cli.test_cli import canhgiac
from tests.content_copy import add_language, content_copy, edit_yaml


def test_the_references_come_from_the_code():
    refs = code_references()
    # Direct calls, a helper's `template` parameter, a conditional, a constant table read in a loop,
    # a subscript of a label group, and outside handlers/ too.
    for name in ("report_prompt", "welcome", "failure", "stale_choice", "broadcast_footer", "report_status_notice"):
        assert name in refs.templates, name
    for key in ("buttons.menu", "check.ewallet", "check.bank_account", "menu.methods", "menu.help",
                "features.quiz", "terminal.bye", "choices.how_to_pick"):  # fmt: skip
        assert key in refs.labels, key
    assert "report.claimed" in refs.groups and "commands" in refs.prefixes
    assert refs.templates["welcome"][0].startswith("handlers/menu.py:")  # where it is used, to say so


def test_a_missing_template_fails_the_check_naming_it(tmp_path):
    copy = content_copy(tmp_path)
    (copy / "vi" / "templates" / "welcome.html.j2").unlink()
    result = canhgiac("content", "check", cwd=tmp_path, env={"CANHGIAC_CONTENT_DIR": str(copy)})
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = [line for line in result.stderr.splitlines() if "welcome" in line]
    assert "vi/templates/welcome.html.j2" in line and "handlers/menu.py" in line
    assert "content ok" not in result.stdout


def _problems(root) -> list[str]:
    """The code-reference part of the check, on a content folder (the rest is slow and not at stake)."""
    settings = Settings(_env_file=None, content_dir=root)
    knowledge = {"vi": load_knowledge(root / "vi")}
    lib = SimpleNamespace(
        content=Content(root, "vi", _template_globals(settings)), default_language="vi", knowledge=knowledge
    )
    problems: list[str] = []
    _check_code_references(lib, problems)
    _check_lists(lib, problems)
    return problems


def test_the_shipped_content_has_everything_the_code_uses():
    assert _problems(paths.content_dir()) == []


def test_a_missing_label_fails_the_check_naming_it(tmp_path):
    copy = content_copy(tmp_path)

    def drop_labels(strings: dict) -> None:
        del strings["buttons"]["menu"]  # under every reply that is not a menu
        del strings["menu"]["help"]  # read from handlers.menu.MAIN_MENU, in a loop
        del strings["report"]["via"]  # a group read as f"report.{group}"

    edit_yaml(copy / "vi" / "strings.yaml", drop_labels)
    problems = "\n".join(_problems(copy))
    assert "vi/strings.yaml: no label 'buttons.menu', used at handlers/" in problems
    assert "vi/strings.yaml: no label 'menu.help', used at handlers/menu.py:" in problems
    assert "vi/strings.yaml: no label group 'report.via', used at " in problems


def test_another_language_falls_back_but_may_not_break_a_label(tmp_path):
    copy = content_copy(tmp_path)
    english = add_language(copy, "en", strings="language_name: English\nbuttons: just text\n")
    problems = _problems(copy)
    assert problems and all(p.startswith("en/strings.yaml: no label 'buttons.") for p in problems), problems
    (english / "strings.yaml").write_text("language_name: English\n", "utf-8")
    assert _problems(copy) == []  # no templates, no labels of its own: Vietnamese fills every gap


def test_the_phrases_and_lists_the_code_reads_are_references():
    refs = code_references()
    for group in ("menu", "welcome", "cancel", "help", "hotlines", "thanks", "forget.erase", "forget.keep",
                  "report.skip", "report.send"):  # fmt: skip
        assert group in refs.phrases, group
    assert refs.phrases["cancel"][0].startswith("handlers/__init__.py:")
    assert "faq" in refs.shown_first and "countries" in refs.groups


def test_a_missing_phrase_group_fails_the_check_naming_it(tmp_path):
    copy = content_copy(tmp_path)
    edit_yaml(copy / "vi" / "phrases.yaml", lambda d: (d.pop("cancel"), d["forget"].pop("keep")))
    problems = "\n".join(_problems(copy))
    assert "vi/phrases.yaml: no phrase group 'cancel', used at handlers/__init__.py:" in problems
    assert "vi/phrases.yaml: no phrase group 'forget.keep', used at handlers/privacy.py:" in problems


def test_a_language_with_its_own_phrases_must_have_every_group(tmp_path):
    copy = content_copy(tmp_path)
    english = add_language(copy, "en")
    assert _problems(copy) == []  # no words of its own: the Vietnamese ones route its chats
    (english / "phrases.yaml").write_text("cancel: [never mind]\n", "utf-8")
    problems = _problems(copy)
    assert "en/phrases.yaml: no phrase group 'help', used at handlers/__init__.py:" in "\n".join(problems)
    assert not any("'cancel'" in p for p in problems) and all(p.startswith("en/phrases.yaml") for p in problems)


def test_a_list_naming_no_faq_entry_fails_the_check(tmp_path):
    copy = content_copy(tmp_path)
    edit_yaml(copy / "vi" / "shown_first.yaml", lambda d: d["faq"].append("no-such-question"))
    problems = _problems(copy)
    assert problems == ["vi/shown_first.yaml: faq: no FAQ entry 'no-such-question'"]
    edit_yaml(copy / "vi" / "shown_first.yaml", lambda d: d.pop("faq"))
    assert "vi/shown_first.yaml: no list 'faq', used at handlers/faq.py:" in "\n".join(_problems(copy))


def test_text_that_sends_people_to_district_offices_fails_the_check(tmp_path):
    """Since 1 July 2025 there are no districts (district police ended on 1 March 2025): a citizen
    reads of them only as gone; what citizens type may still name them."""
    from bot.app.content_check import _check_retired_levels
    from bot.broadcast.campaigns import Campaign

    root = content_copy(tmp_path)
    faq = root / "vi" / "faq" / "reporting-help.yaml"
    data = yaml.safe_load(faq.read_text())
    entry = data["entries"][0]
    entry["answer"] += "Hoặc lên Công an Huyện nơi bạn ở.\nTừ ngày 1/3/2025 không còn công an huyện, quận.\n"
    entry["phrasings"].append("có phải lên công an quận không")
    faq.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    (root / "vi" / "templates" / "welcome.html.j2").write_text("Gọi ngay cong an quan gần nhà.\n")
    campaign = Campaign("w99-x", "reporting-help", "Cảnh báo", "Đến công an thị xã trình báo.")
    settings = Settings(_env_file=None, content_dir=root)
    lib = SimpleNamespace(
        content=Content(root, "vi", _template_globals(settings)), default_language="vi",
        knowledge={"vi": load_knowledge(root / "vi")}, campaigns=SimpleNamespace(by_id={"w99-x": campaign}),
    )  # fmt: skip
    problems: list[str] = []
    _check_retired_levels(lib, problems)
    assert sorted(p.split(":")[0] for p in problems) == [
        "campaigns/w99-x.yaml", "vi/faq/reporting-help.yaml", "vi/templates/welcome.html.j2",
    ]  # fmt: skip


def test_the_shipped_content_names_no_district_office_as_current():
    from bot.app.content_check import _check_retired_levels
    from bot.broadcast.campaigns import Campaigns

    root = paths.content_dir()
    settings = Settings(_env_file=None, content_dir=root)
    topics = set(yaml.safe_load((root / "taxonomy.yaml").read_text())["topics"])
    lib = SimpleNamespace(
        content=Content(root, "vi", _template_globals(settings)), default_language="vi",
        knowledge={"vi": load_knowledge(root / "vi")},
        campaigns=Campaigns.load(root / "campaigns", topics),
    )  # fmt: skip
    assert len(lib.campaigns.by_id) >= 30
    problems: list[str] = []
    _check_retired_levels(lib, problems)
    assert problems == []


def _jargon_lib(root):
    from bot.broadcast.campaigns import Campaigns

    settings = Settings(_env_file=None, content_dir=root)
    topics = set(yaml.safe_load((root / "taxonomy.yaml").read_text())["topics"])
    return SimpleNamespace(
        content=Content(root, "vi", _template_globals(settings)), default_language="vi",
        knowledge={"vi": load_knowledge(root / "vi")}, campaigns=Campaigns.load(root / "campaigns", topics),
    )  # fmt: skip


def test_jargon_in_what_a_citizen_reads_fails_the_check(tmp_path):
    """Words such as "VoIP", "KOL" (`content_check.jargon`) in a label, topic name, card, reason or template
    fail the check; in what citizens type (FAQ phrasings, keywords) they are welcome."""
    from bot.app.content_check import _check_jargon

    root = content_copy(tmp_path)
    edit_yaml(root / "vi" / "strings.yaml", lambda d: d["topics"].update({"job-scam": "Việc nhẹ lương cao qua OTT"}))
    edit_yaml(root / "vi" / "topics" / "loan-shark.yaml", lambda d: d.update(title="Vay tiền qua app của KOL"))
    edit_yaml(root / "vi" / "reasons.yaml", lambda d: d.update(voip_number="Số VoIP."))
    (root / "vi" / "templates" / "welcome.html.j2").write_text("Cẩn thận cuộc gọi voip.\n")
    faq = root / "vi" / "faq" / "reporting-help.yaml"
    edit_yaml(faq, lambda d: d["entries"][0]["phrasings"].append("bị gọi voip ott thì báo ở đâu"))
    problems: list[str] = []
    _check_jargon(_jargon_lib(root), problems)
    assert sorted(p.split(":")[0] for p in problems) == [
        "vi/reasons.yaml", "vi/strings.yaml", "vi/templates/welcome.html.j2", "vi/topics/loan-shark.yaml",
    ], problems  # fmt: skip


def test_the_shipped_content_speaks_plainly():
    from bot.app.content_check import _check_jargon

    problems: list[str] = []
    _check_jargon(_jargon_lib(paths.content_dir()), problems)
    assert problems == []


def test_names_addresses_and_template_code_are_not_jargon(tmp_path):
    """Names such as "App Store", a link, `{{ hotlines.spam_hotline }}` and /hotline are not words to explain."""
    from bot.app.content_check import _check_jargon

    root = content_copy(tmp_path)
    (root / "vi" / "templates" / "welcome.html.j2").write_text(
        "Tải từ App Store hoặc Google Play, xem https://app.example.vn/online, gõ /hotline, "
        "gọi {{ hotlines.spam_hotline }}.\n"
    )
    problems: list[str] = []
    _check_jargon(_jargon_lib(root), problems)
    assert not [p for p in problems if "welcome" in p], problems
    (root / "vi" / "templates" / "welcome.html.j2").write_text("Cài app rồi mua hàng online.\n")
    _check_jargon(_jargon_lib(root), problems)
    [problem] = [p for p in problems if "welcome" in p]
    assert "app" in problem and "online" in problem


def test_a_variant_of_a_ruled_term_fails_the_check(tmp_path):
    from bot.app.content_check import _check_terms

    root = content_copy(tmp_path)
    before: list[str] = []
    _check_terms(_jargon_lib(root), before)
    (root / "vi" / "templates" / "welcome.html.j2").write_text("Bật xác thực 2 lớp cho Zalo.\n")
    faq = root / "vi" / "faq" / "personal-data.yaml"
    edit_yaml(faq, lambda d: d["entries"][0]["phrasings"].append("bat xac thuc 2 lop the nao"))  # typed: fine
    after: list[str] = []
    _check_terms(_jargon_lib(root), after)
    [added] = [p for p in after if p not in before]
    assert added.startswith("vi/templates/welcome.html.j2") and "xác thực hai yếu tố" in added


def test_a_law_number_must_be_on_the_facts_sheet(tmp_path):
    from bot.app.content_check import _check_law_numbers, listed_laws

    root = content_copy(tmp_path)
    (root / "STYLE.md").write_text((paths.content_dir() / "STYLE.md").read_text(encoding="utf-8"), encoding="utf-8")
    listed = listed_laws((root / "STYLE.md").read_text(encoding="utf-8"))
    assert {"912025qh15", "132023ndcp"} <= listed  # how the facts sheet names them
    (root / "vi" / "templates" / "welcome.html.j2").write_text(
        "Luật 91/2025/QH15 bảo vệ dữ liệu của bạn; trước đây là Nghị định 13/2023/NĐ-CP.\n"
    )
    problems: list[str] = []
    _check_law_numbers(_jargon_lib(root), problems)
    assert not [p for p in problems if "welcome" in p], problems
    (root / "vi" / "templates" / "welcome.html.j2").write_text("Theo Nghị định 15/2020/NĐ-CP và Luật số 24.\n")
    _check_law_numbers(_jargon_lib(root), problems)
    found = [p for p in problems if "welcome" in p]
    assert len(found) == 2 and "15/2020/NĐ-CP" in found[0] and "Luật số 24" in found[1]


def test_the_facts_sheet_decides_with_or_without_accents(tmp_path):
    """Only the facts sheet's own section lists numbers; a named reference ("thong tu so 17") is listed
    when a full number of its kind is, in any case and with or without accents."""
    from bot.app.content_check import _check_law_numbers, listed_laws

    root = content_copy(tmp_path)
    sheet = "| fact | source |\n| --- | --- |\n| Thông tư 17/2024/TT-NHNN | State Bank of Vietnam |\n"
    (root / "STYLE.md").write_text(
        f"# Style\n\n## Facts we state\n\nNghị định 15/2020/NĐ-CP\n\n## Facts sheet\n\n{sheet}\n## Quizzes\n\n"
        "Quyết định 1988/QĐ-BTTTT\n",
        encoding="utf-8",
    )
    assert listed_laws((root / "STYLE.md").read_text(encoding="utf-8")) == {"172024ttnhnn"}
    welcome = root / "vi" / "templates" / "welcome.html.j2"

    def unlisted(text: str) -> list[str]:
        welcome.write_text(text, encoding="utf-8")
        problems: list[str] = []
        _check_law_numbers(_jargon_lib(root), problems)
        return [p for p in problems if p.startswith("vi/templates/welcome.html.j2")]

    listed = ("17/2024/TT-NHNN", "Thông tư số 17", "THONG TU SO 17", "thong tu 17/2024", "Luật An ninh mạng 2025")
    assert unlisted("\n".join(listed)) == []
    not_listed = ("15/2020/ND-CP", "nghi dinh so 15", "1988/QĐ-BTTTT", "Luật số 17", "17/2023/TT-NHNN")
    assert len(unlisted("\n".join(not_listed))) == len(not_listed)


def test_brands_commands_and_examples_are_not_jargon_or_variants(tmp_path):
    """Zalo, Facebook, App Store, Google Play, links, commands and `<code>` examples are not prose."""
    from bot.app.content_check import _check_jargon, _check_terms

    root = content_copy(tmp_path)
    (root / "vi" / "templates" / "welcome.html.j2").write_text(
        "Cài ứng dụng VNeID từ App Store, AppStore hoặc Google Play; nhắn Zalo, Facebook. "
        "Gõ <code>S 0912345678 app online hotline</code> gửi 5656, xem "
        '<a href="https://shipper.example.com/app">trang</a> hoặc tinnhiemmang.vn/online, bấm /kol.\n',
        encoding="utf-8",
    )
    problems: list[str] = []
    _check_jargon(_jargon_lib(root), problems)
    _check_terms(_jargon_lib(root), problems)
    assert not [p for p in problems if "welcome" in p], problems


def test_a_web_page_that_does_not_compile_fails_the_check(tmp_path):
    copy = content_copy(tmp_path)
    (copy / "vi" / "web" / "queue.html.j2").write_text("{% if %}", encoding="utf-8")
    result = canhgiac("content", "check", cwd=tmp_path, env={"CANHGIAC_CONTENT_DIR": str(copy)})
    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("vi/web/queue.html.j2: ")]
