"""Look-alike domains: false alarms on real Vietnamese sites, hits on fakes, and speed.

Links are built here with tldextract (bundled suffix list, private suffixes included, as
bot.identifiers does) so these tests do not depend on the link parser.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import tldextract

from bot.checking import BrandTable, link_signals
from bot.checking.lookalike import LookalikeDetector, detector_for, mixed_script, skeleton, unicode_skeleton
from bot.checking.signals import LOOKALIKE_FAMILY
from bot.identifiers.model import Link

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "external"
WHITELIST = SHARED / "chongluadao-whitelist" / "chongluadao_whitelist_domains.txt"
BLOCKLIST = SHARED / "chongluadao-blocklist" / "chongluadao_blacklist_urls.txt"

_EXTRACT = {
    private: tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=private)
    for private in (True, False)
}


def make_link(text: str, *, private_suffixes: bool = True) -> Link:
    """A Link for a host or URL, the way bot.identifiers would build it."""
    parts = urlsplit(text if "://" in text else "http://" + text)
    host = (parts.hostname or "").rstrip(".").lower()
    host = host.removeprefix("www.")
    ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    try:
        unicode_host = ascii_host.encode("ascii").decode("idna")
    except UnicodeError:
        unicode_host = host
    extracted = _EXTRACT[private_suffixes](ascii_host)
    is_ip = not extracted.suffix and extracted.domain.replace(".", "").isdigit()
    registered = ascii_host if is_ip else f"{extracted.domain}.{extracted.suffix}".strip(".")
    return Link(
        raw=text,
        normalized=f"https://{ascii_host}{parts.path or '/'}",
        host=ascii_host,
        host_unicode=unicode_host,
        registered_domain=registered,
        subdomain="" if is_ip else extracted.subdomain,
        suffix=extracted.suffix,
        is_ip=is_ip,
        path=parts.path if parts.path not in ("", "/") else "",
        has_userinfo="@" in parts.netloc,
    )


@pytest.fixture(scope="module")
def brands() -> BrandTable:
    return BrandTable.load()


def family(link: Link, brands: BrandTable) -> list[str]:
    return [s.code for s in link_signals(link, brands) if s.code in LOOKALIKE_FAMILY]


def _hosts(text: str) -> list[str]:
    return text.split()


# ── look-alikes we wrote ourselves, by trick ───────────────────────────────────────────────────

TYPOS_AND_PADDING = [
    "vietcombnk.com", "vietcombank-vn.com", "vietcombank.vn.com", "mbbank.vn.com", "techcombnak.com",
    "techcombank-online.net", "agribankk.com", "agribank-vn.net", "vietinbanks.com", "vietinbank-ipay.com",
    "bidv-online.com", "bidvsmartbanking.com", "sacombank-vn.com", "sacombak.com", "vpbank-vn.com",
    "vpbankonline.net", "tpbank-vn.com", "acb-online.com", "hdbank-vn.com", "shopee-vn.com", "shoppee.vn",
    "lazada-vn.com", "lazadda.com", "momo-vn.com", "zalopay-vn.com", "vnpay-qr.com", "viettel-money.com",
    "mobifone-4g.com", "tiktokshop-vn.com", "viettelpost-giaohang.com", "vnpost-giaohang.com",
    "vietcombank2024.com", "mbbank247.net", "seabank-vn.com",
]  # fmt: skip
HOMOGLYPHS = [
    "vietc0mbank.com", "vietcornbank.com", "techc0mbank.com", "rnbbank.com.vn", "agrlbank.com", "v1etinbank.com",
    "sac0mbank.com", "faceb00k-login.com", "shopeе.com", "vietcоmbank.com", "mbbаnk.com", "tеchcombank.com.vn",
    "zalоpay.vn", "bіdv.com", "lazаda.vn", "momо.vn", "viêtcombank.com", "sacombạnk.com", "vietcombаnk.com.vn",
    "agrіbank.vn",
]  # fmt: skip
BAIT = [
    "vcb-xacthuc.com", "vcb-khuyenmai.online", "techcombank-khuyenmai.online", "tcb-uudai.com", "mbbank-hotro.com",
    "mb-xacthuc.xyz", "acb-nhanqua.com", "vietinbank-capnhat.com", "bidv-dangnhap.com", "agribank-hotrokhachhang.com",
    "vpbank-tindung.com", "sacombank-hoantien.com", "momo-nhanqua.com", "zalopay-uudai.net", "shopee-quatang.com",
    "lazada-trungthuong.com", "vnpay-hoantien.com", "tiki-khuyenmai.com", "vaytien-tpbank.com",
    "xacthuc-vietcombank.com", "evn-hoantien.vn", "facebook-support.com", "zalo-xacminh.com",
    "vinaphone-khuyenmai.com", "evn-thanhtoan.com", "dangky-vaytienbidv.com",
]  # fmt: skip
IN_SUBDOMAIN = [
    "mbbank.com.vn.secure-login.xyz", "vietcombank.com.vn.xacthuc.cc", "vietcombank.secure-verify.com",
    "techcombank.dang-nhap.top", "bidv.online-banking.net", "acb.vn-ebank.xyz", "momo.vn.app-login.com",
    "shopee.vn-quatang.site", "login.facebook.com.security-check.info", "zalo.me.verify-account.com",
    "https://sacombank.khachhang-uudai.com/login",
]  # fmt: skip
GOVERNMENT = [
    "dichvucong-gov.vn.com", "bocongan.gov.vn.xyz", "dichvucong.gov.vn.cc", "vneid-gov.com", "vneid.com.vn",
    "bocongan-vn.com", "dichvucongquocgia.net", "baohiemxahoi-vn.com", "gdt-hoanthue.com", "thuedientu-gdt.com",
    "csgt-phatnguoi.com", "canhsatgiaothong.xyz", "chinhphu-vn.com", "govn-dichvucong.com", "gplx-gov.com",
    "congan-gov.com", "vssid-bhxh.com", "ncsc-canhbao.com", "dichvucông.vn",
]  # fmt: skip
# A second batch, written after the rules above were tuned (first run: 83 of 88 caught).
SECOND_BATCH = _hosts("""
vietcombank-digibank.com vcbdigibank-online.com vietcombank.com-vn.info ebanking-vietcombank.com vietcombank.cc
secure-mbbank.com mbbankplus.com mbbank-app.com techcombank.com.vn-login.xyz tcb-ebank.com vietinbank-efast.com
ipay-vietinbank.com bidvsmartbanking.net bidv-smartbanking.vn agribank-emobile.com agribankplus.net
sacombank-pay.com vpbank-neo.com vpbankneo.com acbonline-vn.com hdbank-card.com tpbank-ebank.com shopee-sale.com
shopeeevent.com lazada-sale.net tiki-vn.net momo-quatang.com vimomo-khuyenmai.com zalopay-event.com vnpay-vn.com
vneid-app.com vneid-xacthuc.com dichvucong-bocongan.com dichvucongquocgia-gov.com bhxh-vn.com thue-gov.com
hoanthue-gdt.com evn-cskh.com evnhanoi-thanhtoan.com viettel-khuyenmai.com mobifone-uudai.com vnpost-tracking.com
ghtk-giaohang.com jtexpress-vn.com facebook-security.com facebook.com-help.net zalo-login.com tiktok-shop-vn.com
vietcombank.com.vn.login-secure.net vletcombank.com vietcombamk.com techcombamk.com agribamk.com mbbamk.com
vpbamk.com sacombamk.com vietcombank-hotro247.com hotro-vietcombank.vn vcbonline.com vcb-digibank.com
vcbdigibank.net mb-bank.vn mbbank.vip tcbank.online techcombank.info bidv.vip agribank.vn agribank.info
vietinbank.cc vietinbank.tk sacombank.xyz shopee.vn.com lazada.vn.net tiki.vn.com momo.vn.com zalopay.com.vn.xyz
vnpay.vip evn.com.vn.thanhtoan.site dichvucong.vn dichvucong.com.vn vneid.net bocongan.vn bocongan.com csgt.com.vn
csgt-tracuu.vn phatnguoi-csgt.com shopee-lienket.com viettelpay.online
""")
OUR_LOOKALIKES = TYPOS_AND_PADDING + HOMOGLYPHS + BAIT + IN_SUBDOMAIN + GOVERNMENT + SECOND_BATCH

# Real sites that carry a brand's name or something close to it.
LEGITIMATE = [
    "vietcombank.com.vn", "vcbdigibank.vietcombank.com.vn", "ebanking.vietcombank.com.vn", "techcombank.com",
    "acb.com.vn", "online.acb.com.vn", "tpb.vn", "vpbanks.com.vn", "hvnh.edu.vn", "vcbs.com.vn", "tcbs.com.vn",
    "mbs.com.vn", "shopee.vn", "shopeefood.vn", "vnpt-technology.vn", "viettelpost.vn", "evnspc.vn",
    "baochinhphu.vn", "dichvucong.gov.vn", "vneid.gov.vn", "thuedientu.gdt.gov.vn", "dichvucong.hanoi.gov.vn",
    "csgt.vn", "canhbao.khonggianmang.vn", "congan.com.vn", "conganbacninh.vn", "cand.com.vn", "vnexpress.net",
    "tuoitre.vn", "thanhnien.vn", "dantri.com.vn", "vietnamnet.vn", "zingnews.vn", "thegioididong.com",
    "google.com", "tiktokcdn.com", "zalo.me", "facebook.com", "m.facebook.com", "cdc.gov", "gov.uk",
    "momosushi.com", "vietnamairlines.com", "baoviet.com.vn", "ngovanhung.com", "govap.hochiminhcity.gov.vn",
    "nhakhoagovap.com", "bộcôngthương.vn", "tiếngviệt.vn",
]  # fmt: skip


@pytest.mark.parametrize("host", LEGITIMATE)
def test_real_sites_are_not_called_lookalikes(host, brands):
    assert family(make_link(host), brands) == []


@pytest.mark.parametrize(
    "host, code",
    [
        ("vietcombnk.com", "lookalike_domain"),
        ("vietcombank-vn.com", "lookalike_domain"),
        ("vietcornbank.com", "homoglyph_domain"),
        ("vietcоmbank.com", "homoglyph_domain"),  # Cyrillic о
        ("mbbank.com.vn.secure-login.xyz", "brand_in_subdomain"),
        ("vcb-xacthuc.com", "brand_with_bait_words"),
        ("techcombank-khuyenmai.online", "brand_with_bait_words"),
        ("dichvucong-gov.vn.com", "gov_impersonation"),
        ("bocongan.gov.vn.xyz", "gov_impersonation"),
        ("cucgplxgov.vn", "gov_impersonation"),
    ],
)
def test_each_trick_gets_its_code(host, code, brands):
    assert family(make_link(host), brands) == [code]


def test_the_params_name_the_brand_its_real_site_and_the_bait(brands):
    [signal] = [s for s in link_signals(make_link("vcb-xacthuc.com"), brands) if s.code in LOOKALIKE_FAMILY]
    assert signal.params == {
        "brand": "Vietcombank", "official": "vietcombank.com.vn", "domain": "vcb-xacthuc.com",
        "host": "vcb-xacthuc.com", "word": "xacthuc",
    }  # fmt: skip
    [signal] = link_signals(make_link("mbbank.com.vn.secure-login.xyz"), brands)[:1]
    assert signal.params["domain"] == "secure-login.xyz" and signal.params["official"] == "mbbank.com.vn"


@pytest.mark.parametrize(
    "host",
    [
        "vcb.com",  # short brand names need a bait or filler word, or a risky TLD, beside them
        "acb-nguyenvan.com",
        "vcbxacthuc.com",  # and must stand as a whole part of the name
        "mb.edu.vn",
        "vnpt-technology.com",  # four letters: the rest of the name must be bait or filler
        "bidvmetlife.com.vn",
    ],
)
def test_short_brand_names_need_company(host, brands):
    assert family(make_link(host), brands) == []


def test_short_brand_names_count_with_bait_filler_or_a_risky_tld(brands):
    assert family(make_link("acb-vn.com"), brands) == ["lookalike_domain"]
    assert family(make_link("vcb-xacthuc.com"), brands) == ["brand_with_bait_words"]
    assert family(make_link("vcb.xyz"), brands) == ["lookalike_domain"]
    assert family(make_link("acb.vnebank.xyz"), brands) == ["brand_in_subdomain"]


def test_skeletons():
    assert skeleton("vietc0mbank") == skeleton("vietcombank")
    assert skeleton("rnbbank") == skeleton("mbbank")
    assert skeleton("v1etinbank") == skeleton("vietinbank")
    assert unicode_skeleton("vietcоmbank") == "vietcombank"  # Cyrillic о
    assert unicode_skeleton("việtcombạnk") == "vietcombank"
    assert mixed_script("vietcоmbank") and not mixed_script("việtcombạnk") and not mixed_script("вьетнам")


def test_our_lookalikes_are_caught(brands):
    assert len(OUR_LOOKALIKES) >= 80
    missed = [host for host in OUR_LOOKALIKES if not family(make_link(host), brands)]
    rate = 1 - len(missed) / len(OUR_LOOKALIKES)
    print(f"\nlook-alike hit rate: {rate:.1%} of {len(OUR_LOOKALIKES)}; missed: {missed}")
    assert rate >= 0.90, missed


@pytest.mark.parametrize("private_suffixes", [True, False])
def test_false_alarms_on_real_vietnamese_sites_stay_under_one_percent(brands, private_suffixes):
    if not WHITELIST.exists():
        pytest.skip("../shared is beside the checkout in CI and for developers, not in every clone")
    domains = [line.strip() for line in WHITELIST.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(domains) > 1500
    flagged = [
        (domain, codes)
        for domain in domains
        if (codes := family(make_link(domain, private_suffixes=private_suffixes), brands))
    ]
    rate = len(flagged) / len(domains)
    print(f"\nwhitelist false alarms: {len(flagged)} of {len(domains)} ({rate:.2%}): {flagged}")
    assert rate <= 0.01, flagged


def test_share_of_the_real_blocklist_that_gets_a_warning(brands):
    """A figure for the notes, not a target: most of the list is gambling and crypto sites that
    imitate no brand, and a name alone says nothing about them."""
    if not BLOCKLIST.exists():
        pytest.skip("../shared is beside the checkout in CI and for developers, not in every clone")
    hosts = [h.strip() for h in BLOCKLIST.read_text(encoding="utf-8").splitlines() if h.strip() and "/" not in h]
    sample = random.Random(20240516).sample(hosts, 3000)
    warned = lookalike = 0
    for host in sample:
        signals = link_signals(make_link(host), brands)
        warned += any(s.level in ("high", "medium") for s in signals)
        lookalike += any(s.code in LOOKALIKE_FAMILY for s in signals)
    share, lookalike_share = warned / len(sample), lookalike / len(sample)
    print(f"\nblocklist sample: {share:.1%} get a medium/high signal, {lookalike_share:.1%} a look-alike one")
    assert warned / len(sample) > 0.2


def test_a_check_takes_well_under_a_millisecond(brands):
    links = [make_link(host) for host in OUR_LOOKALIKES + LEGITIMATE] * 20
    start = time.perf_counter()
    for link in links:
        link_signals(link, brands)
    per_call = (time.perf_counter() - start) / len(links)
    print(f"\nlink_signals: {per_call * 1e6:.0f} µs per call")
    assert per_call < 0.0005


def test_one_detector_per_table_compiled_by_the_library_loader(library, monkeypatch):
    """The table does not build its detector (brands.py does not import lookalike.py): the library
    loader compiles it, once per table, so a citizen's first check does not pay for it."""
    built: list[LookalikeDetector] = []
    compile_detector = LookalikeDetector.__init__

    def counting(self, *args):
        built.append(self)
        compile_detector(self, *args)

    monkeypatch.setattr(LookalikeDetector, "__init__", counting)
    link = make_link("vcb-xacthuc.com/login")
    assert family(link, library.brands) == ["brand_with_bait_words"] and built == []  # loaded with it
    table = BrandTable.load()
    assert detector_for(table) is detector_for(table) is not detector_for(library.brands)
    assert family(link, table) == ["brand_with_bait_words"] and len(built) == 1
