import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.identifiers import parse_link
from tests.bot.identifiers.parsed import parsed

ROOT = Path(__file__).resolve().parents[3]

# (as pasted, normalized, registered_domain, subdomain, suffix)
LINKS = [
    # Scheme, case, www.
    ("https://vcb.com.vn", "vcb.com.vn", "vcb.com.vn", "", "com.vn"),
    ("http://vcb.com.vn/", "vcb.com.vn", "vcb.com.vn", "", "com.vn"),
    ("vcb.com.vn", "vcb.com.vn", "vcb.com.vn", "", "com.vn"),
    ("HTTPS://WWW.VCB.COM.VN/LOGIN", "vcb.com.vn/LOGIN", "vcb.com.vn", "", "com.vn"),
    ("www.shopee.vn", "shopee.vn", "shopee.vn", "", "vn"),
    ("SHOPEE.VN", "shopee.vn", "shopee.vn", "", "vn"),
    ("Shopee.vn", "shopee.vn", "shopee.vn", "", "vn"),
    ("https://m.facebook.com/x", "m.facebook.com/x", "facebook.com", "m", "com"),
    ("https://secure-login.example.xyz/path/", "secure-login.example.xyz/path/", "example.xyz", "secure-login", "xyz"),
    ("https://example.com/a/b/", "example.com/a/b/", "example.com", "", "com"),
    ("https://bit.ly/3xYzAb", "bit.ly/3xYzAb", "bit.ly", "", "ly"),
    # Without a scheme.
    ("vcb-xacthuc.com/login", "vcb-xacthuc.com/login", "vcb-xacthuc.com", "", "com"),
    ("mbbank-xacthuc.com/login?id=1", "mbbank-xacthuc.com/login?id=1", "mbbank-xacthuc.com", "", "com"),
    ("t.me/scam_bot", "t.me/scam_bot", "t.me", "", "me"),
    ("t.me", "t.me", "t.me", "", "me"),
    ("zalo.me/0912345678", "zalo.me/0912345678", "zalo.me", "", "me"),
    ("example.com:8443/login", "example.com:8443/login", "example.com", "", "com"),
    ("dichvucong-gov.top", "dichvucong-gov.top", "dichvucong-gov.top", "", "top"),
    # Trackers, fragments, ports.
    ("https://example.com/path?utm_source=zalo&utm_medium=sms&id=5", "example.com/path?id=5", "example.com", "", "com"),
    ("https://example.com/?fbclid=IwAR0xyz", "example.com", "example.com", "", "com"),
    ("https://example.com/a?gclid=x&zarsrc=30&gidzl=abc", "example.com/a", "example.com", "", "com"),
    ("https://example.com/a?UTM_Campaign=x&ref=share", "example.com/a?ref=share", "example.com", "", "com"),
    (
        "https://www.facebook.com/groups/123/?ref=share&mibextid=abc",
        "facebook.com/groups/123/?ref=share",
        "facebook.com",
        "",
        "com",
    ),
    (
        "https://www.tiktok.com/@shop/video/1?is_from_webapp=1&sender_device=pc",
        "tiktok.com/@shop/video/1",
        "tiktok.com",
        "",
        "com",
    ),
    ("https://youtu.be/abc?si=XyZ", "youtu.be/abc", "youtu.be", "", "be"),
    ("https://example.com/a?b=1&&c=2", "example.com/a?b=1&c=2", "example.com", "", "com"),
    ("https://example.com/a#section", "example.com/a", "example.com", "", "com"),
    ("https://example.com/#/login", "example.com", "example.com", "", "com"),
    ("https://example.com:443/a", "example.com/a", "example.com", "", "com"),
    ("http://example.com:80/a", "example.com/a", "example.com", "", "com"),
    ("http://example.com:8080/a", "example.com:8080/a", "example.com", "", "com"),
    ("https://evil.com.", "evil.com", "evil.com", "", "com"),
    # Chat punctuation around the link.
    ("(vcb-xacthuc.com/login).", "vcb-xacthuc.com/login", "vcb-xacthuc.com", "", "com"),
    ("vcb-xacthuc.com/login,", "vcb-xacthuc.com/login", "vcb-xacthuc.com", "", "com"),
    ("“https://bit.ly/abc”", "bit.ly/abc", "bit.ly", "", "ly"),
    ("'https://bit.ly/abc'", "bit.ly/abc", "bit.ly", "", "ly"),
    ("https://bit.ly/abc!", "bit.ly/abc", "bit.ly", "", "ly"),
    ("https://bit.ly/abc…", "bit.ly/abc", "bit.ly", "", "ly"),
    ("https://bit.ly/abc...", "bit.ly/abc", "bit.ly", "", "ly"),
    ("<https://bit.ly/abc>", "bit.ly/abc", "bit.ly", "", "ly"),
    ("https://bit.ly/abc?", "bit.ly/abc", "bit.ly", "", "ly"),
    ("https://en.wikipedia.org/wiki/Foo_(bar)", "en.wikipedia.org/wiki/Foo_(bar)", "wikipedia.org", "en", "org"),
    # Defanged.
    ("hxxp://evil[.]xyz/a", "evil.xyz/a", "evil.xyz", "", "xyz"),
    ("hxxps://mbbank-xacthuc[.]com/login", "mbbank-xacthuc.com/login", "mbbank-xacthuc.com", "", "com"),
    ("hxxps[:]//evil[.]xyz", "evil.xyz", "evil.xyz", "", "xyz"),
    ("example[.]com", "example.com", "example.com", "", "com"),
    ("example(.)com", "example.com", "example.com", "", "com"),
    ("example[dot]com/x", "example.com/x", "example.com", "", "com"),
    # Vietnamese suffixes, multi-level suffixes.
    ("https://abc.gov.vn/", "abc.gov.vn", "abc.gov.vn", "", "gov.vn"),
    (
        "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html",
        "dichvucong.gov.vn/p/home/dvc-trang-chu.html",
        "dichvucong.gov.vn",
        "",
        "gov.vn",
    ),
    ("https://sub.domain.example.co.uk/x", "sub.domain.example.co.uk/x", "example.co.uk", "sub.domain", "co.uk"),
    ("https://vn.shp.ee/abc", "vn.shp.ee/abc", "shp.ee", "vn", "ee"),
    ("https://evil.top/vietcombank/dang-nhap", "evil.top/vietcombank/dang-nhap", "evil.top", "", "top"),
    # Free hosting (PSL private domains): each site is its own registered domain.
    ("https://vcb-login.web.app/x/", "vcb-login.web.app/x/", "vcb-login.web.app", "", "web.app"),
    ("https://abc.github.io/vcb", "abc.github.io/vcb", "abc.github.io", "", "github.io"),
    ("https://scam.ngrok-free.app", "scam.ngrok-free.app", "scam.ngrok-free.app", "", "ngrok-free.app"),
    ("https://xyz.pages.dev/login", "xyz.pages.dev/login", "xyz.pages.dev", "", "pages.dev"),
    # Non-ASCII in the path or query is percent-encoded; case and reserved characters stay.
    ("https://tiki.vn/search?q=áo", "tiki.vn/search?q=%C3%A1o", "tiki.vn", "", "vn"),
]


@pytest.mark.parametrize("text, normalized, registered_domain, subdomain, suffix", LINKS)
def test_links(text, normalized, registered_domain, subdomain, suffix):
    fields = {"registered_domain": registered_domain, "subdomain": subdomain, "suffix": suffix}
    link = parsed(parse_link, text, normalized=normalized, **fields)
    assert link.normalized == link.host + link.normalized.removeprefix(link.host)
    assert link.normalized.endswith(link.path)
    assert not link.is_ip and not link.has_userinfo
    assert link.key == f"url:{normalized}"


def test_http_and_https_forms_are_one_link():
    keys = {
        parse_link(text).key
        for text in ("http://vcb.com.vn/a", "https://vcb.com.vn/a", "vcb.com.vn/a", "www.vcb.com.vn/a")
    }
    assert keys == {"url:vcb.com.vn/a"}


@pytest.mark.parametrize("text", [row[0] for row in LINKS])
def test_the_normalized_form_reads_back_as_itself(text):
    normalized = parse_link(text).normalized
    assert parse_link(normalized).normalized == normalized


def test_path_keeps_its_case_and_the_host_does_not():
    parsed(parse_link, "https://Evil.XYZ/AbC?Id=Q", host="evil.xyz", path="/AbC?Id=Q", raw="https://Evil.XYZ/AbC?Id=Q")


# (as pasted, normalized, host, host_unicode)
INTERNATIONAL = [
    (
        "https://viétcombank.com/đăng-nhập",
        "xn--vitcombank-c7a.com/%C4%91%C4%83ng-nh%E1%BA%ADp",
        "xn--vitcombank-c7a.com",
        "viétcombank.com",
    ),
    ("https://xn--vitcombank-c7a.com/a", "xn--vitcombank-c7a.com/a", "xn--vitcombank-c7a.com", "viétcombank.com"),
    ("https://VIÉTCOMBANK.com", "xn--vitcombank-c7a.com", "xn--vitcombank-c7a.com", "viétcombank.com"),
    ("https://ví-điện-tử.vn", "xn--v-in-t-3va30ap47u7ka.vn", "xn--v-in-t-3va30ap47u7ka.vn", "ví-điện-tử.vn"),
]


@pytest.mark.parametrize("text, normalized, host, host_unicode", INTERNATIONAL)
def test_international_names_are_punycode_with_a_readable_form(text, normalized, host, host_unicode):
    parsed(parse_link, text, normalized=normalized, host=host, host_unicode=host_unicode, registered_domain=host)


@pytest.mark.parametrize(
    "text, normalized, host",
    [
        ("https://vietcombank.com.vn@evil.xyz/", "evil.xyz", "evil.xyz"),
        ("https://vietcombank.com.vn:443@evil.xyz/login", "evil.xyz/login", "evil.xyz"),
        ("https://user:pass@evil.xyz/login", "evil.xyz/login", "evil.xyz"),
        ("http://mbbank.com.vn@103.45.12.9/", "103.45.12.9", "103.45.12.9"),
    ],
)
def test_userinfo_does_not_hide_the_real_host(text, normalized, host):
    parsed(parse_link, text, normalized=normalized, host=host, has_userinfo=True)


@pytest.mark.parametrize(
    "text, normalized, host",
    [
        ("http://103.45.12.9/vcb", "103.45.12.9/vcb", "103.45.12.9"),
        ("103.45.12.9:8080/x", "103.45.12.9:8080/x", "103.45.12.9"),
        ("https://103.45.12.9", "103.45.12.9", "103.45.12.9"),
        ("https://[2001:db8::1]/a", "[2001:db8::1]/a", "[2001:db8::1]"),
    ],
)
def test_ip_hosts(text, normalized, host):
    ip = {"is_ip": True, "suffix": "", "subdomain": "", "registered_domain": host.strip("[]")}
    parsed(parse_link, text, normalized=normalized, host=host, **ip)


NOT_LINKS = [
    "",
    "Tp.HCM",
    "TP.HCM",
    "v.v",
    "v.v...",
    "2.5",
    "1.5tr",
    "3.14159",
    "v1.2.3",
    "file.pdf",
    "a.m",
    "ko.biet",
    "Q.Ba",  # "Q.Ba Đình", a district
    "ThS.BS",  # degree titles
    "ngay.Click",  # a missing space after a full stop
    "readme.md",
    "backup.zip",
    "com.vn",  # a suffix alone
    "abc@gmail.com",
    "nguyen.van.a@vietcombank.com.vn",
    "mailto:a@b.com",
    "tel:0912345678",
    "javascript:alert(1)",
    "ftp://files.example.com",
    "https://localhost:8000",
    "https://a..com",
    "https://-a.com",
    "http://1.2.3.4.5/",
    "https://example.com:99999/",
    "https:// example.com",
    "0912.345.678",
    "12.05.2024",
]


@pytest.mark.parametrize("text", NOT_LINKS)
def test_not_links(text):
    assert parse_link(text) is None


def test_no_network_is_used():
    """The suffix list is the one bundled with tldextract: with sockets refused, links still parse."""
    code = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network used')\n"
        "socket.socket.connect = socket.create_connection = socket.getaddrinfo = refuse\n"
        "from bot.identifiers import parse_link\n"
        "assert parse_link('https://a.vcb-login.web.app/x').registered_domain == 'vcb-login.web.app'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
