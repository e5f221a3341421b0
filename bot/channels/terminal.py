"""`canhgiac chat`: the bot in a terminal, with the same router, handlers and database.

Choices are shown as numbered options and a number picks one, as on Zalo. It reads any text
stream, so it also works with piped input (`printf '/start\n7\n' | canhgiac chat`).
"""

from __future__ import annotations

import asyncio
import io
import sys
from typing import TextIO

from bot.core.messages import ChatKey, Choice, Incoming, Reply
from bot.core.richtext import to_plain
from bot.core.textnorm import ascii_int
from bot.routing.router import Router
from bot.services import Services

CHANNEL = "terminal"
EXIT_COMMANDS = {"/thoat", "/exit", "/quit"}


def render(reply: Reply, bot_name: str) -> str:
    lines = [f"[{reply.photo}]"] if reply.photo else []
    lines.append(f"{bot_name}: {to_plain(reply.text)}")
    lines += [f"  [{number}] {choice.label}" for number, choice in enumerate(reply.choices, start=1)]
    return "\n".join(lines)


def pick(text: str, choices: tuple[Choice, ...]) -> Choice | None:
    """The choice a typed number names, if the text is just a number."""
    stripped = text.strip().rstrip(".")
    number = ascii_int(stripped)
    if number is not None and 1 <= number <= len(choices):
        return choices[number - 1]
    return None


async def chat(
    router: Router,
    services: Services,
    *,
    user_id: str,
    display_name: str = "",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
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

    async def send(**fields: object) -> tuple[Choice, ...]:
        msg = Incoming(channel=CHANNEL, chat_id=user_id, user_id=user_id, display_name=display_name, **fields)
        replies = await router.handle(msg, services)
        for reply in replies:
            say(render(reply, t.label("terminal.bot")) + "\n")
        await router.delivered(msg, replies, services)
        return next((r.choices for r in reversed(replies) if r.choices), ())

    say(t.label("terminal.banner") + "\n")
    choices = ()
    if await services.conversations.get(ChatKey(CHANNEL, user_id)) is None:
        choices = await send(text="/start")
    while True:
        try:
            line = await asyncio.to_thread(read)
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip().lower() in EXIT_COMMANDS:
            break
        chosen = pick(line, choices)
        if chosen is None and ascii_int(line.strip(), max_digits=2) is not None and choices:
            say(t.label("terminal.no_such_choice"))
            continue
        choices = await send(choice=chosen.value) if chosen else await send(text=line)
    say(t.label("terminal.bye"))
