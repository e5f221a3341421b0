"""Links as they appear in chat, in one canonical form the blocklist and reports share.

`normalized` is `host[:port]/path?query` with no scheme: http and https forms of a link are one
link, and the blocklist stores hosts or host/path prefixes the same way. The host is lower-case
ASCII (punycode for international names) without "www."; the path keeps its case; trackers
(utm_*, fbclid, zarsrc…), the fragment and default ports go. Chat punctuation around a link
("(vcb-xacthuc.com/login).") and defanging ("hxxp://", "example[.]com") are undone.

Domains are split by `tldextract` with the Public Suffix List bundled in the package: no network,
ever (`suffix_list_urls=()`, no cache directory). PSL *private* domains are included, so a page on
a free host is its own registered domain ("vcb-login.web.app", not Google's "web.app"): scam pages
live on such hosts, and reporting or blocking the whole host would merge unrelated sites.

A text is a link only if its host ends in a real public suffix (or is an IP address): "Tp.HCM",
"v.v", "2.5", "file.pdf" are not. Without a scheme or path, prose that happens to end in a suffix
("Q.Ba Đình", "ThS.BS", "ngay.Click", "readme.md") is not a link either.
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import quote, urlsplit

import tldextract

from bot.identifiers.model import Link

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

_WRAPPERS = "<([{\"'“‘«"
_TRAILING = ".,;:!?…)]}>\"'“”‘’»。、"
_DEFANGED_DOT = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE)
_DEFANGED_SCHEME = re.compile(r"^hxxp(s?)(?:\[:\]|:)//", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):(//|(?!\d))", re.IGNORECASE)  # not "example.com:8080"
_SPACE = re.compile(r"\s")
_LABEL = re.compile(r"^(?!-)[a-z0-9_\-]{1,63}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_URL_SAFE = "/%:@!$&'()*+,;=-._~"
# Query parameters that only say where a click came from (Google, Facebook, Zalo, TikTok, e-mail tools).
_TRACKERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "mibextid",
        "zarsrc",
        "gidzl",
        "_hsenc",
        "_hsmi",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "si",
        "is_from_webapp",
        "sender_device",
        "sender_web_id",
    }
)
# Suffixes that are more often a file extension than a site when written bare ("readme.md").
_FILE_LIKE_SUFFIXES = frozenset({"zip", "mov", "md", "py", "sh", "pl"})


def _trim(text: str) -> str:
    """The link without chat punctuation around it; a closing bracket opened inside the link stays.
    Brackets are counted once, not at every character trimmed: "x.com/)))…" stays linear."""
    value = text.strip().lstrip(_WRAPPERS)
    opened, closed = value.count("("), value.count(")")
    end = len(value)
    while end and value[end - 1] in _TRAILING:
        if value[end - 1] == ")":
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return value[:end]


def _refang(value: str) -> str:
    if not any(mark in value for mark in "[({") and value[:4].lower() != "hxxp":
        return value  # the usual case, and a hot path in message extraction
    return _DEFANGED_SCHEME.sub(r"http\1://", _DEFANGED_DOT.sub(".", value)).replace("[:]", ":")


def _split_scheme(value: str) -> tuple[str | None, str] | None:
    """(scheme or None, rest); None for schemes that are not web links (mailto:, tel:, javascript:)."""
    match = _SCHEME.match(value)
    if not match:
        return None, value
    scheme = match.group(1).lower()
    if not match.group(2) or scheme not in _DEFAULT_PORTS:
        return None
    return scheme, value[match.end() :]


def _ascii_host(host: str) -> str | None:
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    labels = ascii_host.split(".")
    return ascii_host if len(ascii_host) <= 253 and all(map(_LABEL.match, labels)) else None


def _unicode_label(label: str) -> str:
    try:
        return label.encode("ascii").decode("idna") if label.startswith("xn--") else label
    except UnicodeError:
        return label


def _clean_query(query: str) -> str:
    if not query:
        return ""
    kept = [
        pair
        for pair in query.split("&")
        if pair and not (key := pair.split("=", 1)[0].lower()).startswith("utm_") and key not in _TRACKERS
    ]
    return quote("&".join(kept), safe=_URL_SAFE + "?")


def _port(scheme: str | None, number: int | None) -> str:
    """ ":8080", or "" for the scheme's default port (80 or 443 when no scheme was written)."""
    defaults = {_DEFAULT_PORTS[scheme]} if scheme else set(_DEFAULT_PORTS.values())
    return "" if number is None or number in defaults else f":{number}"


def _reads_as_prose(typed_host: str, suffix: str) -> bool:
    """A bare "word.word" that is a sentence ("ngay.Click"), an abbreviation ("Q.Ba", "ThS.BS") or a
    file name ("readme.md"), not a site: people type a site's suffix in lower case, or all in capitals."""
    typed_suffix = typed_host.rsplit(".", 1)[-1]
    mixed_case = not typed_suffix.islower() and not typed_host.isupper()
    return mixed_case or suffix in _FILE_LIKE_SUFFIXES


class _Pasted(NamedTuple):
    raw: str  # as pasted, without the punctuation around it
    scheme: str | None  # None when typed without one
    host: str  # lower case, no trailing dot, still with "www." and possibly Unicode
    typed_host: str  # case as typed, to tell prose ("Q.Ba") from a link
    port: str  # ":8080", or "" for the default port
    path: str  # "/path?query" without trackers, "" for the bare site
    has_userinfo: bool


def _paste(raw: str) -> _Pasted | None:
    """The parts of a pasted link; None when it is no web link."""
    if not raw or _SPACE.search(raw):
        return None
    split = _split_scheme(_refang(raw))
    if split is None:
        return None
    scheme, rest = split
    try:
        parts = urlsplit(f"{scheme or 'http'}://{rest}")
        port = parts.port  # a port that is not a number from 0 to 65535 raises ValueError
    except ValueError:
        return None
    host, has_userinfo = (parts.hostname or "").rstrip("."), "@" in parts.netloc
    if not host or (has_userinfo and scheme is None):
        return None  # "name@example.com" is an e-mail address
    path = "" if parts.path in ("", "/") else quote(parts.path, safe=_URL_SAFE)
    query = _clean_query(parts.query)
    return _Pasted(
        raw=raw,
        scheme=scheme,
        host=host,
        typed_host=parts.netloc.rpartition("@")[2].split(":")[0],
        port=_port(scheme, port),
        path=path + (f"?{query}" if query else ""),
        has_userinfo=has_userinfo,
    )


def _ip(host: str) -> str | None:
    if not (host[-1].isdigit() or ":" in host):
        return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _ip_link(pasted: _Pasted, ip: str) -> Link:
    host = f"[{ip}]" if ":" in ip else ip
    return Link(
        raw=pasted.raw,
        normalized=host + pasted.port + pasted.path,
        host=host,
        host_unicode=host,
        registered_domain=ip,
        subdomain="",
        suffix="",
        is_ip=True,
        path=pasted.path,
        has_userinfo=pasted.has_userinfo,
    )


def _named_link(pasted: _Pasted) -> Link | None:
    ascii_host = _ascii_host(pasted.host)
    if not ascii_host:
        return None
    ascii_host = ascii_host.removeprefix("www.")
    found = _EXTRACT(ascii_host)
    if not found.suffix or not found.domain:
        return None
    bare = pasted.scheme is None and not pasted.typed_host.lower().startswith("www.")
    if bare and not (pasted.port or pasted.path) and _reads_as_prose(pasted.typed_host, found.suffix):
        return None
    return Link(
        raw=pasted.raw,
        normalized=ascii_host + pasted.port + pasted.path,
        host=ascii_host,
        host_unicode=".".join(map(_unicode_label, ascii_host.split("."))),
        registered_domain=f"{found.domain}.{found.suffix}",
        subdomain=found.subdomain,
        suffix=found.suffix,
        path=pasted.path,
        has_userinfo=pasted.has_userinfo,
    )


def parse_link(text: str) -> Link | None:
    """One link as it was pasted, with or without scheme; None for anything that is not a web link."""
    pasted = _paste(_trim(text))
    if pasted is None:
        return None
    ip = _ip(pasted.host)
    return _ip_link(pasted, ip) if ip else _named_link(pasted)
