"""`canhgiac ask`: what the bot answers to a question, as the chat would."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import _jsonl_out, _settings, _stdin_lines, _utf8_argument, app
from bot.core.settings import Settings, SettingsError


def _as_text(replies, texts) -> str:
    """The replies as plain text, options numbered across them as a chat without buttons shows them."""
    from bot.core.richtext import to_plain
    from bot.routing.choices import present

    return "\n\n".join("\n".join(filter(None, [to_plain(r.text), block])) for r, block in present(replies, texts))


class _Asker:
    """Answers as the chat would: the router's own phrases (greetings, thanks, commands) and texts
    with identifiers through the real router on a throwaway database, the rest through the matcher."""

    def __init__(self, settings: Settings):
        import tempfile

        from bot.app.wiring import wire

        self._folder = tempfile.TemporaryDirectory(prefix="canhgiac-ask-")
        bot = wire(settings.model_copy(update={"db_path": Path(self._folder.name) / "ask.db"}))
        self.services, self.router = bot.services, bot.router

    def record(self, question: str) -> dict:
        import asyncio

        from bot.core.messages import Incoming
        from bot.identifiers import extract_identifiers
        from handlers.faq import replies_for

        library = self.services.library
        language = library.default_language
        texts = library.content.texts(language)
        # Phrases the router answers itself, and messages with a number or link (checked first).
        if self.router.answers_without_faq(question) or extract_identifiers(question):
            msg = Incoming(channel="cli", chat_id="ask", user_id="ask", text=question, buttons=False)
            replies = asyncio.run(self.router.handle(msg, self.services))
            return {"question": question, "outcome": "router", "topic": None, "faq_id": None, "score": 0.0,
                    "in_scope": None, "answer": _as_text(replies, texts), "suggestions": []}  # fmt: skip
        result = library.matcher_for(language).match(question)
        best = result.best if result.outcome != "fallback" else None
        return {
            "question": question,
            "outcome": result.outcome,
            "topic": best.entry.topic if best else None,
            "faq_id": best.entry.id if best else None,
            "score": result.best.score if result.best else 0.0,
            "in_scope": round(result.in_scope, 4),
            "answer": _as_text(replies_for(texts, result), texts),
            "suggestions": [
                {"faq_id": m.entry.id, "question": m.entry.question, "topic": m.entry.topic, "score": m.score}
                for m in result.matches
            ],
        }

    def close(self) -> None:
        self.services.close()
        self._folder.cleanup()


@app.command()
def ask(
    text: Annotated[str | None, typer.Argument(help="The question, as a citizen would type it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of the chat text.")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Questions on stdin, one per line; JSON lines out.")] = False,
) -> None:
    """Show what the bot answers to a question, as the chat would (nothing is kept)."""
    import json

    if not jsonl and not text:
        raise SettingsError('give a question: canhgiac ask "công an gọi bắt chuyển tiền" (or --jsonl with stdin)')
    text = _utf8_argument(text)
    asker = _Asker(_settings(level="WARNING"))
    try:
        if jsonl:
            for number, line in _stdin_lines():
                _jsonl_out(number, line, asker.record)
            return
        record = asker.record(text)
        typer.echo(json.dumps(record, ensure_ascii=False, indent=2) if as_json else record["answer"])
    finally:
        asker.close()
