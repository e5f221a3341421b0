"""Imported phishing lists: hosts match with their subdomains, entries with a path only as prefixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.checking import blocklist
from bot.identifiers import parse_link

COMMUNITY = (
    Path(__file__).resolve().parents[4] / "shared/data/external/chongluadao-blocklist/chongluadao_blacklist_urls.txt"
)


def lookup(services, value: str) -> str | None:
    return services.storage.read_sync(lambda db: blocklist.lookup(db, parse_link(value)))


def load(services, clock, lines, source="list"):
    return services.storage.write_sync(lambda db: blocklist.import_lines(db, lines, source, clock()))


def test_hosts_subdomains_and_prefixes(services, clock):
    result = load(services, clock, ["acb-vn.com", "apps.apple.com/us/app/fake", "103.45.12.9", "# note", "???"])
    assert (result.hosts, result.prefixes, result.skipped) == (2, 1, ["???"])
    assert lookup(services, "https://secure.login.acb-vn.com/otp") == "list"
    assert lookup(services, "acb-vn.com.evil.xyz") is None  # a host is not a prefix of another domain
    assert lookup(services, "apps.apple.com/us/app/fake?utm_source=x") == "list"
    assert lookup(services, "apps.apple.com/us/app/fake/id123") == "list"
    assert lookup(services, "apps.apple.com/us/app/fakebook") is None  # prefixes end at a "/"
    assert lookup(services, "apps.apple.com") is None
    assert lookup(services, "http://103.45.12.9/vcb") == "list"


def test_reimporting_a_source_replaces_it_and_keeps_others(services, clock):
    load(services, clock, ["old.example.xyz"], source="a")
    load(services, clock, ["other.example.top"], source="b")
    load(services, clock, ["new.example.xyz"], source="a")
    assert lookup(services, "old.example.xyz") is None
    assert lookup(services, "new.example.xyz") == "a" and lookup(services, "other.example.top") == "b"
    assert services.storage.read_sync(blocklist.count) == {"a": 1, "b": 1}


def test_the_community_list_imports_whole(services, clock):
    # 34,468 lines, half of them the same host again with "www.": 17,675 distinct entries.
    if not COMMUNITY.exists():
        pytest.skip("../shared is beside the checkout in CI and for developers, not in every clone")
    result = services.storage.write_sync(lambda db: blocklist.import_file(db, COMMUNITY, None, clock()))
    assert result.hosts + result.prefixes > 17_500 and result.prefixes >= 100 and len(result.skipped) < 50
    lines = COMMUNITY.read_text(encoding="utf-8").split()
    for line in lines[::997]:
        assert lookup(services, line) == "chongluadao_blacklist_urls", line
