"""The locality a chat sees in greetings and the hotline list: its subscribed commune's own settings
(set by an admin with /diaphuong), else its province's, else `content/areas.yaml`'s police numbers,
else the deployment's (`CANHGIAC_LOCALITY`, `CANHGIAC_POLICE_HOTLINES`)."""

from __future__ import annotations

from bot.broadcast import area_settings, subscriptions
from bot.core.messages import Incoming
from bot.services import Services


def default(svc: Services) -> dict:
    """The deployment's locality, from the environment."""
    return {
        "name": svc.settings.locality_name,
        "police_hotlines": [h.model_dump() for h in svc.settings.police_hotlines],
    }


async def for_chat(msg: Incoming, svc: Services) -> dict:
    """`locality` for this chat's templates (see the module docstring)."""
    areas = svc.library.areas

    def load(db):
        current = subscriptions.get(db, msg.chat)
        code = current.area_code if current and current.active and areas.get(current.area_code) else None
        if code is None:
            return None, {}
        lineage = [area.code for area in reversed(areas.lineage(code))]
        return lineage, area_settings.get(db, lineage)

    lineage, stored = await svc.storage.read(load)
    if lineage is None:
        return default(svc)
    content = [{"label": h.label, "number": h.number} for h in areas.police_hotlines(lineage[0])]
    return area_settings.resolve(lineage, stored, content, default(svc))
