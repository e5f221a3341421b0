"""A checked number, link or account as the chat shows it: its kind, reports and reasons (the
template `check_items`), the button that reports it, and the reply checking a few of them
(`check_replies`). Shared by the check of single values (`handlers/check.py`), the verdict on a
whole message (`handlers/message.py`) and pictures (`handlers/picture.py`)."""

from __future__ import annotations

from bot.checking import verdict
from bot.checking.verdict import CheckResult
from bot.core.clock import from_iso, local_date
from bot.core.messages import Choice, Incoming, Reply
from bot.core.textnorm import shorten
from bot.identifiers import BankAccount, Identifier, PhoneNumber, display
from bot.services import Services
from handlers import report
from handlers.menu import menu_button

MAX_CHECKED = 5  # values checked from one message; the rest are counted


def _kind_label(svc: Services, msg: Incoming, identifier: Identifier) -> str:
    t = svc.texts(msg)
    if isinstance(identifier, PhoneNumber):
        kinds = t.labels("check.phone_types")
        label = kinds.get(identifier.number_type, kinds["unknown"])
        return f"{label} ({identifier.carrier})" if identifier.carrier else label
    if isinstance(identifier, BankAccount):
        name = identifier.bank_name or t.label("check.bank_unknown")
        return t.label("check.ewallet" if identifier.is_ewallet else "check.bank_account") + f" · {name}"
    return t.label("check.link")


def _day(stamp: str | None) -> str | None:
    return local_date(from_iso(stamp)) if stamp else None


def reasons(svc: Services, msg: Incoming, result: CheckResult) -> list[str]:
    t = svc.texts(msg)
    texts = t.labels("reasons")
    countries = t.labels("countries")  # the chat language's names, from the content in use
    return [
        t.render_text(texts[s.code], **_in_language(s.params, countries)) for s in result.signals if s.code in texts
    ]


def _in_language(params: dict[str, str], countries: dict[str, str]) -> dict[str, str]:
    """A signal's params with its country (named in Vietnamese, for `--json`) named by the content."""
    region = params.get("region", "")
    return {**params, "country": countries[region]} if region in countries else dict(params)


def item(svc: Services, msg: Incoming, result: CheckResult) -> dict:
    identifier = result.identifier
    return {
        "value": display(identifier),
        "kind": _kind_label(svc, msg, identifier),
        "risk": result.risk,
        "reporters": result.stats.reporters,
        "first": _day(result.stats.first_reported),
        "last": _day(result.stats.last_reported),
        "status": result.stats.status,
        "reasons": reasons(svc, msg, result),
    }


def report_choice(svc: Services, msg: Incoming, identifier: Identifier, many: bool) -> Choice:
    t = svc.texts(msg)
    if report.BUTTON.fits(step="id", value=identifier.normalized):
        value = report.BUTTON.data(step="id", value=identifier.normalized)
    else:
        value = report.BUTTON.data(step="start")  # too long for a button: the flow asks for it again
    label = t.label("check.report_this")
    return Choice(f"{label}: {shorten(display(identifier), 24)}" if many else label, value)


async def check_replies(msg: Incoming, svc: Services, identifiers: list[Identifier]) -> list[Reply]:
    t = svc.texts(msg)
    shown = identifiers[:MAX_CHECKED]
    allow = verdict.allow_list(svc.settings)
    results = await svc.storage.read(lambda db: [verdict.check(db, i, svc.library.brands, allow=allow) for i in shown])
    worst = verdict.risk_of([s for r in results for s in r.signals])
    await svc.storage.write(lambda db: svc.count_use(db, msg, "check", worst))
    text = t.render(
        "check_result",
        items=[item(svc, msg, r) for r in results],
        more=len(identifiers) - len(shown),
        worst=worst,
    )
    many = len(results) > 1
    choices = [report_choice(svc, msg, r.identifier, many) for r in results if r.risk != "low" or not many][:3]
    choices.append(Choice(t.label("check.another"), "check"))
    return [Reply(text, choices=(*choices, *menu_button(t)))]
