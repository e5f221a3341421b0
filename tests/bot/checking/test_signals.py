"""Risk signals: one row per reason code, the brand table, and the sentence that explains each code."""

from __future__ import annotations

import re

import jinja2
import pytest
import yaml

from bot.checking import REASON_CODES, BrandTable, Signal, bank_signals, link_signals, phone_signals
from bot.checking import signals as signals_module
from bot.checking.verdict import EVIDENCE_CODES
from bot.core import paths
from bot.identifiers import parse_phone
from bot.identifiers.model import BankAccount, PhoneNumber
from tests.bot.checking.test_lookalike import make_link


@pytest.fixture(scope="module")
def brands() -> BrandTable:
    return BrandTable.load()


def vn(national: str, number_type: str = "mobile", **fields) -> PhoneNumber:
    return PhoneNumber(raw=national, normalized="+84" + national.lstrip("0"), number_type=number_type, region="VN",
                       **fields)  # fmt: skip


# ── phone numbers ──────────────────────────────────────────────────────────────────────────────

PHONE_CASES = [
    (vn("0912345678", carrier="Vinaphone"), []),
    (vn("02438123456", "fixed_line"), []),
    (
        PhoneNumber(raw="+855 12 345 678", normalized="+85512345678", number_type="mobile", region="KH"),
        [("foreign_number", {"country": "Campuchia", "region": "KH", "prefix": "+855"})],
    ),
    (
        PhoneNumber(raw="+55 11 91234 5678", normalized="+5511912345678", number_type="mobile", region="BR"),
        [("foreign_number", {"country": "Bra-xin", "region": "BR", "prefix": "+55"})],
    ),
    (
        PhoneNumber(
            raw="0084912345678", normalized="+84912345678", number_type="mobile", region="VN", written_with_00=True
        ),
        [("international_prefix_00", {"number": "0912345678"})],
    ),  # fmt: skip
    (
        PhoneNumber(
            raw="00855 12 345 678", normalized="+85512345678", number_type="mobile", region="KH", written_with_00=True
        ),
        [
            ("foreign_number", {"country": "Campuchia", "region": "KH", "prefix": "+855"}),
            ("international_prefix_00", {"number": "+85512345678"}),
        ],
    ),  # fmt: skip
    (vn("0672012345", "voip"), [("voip_number", {"number": "0672012345"})]),
    (vn("19001234", "premium_rate"), [("premium_rate", {"number": "19001234"})]),
    (vn("18001091", "toll_free"), [("toll_free", {"number": "18001091"})]),
    (vn("0123", "unknown", valid=False), [("invalid_number", {"number": "0123"})]),
    (
        PhoneNumber(
            raw="0168 345 6789",
            normalized="+84383456789",
            number_type="mobile",
            region="VN",
            old_format=True,
            valid=False,
        ),
        [("old_format_number", {"number": "01683456789", "new_number": "0383456789"})],
    ),  # fmt: skip
    (
        PhoneNumber(raw="113", normalized="113", number_type="short_code", region="VN"),
        [("official_short_code", {"number": "113", "service": "police"})],
    ),
    (
        PhoneNumber(raw="5656", normalized="5656", number_type="short_code", region="VN"),
        [("official_short_code", {"number": "5656", "service": "spam_sms"})],
    ),
]


@pytest.mark.parametrize("phone, expected", PHONE_CASES, ids=lambda v: getattr(v, "raw", None))
def test_phone_signals(phone, expected):
    got = phone_signals(phone)
    assert [(s.code, s.params) for s in got] == expected
    assert all(s.level == REASON_CODES[s.code][0] for s in got)


def test_every_phone_code_has_a_row():
    covered = {code for _, expected in PHONE_CASES for code, _ in expected}
    assert covered == {
        "foreign_number", "international_prefix_00", "voip_number", "premium_rate", "invalid_number",
        "old_format_number", "official_short_code", "toll_free",
    }  # fmt: skip


# ── links ──────────────────────────────────────────────────────────────────────────────────────

LINK_CASES = [
    ("https://example.com/page", []),
    ("https://ebanking.vietcombank.com.vn/login", [("official_domain", {"brand": "Vietcombank",
                                                                         "domain": "vietcombank.com.vn"})]),
    ("https://vneid.gov.vn", [("official_domain", {"brand": "VNeID", "domain": "vneid.gov.vn"})]),
    ("https://dichvucong.hanoi.gov.vn", []),
    ("https://zalo.me/g/abc123", [("platform_page", {"brand": "Zalo", "domain": "zalo.me"})]),
    ("https://www.facebook.com/groups/123456", [("platform_page", {"brand": "Facebook", "domain": "facebook.com"})]),
    ("https://www.facebook.com", [("official_domain", {"brand": "Facebook", "domain": "facebook.com"})]),
    ("https://vietcombnk.com/dang-nhap", [("lookalike_domain", {"brand": "Vietcombank",
                                                               "official": "vietcombank.com.vn",
                                                               "domain": "vietcombnk.com", "host": "vietcombnk.com"})]),
    ("https://vietcornbank.com", [("homoglyph_domain", {"brand": "Vietcombank", "official": "vietcombank.com.vn",
                                                        "domain": "vietcornbank.com", "host": "vietcornbank.com"})]),
    ("https://vietcоmbank.com", [("homoglyph_domain", {"brand": "Vietcombank", "official": "vietcombank.com.vn",
                                                       "domain": "vietcоmbank.com", "host": "vietcоmbank.com"})]),
    ("https://mbbank.com.vn.secure-login.xyz/otp", [
        ("brand_in_subdomain", {"brand": "MB (MBBank)", "official": "mbbank.com.vn", "domain": "secure-login.xyz",
                                "host": "mbbank.com.vn.secure-login.xyz"}),
        ("risky_tld", {"tld": ".xyz"}),
    ]),
    ("http://techcombank-khuyenmai.online", [
        ("brand_with_bait_words", {"brand": "Techcombank", "official": "techcombank.com",
                                   "domain": "techcombank-khuyenmai.online", "host": "techcombank-khuyenmai.online",
                                   "word": "khuyenmai"}),
        ("risky_tld", {"tld": ".online"}),
    ]),
    ("https://dichvucong-gov.vn.com", [("gov_impersonation", {"brand": "Cổng Dịch vụ công quốc gia",
                                                             "official": "dichvucong.gov.vn", "domain": "vn.com",
                                                             "host": "dichvucong-gov.vn.com"})]),
    ("https://cucgplxgov.vn", [("gov_impersonation", {"brand": "", "official": "", "domain": "cucgplxgov.vn",
                                                      "host": "cucgplxgov.vn"})]),
    ("https://bộcôngthương.vn", [("punycode_domain", {"host": "bộcôngthương.vn"})]),
    ("https://bit.ly/3xYzAbc", [("link_shortener", {"domain": "bit.ly"})]),
    ("http://103.45.6.7/login", [("ip_host", {"host": "103.45.6.7"})]),
    ("https://random-shop.xyz", [("risky_tld", {"tld": ".xyz"})]),
    ("https://vietcombank.com.vn@evil-site.net/login", [("userinfo_trick", {"shown": "vietcombank.com.vn",
                                                                          "host": "evil-site.net"})]),
]  # fmt: skip


@pytest.mark.parametrize("url, expected", LINK_CASES, ids=[url for url, _ in LINK_CASES])
def test_link_signals(url, expected, brands):
    got = link_signals(make_link(url), brands)
    assert [(s.code, s.params) for s in got] == expected
    assert all(s.level == REASON_CODES[s.code][0] for s in got)


def test_every_link_code_has_a_row():
    covered = {code for _, expected in LINK_CASES for code, _ in expected}
    phone = {code for _, expected in PHONE_CASES for code, _ in expected}
    assert covered == set(REASON_CODES) - phone


def test_userinfo_on_a_lookalike_gives_both_and_high_comes_first(brands):
    got = link_signals(make_link("https://vietcombank.com.vn@vietcombank-xacthuc.top/"), brands)
    assert [s.code for s in got] == ["userinfo_trick", "brand_with_bait_words", "risky_tld"]


def test_a_link_without_the_userinfo_field_still_works(brands):
    """Older Link objects had no has_userinfo field."""
    from bot.identifiers.model import Link

    host = "vcb-xacthuc.com"
    link = Link(raw=host, normalized=f"https://{host}/", host=host, host_unicode=host, registered_domain=host,
                subdomain="", suffix="com")  # fmt: skip
    assert [s.code for s in link_signals(link, brands)] == ["brand_with_bait_words"]


def test_bank_accounts_have_no_signal_of_their_own():
    assert bank_signals(BankAccount(raw="0123456789", normalized="0123456789", bank_code="VCB")) == []
    assert bank_signals(BankAccount(raw="0912345678", normalized="0912345678", bank_code="MOMO", is_ewallet=True)) == []


def test_signal_is_hashable_and_its_params_a_dict():
    a = Signal("risky_tld", "medium", {"tld": ".xyz"})
    b = Signal("risky_tld", "medium", {"tld": ".xyz"})
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert isinstance(a.params, dict)


# ── the brand table ────────────────────────────────────────────────────────────────────────────


def test_brand_table(brands):
    assert sum(b.kind == "bank" for b in brands) >= 20
    assert {b.kind for b in brands} >= {"bank", "ewallet", "ecommerce", "government", "telecom", "post", "utility"}
    assert brands.official("vietcombank.com.vn").key == "vietcombank"
    assert brands.official("vietcombank.com") is None
    assert brands.official_for_host("vcbdigibank.vietcombank.com.vn")[0].key == "vietcombank"
    assert "vcb" in brands.get("vietcombank").tokens and "ncbbank" in brands.get("ncb").tokens
    tokens = [t for b in brands for t in b.tokens]
    assert len(tokens) == len(set(tokens)), "a token names one brand only"


@pytest.mark.parametrize(
    "entry, problem",
    [
        ({"key": "x", "name": "X", "kind": "casino", "domains": ["x.vn"]}, "unknown kind"),
        ({"key": "x", "name": "X", "kind": "bank", "domains": []}, "at least one"),
        ({"key": "x", "name": "X", "kind": "bank", "domains": ["https://x.vn"]}, "not a domain"),
        ({"key": "x", "name": "X", "kind": "bank", "domains": ["x.vn"], "tokens": ["X Bank"]}, "lower-case"),
    ],
)
def test_brand_table_rejects_bad_entries(tmp_path, entry, problem):
    path = tmp_path / "official_domains.yaml"
    path.write_text(yaml.safe_dump({"brands": [entry]}), encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        BrandTable.load(path)


# ── what the citizen reads ─────────────────────────────────────────────────────────────────────

REASONS = paths.content_dir() / "vi" / "reasons.yaml"
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]")


@pytest.fixture(scope="module")
def reasons() -> dict[str, str]:
    return yaml.safe_load(REASONS.read_text(encoding="utf-8"))


def render(source: str, params: dict[str, str]) -> str:
    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(source).render(**params)


def test_every_reason_code_has_one_sentence_and_nothing_else(reasons):
    assert set(reasons) == set(REASON_CODES) | set(EVIDENCE_CODES)
    for code in REASON_CODES:
        assert f"`{code}`" in signals_module.__doc__, f"{code} is missing from the table in signals.py"


@pytest.mark.parametrize("code", sorted(REASON_CODES | EVIDENCE_CODES))
def test_each_reason_renders_in_plain_vietnamese(code, reasons):
    params = {name: f"«{name}»" for name in (REASON_CODES | EVIDENCE_CODES)[code][1]}
    text = render(reasons[code], params)
    assert text == text.strip() and "{" not in text and "  " not in text
    assert VIETNAMESE.search(text), text
    assert len(text) <= 260, text
    assert "%" not in text  # no invented statistics


def test_the_reasons_of_real_signals_render(reasons, brands):
    produced = [s for url, _ in LINK_CASES for s in link_signals(make_link(url), brands)]
    produced += [s for phone, _ in PHONE_CASES for s in phone_signals(phone)]
    for signal in produced:
        text = render(reasons[signal.code], signal.params)
        assert text and "«" not in text
    by_service = {
        service: render(reasons["official_short_code"], {"number": "113", "service": service})
        for service in ("police", "fire", "ambulance", "spam_sms")
    }
    # The number first, then words of its own service: each service picks a different branch.
    assert all(text.startswith("113 ") and len(text) > len("113 ") for text in by_service.values())
    assert len(set(by_service.values())) == len(by_service)
    generic = render(reasons["gov_impersonation"], {"brand": "", "official": "", "domain": "x.com", "host": "x.com"})
    assert ".gov.vn" in generic


@pytest.mark.parametrize(
    "text, first_code",
    [
        ("https://vietcombank.com.vn@evil-site.xyz/login", "userinfo_trick"),
        ("http://vcb-xacthuc.com", "brand_with_bait_words"),
        ("vietcоmbank.com", "homoglyph_domain"),
        ("https://www.vietcombank.com.vn/vi-VN", "official_domain"),
        ("https://bit.ly/3xYzAbc", "link_shortener"),
    ],
)
def test_links_from_the_real_parser(text, first_code, brands):
    parse_link = pytest.importorskip("bot.identifiers.links").parse_link
    assert link_signals(parse_link(text), brands)[0].code == first_code


def test_country_names_are_content_with_libphonenumber_behind_them():
    names = yaml.safe_load((paths.content_dir() / "vi" / "countries.yaml").read_text("utf-8"))
    assert set(names) >= {"KH", "US", "CN"} and "BR" not in names
    for region, name in names.items():
        [signal] = phone_signals(PhoneNumber(raw="+1", normalized="+1", number_type="mobile", region=region))
        assert signal.params["country"] == name
    assert not hasattr(signals_module, "COUNTRY_NAMES_VI")  # one table, in content


def test_a_vietnamese_number_written_with_00_is_not_called_foreign(reasons):
    """0084 912… is shown as a Vietnamese mobile (national format); the reason must say the same,
    while +855… written with 00 is a foreign number: two different sentences."""
    [national] = [s for s in phone_signals(parse_phone("0084912345678")) if s.code == "international_prefix_00"]
    [foreign] = [s for s in phone_signals(parse_phone("00855123456789")) if s.code == "international_prefix_00"]
    assert not national.params["number"].startswith("+") and foreign.params["number"].startswith("+")
    source = reasons["international_prefix_00"]
    assert render(source, national.params) != render(source, foreign.params)
