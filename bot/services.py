"""Everything a handler may use, built once per process and passed to every handler.

Handlers get the services, never globals, so a test builds its own on a temporary database and
the terminal chat, Telegram and Zalo share one instance in one process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils
import yaml

from bot.broadcast import subscriptions
from bot.broadcast.areas import Areas
from bot.broadcast.broadcasts import Renderer
from bot.broadcast.campaigns import Campaigns
from bot.checking import BrandTable
from bot.checking.flags import RedFlagPhrases
from bot.checking.lookalike import detector_for
from bot.checking.message_model import load_or_train
from bot.checking.message_verdict import MessageJudge
from bot.core import paths, tally
from bot.core.clock import Clock, utc_now
from bot.core.content import Content, Texts
from bot.core.lanes import Lane
from bot.core.messages import Incoming
from bot.core.settings import Settings
from bot.core.storage import Storage
from bot.knowledge.catalog import Knowledge, load_knowledge
from bot.knowledge.matcher import FaqMatcher
from bot.routing.conversations import Conversation, Conversations
from bot.routing.grants import Grant

T = TypeVar("T")
# Threads for CPU work of updates: the GIL runs one at a time, but a quick job of one chat is not
# queued behind a long one of another.
COMPUTE_THREADS = 4


@dataclass(frozen=True)
class Library:
    """Content, knowledge, FAQ matchers and reference tables: everything read from files."""

    content: Content
    knowledge: dict[str, Knowledge]
    matchers: dict[str, FaqMatcher]
    default_language: str
    brands: BrandTable
    areas: Areas
    campaigns: Campaigns
    # "Is this a scam?" on a whole message: the model is loaded (or trained, after the corpus
    # changed) on first use, so commands that judge nothing never wait for it; serving and the
    # terminal chat warm it at start (`bot/app/wiring.py`), not on a citizen's first message.
    message_judge: Callable[[], MessageJudge] = field(repr=False, compare=False)

    @property
    def messages(self) -> MessageJudge:
        return self.message_judge()

    def knowledge_for(self, language: str) -> Knowledge:
        return self.knowledge.get(language, self.knowledge[self.default_language])

    def matcher_for(self, language: str) -> FaqMatcher:
        return self.matchers.get(language, self.matchers[self.default_language])


@dataclass
class Services:
    settings: Settings
    storage: Storage
    library: Library
    conversations: Conversations
    clock: Clock
    # The flow of the person who wrote, as the router loaded it at the start of the update (None:
    # none active). The router hands each handler a copy with it (`dataclasses.replace`), so a
    # handler never reads the conversations table again.
    conversation: Conversation | None = None
    # The roles admins gave the writer from the chat, loaded by the router in the same first write
    # (`bot/routing/grants.py`); `bot.routing.roles` joins them with the environment's.
    grants: tuple[Grant, ...] = ()
    # Whether what the bot queues (broadcasts, notices) is being sent: by this process when it
    # serves, by a `canhgiac run` holding the database when the terminal chat asks. Handlers say
    # "delivered when the bot runs" when it is not, without knowing which channel they serve.
    sending: Callable[[], bool] = lambda: True
    # A field the copies share (init: `dataclasses.replace` passes it on instead of starting a pool).
    _compute: Lane = field(repr=False, compare=False, default_factory=lambda: Lane("canhgiac-compute", COMPUTE_THREADS))

    @property
    def content(self) -> Content:
        return self.library.content

    def texts(self, msg: Incoming) -> Texts:
        """The labels and templates in the language of the chat `msg` came from."""
        return self.content.texts(msg.language)

    def knowledge(self, msg: Incoming) -> Knowledge:
        return self.library.knowledge_for(msg.language)

    def matcher(self, msg: Incoming) -> FaqMatcher:
        return self.library.matcher_for(msg.language)

    def count_use(
        self, db: sqlite_utils.Database, msg: Incoming, kind: str, outcome: str, topic: str | None = ""
    ) -> None:
        """One anonymous usage count (`bot/core/tally.py`), inside the handler's write: the area is
        the one the chat subscribed in (a primary-key read), never the chat itself."""
        tally.count(db, kind, outcome, self.clock(), topic=topic, area_code=subscriptions.area_of(db, msg.chat))

    def broadcast_renderer(self) -> Renderer:
        """Broadcasts go out in the default language: one text per area, not per chat."""
        return Renderer(self.content.texts(self.settings.default_language), self.library.areas, self.library.campaigns)

    async def compute(self, fn: Callable[..., T], /, *args: Any) -> T:
        """fn(*args) on a worker thread: CPU work of one update (reading identifiers, matching the
        FAQ) must not hold the event loop, which serves every chat. The worker hands the GIL back
        every few milliseconds, so other chats keep being answered while a long message is read."""
        return await self._compute.call(functools.partial(fn, *args))

    def close(self) -> None:
        self._compute.close()
        self.storage.close()


def _template_globals(settings: Settings) -> dict[str, Any]:
    """Values every template may use: the locality's and the national hotlines."""
    national = yaml.safe_load((paths.reference_dir() / "hotlines.yaml").read_text(encoding="utf-8"))
    return {
        "locality": {
            "name": settings.locality_name,
            "police_hotlines": [h.model_dump() for h in settings.police_hotlines],
        },
        "hotlines": {entry["key"]: entry["number"] for entry in national},
    }


def load_library(settings: Settings) -> Library:
    content = Content(
        settings.content_dir or paths.content_dir(),
        default_language=settings.default_language,
        template_globals=_template_globals(settings),
    )
    knowledge = {}
    for language in content.languages:
        loaded = load_knowledge(content.root / language)
        # A language without its own FAQ yet uses the default language's knowledge.
        if loaded.faq or language == settings.default_language:
            knowledge[language] = loaded
    matchers = {
        language: FaqMatcher(
            k.faq,
            answer_threshold=settings.faq_answer_threshold,
            suggest_threshold=settings.faq_suggest_threshold,
            keywords=k.keywords,
            out_of_scope=k.out_of_scope,
            refusal=k.refusal,
            examples=k.examples,
        )
        for language, k in knowledge.items()
    }
    brands = BrandTable.load()
    detector_for(brands)  # compiled now, not on a citizen's first check
    message_judge = functools.cache(
        lambda: MessageJudge(
            load_or_train(message_corpus(content.root), settings.message_model_path),
            RedFlagPhrases.load(_red_flags(content.root)),
            brands,
        )
    )
    return Library(
        content=content,
        knowledge=knowledge,
        matchers=matchers,
        default_language=settings.default_language,
        brands=brands,
        areas=Areas.load(content.root / "areas.yaml"),
        campaigns=Campaigns.load(content.root / "campaigns", set(content.taxonomy)),
        message_judge=message_judge,
    )


def message_corpus(content_root: Path) -> Path:
    """The content's message corpus; a content folder without one uses the shipped corpus."""
    own = content_root / "messages" / "train"
    return own if any(own.glob("*.tsv")) else paths.content_dir() / "messages" / "train"


def _red_flags(content_root: Path) -> Path:
    own = content_root / "vi" / "red_flags.yaml"
    return own if own.is_file() else paths.content_dir() / "vi" / "red_flags.yaml"


def build_services(settings: Settings, *, clock: Clock = utc_now, library: Library | None = None) -> Services:
    library = library or load_library(settings)
    storage = Storage(settings.db_path)
    conversations = Conversations(storage, clock, timedelta(minutes=settings.conversation_idle_minutes))
    return Services(settings=settings, storage=storage, library=library, conversations=conversations, clock=clock)
