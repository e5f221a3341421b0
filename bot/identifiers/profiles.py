"""Social-media profiles as citizens name them: "fb Nguyễn Thu Hà (tài khoản giả chị họ tôi)",
"@shop.me.bin tiktok", "facebook.com/thuha.92".

Only the report flow reads these (a name is no identifier to find inside a forwarded message): the
platform from a word naming it or from a profile link's site, the name or handle from what is left,
and a remark in brackets kept apart for the story.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.textnorm import strip_diacritics
from bot.identifiers.model import Link, Profile

PLATFORMS = ("facebook", "zalo", "tiktok", "telegram", "other")
# Proper names, the same in every language: how a profile is shown (`display`).
PLATFORM_NAMES = {"facebook": "Facebook", "zalo": "Zalo", "tiktok": "TikTok", "telegram": "Telegram"}
MAX_NAME = 60
MAX_WORDS = 8

# Folded words (no accents, lower case) that name a platform.
_PLATFORM_WORDS = {
    "facebook": "facebook", "fb": "facebook", "face": "facebook", "phay": "facebook", "messenger": "facebook",
    "mess": "facebook", "zalo": "zalo", "zl": "zalo", "tiktok": "tiktok", "telegram": "telegram",
    "tele": "telegram", "tg": "telegram",
}  # fmt: skip
# Words around a name that are not part of it ("tài khoản", "nick", "trên").
_FILLER = {"tai", "khoan", "tk", "nick", "nic", "acc", "account", "ten", "trang", "page", "profile", "tren", "qua"}
# Sites of profile links, by registered domain, and path parts that are no profile.
_SITES = {
    "facebook.com": "facebook", "fb.com": "facebook", "fb.me": "facebook", "messenger.com": "facebook",
    "m.me": "facebook", "zalo.me": "zalo", "tiktok.com": "tiktok", "t.me": "telegram", "telegram.me": "telegram",
}  # fmt: skip
_NOT_A_PROFILE = {"share", "groups", "watch", "reel", "video", "posts", "photo", "story.php", "events", "p", "s", "g"}
_BRACKETS = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_EDGE = " \t:,;.-–—"


def _folded(word: str) -> str:
    return strip_diacritics(word.casefold()).strip(_EDGE)


def parse_profile(text: str) -> tuple[Profile | None, str]:
    """(the profile a citizen named, the remark they put in brackets); (None, "") when no usable
    name is left. The platform is None when no word names it: the flow then asks."""
    text = unicodedata.normalize("NFC", text or "").strip()
    remark = "; ".join(part.strip() for part in _BRACKETS.findall(text) if part.strip())
    words = _BRACKETS.sub(" ", text).split()
    platform = None
    kept = []
    for i, word in enumerate(words):
        folded = _folded(word)
        if folded == "tik" and i + 1 < len(words) and _folded(words[i + 1]) == "tok":
            platform, words[i + 1] = platform or "tiktok", ""
            continue
        if folded in _PLATFORM_WORDS:
            platform = platform or _PLATFORM_WORDS[folded]
            continue
        if word:
            kept.append(word)
    while kept and _folded(kept[0]) in _FILLER:
        kept.pop(0)
    while kept and _folded(kept[-1]) in _FILLER:
        kept.pop()
    name = " ".join(kept).strip(_EDGE).lstrip("@").strip(_EDGE)
    if not name or len(name) > MAX_NAME or len(kept) > MAX_WORDS or not any(ch.isalnum() for ch in name):
        return None, ""
    return Profile.of(platform, name, raw=text), remark


def profile_from_link(link: Link | None) -> Profile | None:
    """The profile a social site's link points to (facebook.com/thuha.92, tiktok.com/@shop), or None
    for another site or a link to a post, a group or a share."""
    if not isinstance(link, Link):
        return None
    platform = _SITES.get(link.registered_domain)
    if platform is None:
        return None
    path, _, query = link.path.lstrip("/").partition("?")
    first = path.split("/")[0]
    if first == "profile.php":
        found = re.search(r"(?:^|&)id=(\d+)", query)
        handle = found.group(1) if found else ""
    else:
        handle = first.lstrip("@")
    if not handle or handle.casefold() in _NOT_A_PROFILE:
        return None
    return Profile.of(platform, handle, raw=link.raw)


def display_profile(profile: Profile) -> str:
    """Nguyễn Thu Hà (Facebook)"""
    shown = PLATFORM_NAMES.get(profile.platform or "")
    return f"{profile.name} ({shown})" if shown else profile.name
