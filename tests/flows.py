"""Conversations many tests need to have had first: a citizen's report, walked through the real router."""

from __future__ import annotations

from tests.conftest import Chat

DESCRIPTION = "Xưng công an, dọa bắt nếu không chuyển tiền"


async def walk_to_evidence(
    chat: Chat, number: str = "0912345678", *, via: str = "phone_call", amount: str = "2tr",
    description: str = DESCRIPTION,
) -> None:  # fmt: skip
    """A report of a call from `number`, answered up to the evidence step."""
    await chat.send("/baocao")
    await chat.press("report:what:call")
    await chat.send(number)
    for value in (f"report:via:{via}", "report:claimed:fake-authority-call", "report:happened:today"):
        await chat.press(value)
    await chat.send(amount)
    await chat.send(description)


async def file_report(
    chat: Chat, number: str, *, consent: str = "none", description: str = DESCRIPTION, area: str | None = None
) -> None:
    """A whole report of a call from `number`, filed with the given consent ("none", "updates"),
    placed in `area` (a unit's code) or, with None, the commune question skipped when asked."""
    await walk_to_evidence(chat, number, description=description)
    await chat.press("report:skip")
    if chat.templates == ["report_area"]:  # no subscription: where the reporter is, optional
        await chat.press(f"report:area:{area}" if area else "report:skip")
    await chat.press(f"report:consent:{consent}")
    await chat.press("report:confirm")
