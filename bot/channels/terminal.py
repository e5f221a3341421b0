"""`canhgiac chat`: the bot in a terminal, with the same router, handlers and database.

Choices are shown as numbered options, numbers continuing across messages and turns, and a
number picks one, as on Zalo: messages say they come from a channel without buttons, and the router reads the number
(`bot/routing/choices.py`). A new session starts with no numbers: nothing is on its screen yet.
It reads any text stream, so it also works with piped input (`printf '/start\n7\n' | canhgiac chat`).
A file the bot sends (a periodic report) is written into `./canhgiac-reports/` (created when
needed; the same name again is overwritten) and its path printed.
"""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path
from typing import TextIO

from bot.core.messages import ChatKey, Document, Incoming, Reply
from bot.core.richtext import to_plain
from bot.core.textnorm import ascii_int
from bot.routing import choices
from bot.routing.router import Router
from bot.services import Services

CHANNEL = "terminal"
EXIT_COMMANDS = {"/thoat", "/exit", "/quit"}
FILES_DIR = Path("canhgiac-reports")  # relative to the working directory


def render(reply: Reply, options: str, bot_name: str) -> str:
    """One reply as printed: its photo's reference, its text, then its numbered `options` block."""
    lines = [f"[{reply.photo}]"] if reply.photo else []
    lines.append(f"{bot_name}: {to_plain(reply.text)}")
    if options:
        lines.append(options)
    return "\n".join(lines)


def save(document: Document, folder: Path) -> Path:
    """The file written into `folder` under its own name (only its last part: never elsewhere)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(document.name).name
    path.write_bytes(document.content)
    return path.resolve()


async def chat(
    router: Router,
    services: Services,
    *,
    user_id: str,
    display_name: str = "",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    files: Path = FILES_DIR,
) -> None:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    if isinstance(stdin, io.TextIOWrapper):
        # A byte that is not UTF-8 (a pasted text in another encoding) must not end the chat: it
        # arrives as a lone surrogate, which clean_input turns into U+FFFD like any other.
        stdin.reconfigure(errors="surrogateescape")
    t = services.content.texts(services.settings.default_language)
    prompt = f"{t.label('terminal.prompt')}> " if stdin.isatty() else ""

    def read() -> str:
        if stdin is sys.stdin and stdin.isatty():
            return input(prompt)
        line = stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def say(text: str) -> None:
        print(text, file=stdout, flush=True)

    async def send(text: str) -> int:
        """Send a line; returns the highest option number that answers now."""
        msg = Incoming(
            channel=CHANNEL, chat_id=user_id, user_id=user_id, display_name=display_name, text=text, buttons=False
        )
        replies = await router.handle(msg, services)
        for reply, options in choices.present(replies, t):
            if reply.document is not None:
                path = await asyncio.to_thread(save, reply.document, files)
                caption = to_plain(reply.document.caption)
                say(t.label("terminal.file_saved").format(path=path, caption=caption) + "\n")
            if reply.text or options:
                say(render(reply, options, t.label("terminal.bot")) + "\n")
        await router.delivered(msg, replies, services)
        # Numbers continue across turns: any number still on record answers, not only this turn's.
        return await services.storage.read(lambda db: choices.highest(db, chat_key))

    say(t.label("terminal.banner") + "\n")
    chat_key = ChatKey(CHANNEL, user_id)
    await services.storage.write(lambda db: choices.forget(db, chat_key))  # this screen shows none yet
    shown = 0  # the highest option number on screen that still answers
    if await services.conversations.get(chat_key) is None:
        shown = await send("/start")
    while True:
        try:
            line = await asyncio.to_thread(read)
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip().lower() in EXIT_COMMANDS:
            break
        typed = ascii_int(line.strip().rstrip("."), max_digits=2)
        if typed is not None and shown and not 1 <= typed <= shown:
            say(t.label("terminal.no_such_choice"))
            continue
        shown = await send(line)
    say(t.label("terminal.bye"))
