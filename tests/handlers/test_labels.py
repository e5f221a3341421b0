"""Button labels a citizen reads: cut between words, never inside one."""

from __future__ import annotations


async def test_topic_buttons_end_on_whole_words(chat, services):
    await chat.press("sub:pick:x-02647")
    await chat.press("sub:topics")
    names = services.content.texts("vi").labels("topics")
    checked = 0
    for choice in (c for r in chat.last for c in r.choices):
        slug = choice.value.removeprefix("sub:topic:")
        if slug not in names:
            continue
        label = choice.label.split(" ", 1)[1]  # after the ✅/▫️ mark
        full = names[slug]
        if label != full:
            kept = label.removesuffix("…")
            assert label.endswith("…") and full.startswith(kept), (label, full)
            assert full[len(kept)] in " ,", (label, full)  # cut where a word ends
            checked += 1
    assert checked >= 1  # some topic names are longer than a button
