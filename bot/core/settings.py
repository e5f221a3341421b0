"""Settings, read from environment variables or a `.env` file in the current folder.

Every setting has a named default here, and one place turns a bad value into a one-line message
that names the variable (never its value when the value is a secret).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_ZALO_API_BASE_URL = "https://bot-api.zaloplatforms.com"
DEFAULT_ZALO_OA_API_BASE_URL = "https://openapi.zalo.me"
DEFAULT_ZALO_OAUTH_BASE_URL = "https://oauth.zaloapp.com"
DEFAULT_DB_PATH = Path("data/canhgiac.db")

_SECRET_FIELDS = (  # in this order: secrets() lists them so
    "telegram_bot_token",
    "telegram_webhook_secret",
    "zalo_bot_token",
    "zalo_webhook_secret",
    "zalo_oa_app_secret",
    "zalo_oa_secret_key",
)
_TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_HOTLINE_NUMBER = re.compile(r"^\+?[0-9][0-9 .\-]{1,18}[0-9]$")
# What Telegram gives a bot: 5-32 characters of a-z, 0-9 and _, not starting with a digit, ending in
# "bot" (any case); "@" as people write it is fine (a poster's link must not carry it).
_BOT_USERNAME = re.compile(r"^@?(?=[A-Za-z0-9_]{5,32}$)[A-Za-z_][A-Za-z0-9_]*bot$", re.IGNORECASE)


def bot_username(value: str) -> str:
    """The bot's username without "@", or ValueError saying what Telegram accepts."""
    if not _BOT_USERNAME.match(value):
        raise ValueError(
            "is not a Telegram bot username (5-32 letters a-z, digits or _, not starting with a digit, ending in 'bot')"
        )
    return value.removeprefix("@")


class SettingsError(Exception):
    """A missing or malformed setting; the message is one line meant for the operator."""


class Hotline(BaseModel):
    """A local police (or other) number shown in the hotline list."""

    label: str
    number: str


def _env(name: str) -> dict:
    # One variable name per field; populate_by_name lets tests pass the field name instead.
    return {"validation_alias": AliasChoices(name)}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
    )

    # Telegram
    telegram_bot_token: SecretStr | None = Field(None, **_env("TELEGRAM_BOT_TOKEN"))
    telegram_api_base_url: str = Field(DEFAULT_TELEGRAM_API_BASE_URL, **_env("TELEGRAM_API_BASE_URL"))
    telegram_webhook_secret: SecretStr | None = Field(None, **_env("TELEGRAM_WEBHOOK_SECRET"))
    # Telegram allows about 30 messages/s in all: the bot stays below it (25), and broadcasts take
    # at most 20 of those, so citizens' replies always have room while a broadcast goes out.
    telegram_max_messages_per_second: float = Field(25.0, gt=0, **_env("TELEGRAM_MAX_MESSAGES_PER_SECOND"))
    telegram_broadcast_per_second: float = Field(20.0, gt=0, **_env("TELEGRAM_BROADCAST_PER_SECOND"))
    # Paid broadcasts (Bot API `allow_paid_broadcast`): broadcast messages only go up to 1,000/s,
    # Telegram charging the bot's Stars balance for each message beyond its free limit; replies
    # and notices stay on the free budget above. Off unless the owner turns it on (README).
    telegram_paid_broadcast: bool = Field(False, **_env("CANHGIAC_TELEGRAM_PAID_BROADCAST"))
    # 970, not Telegram's 1,000: the sender makes up missed slots up to 1% faster (980 starts in a
    # second at most), and sends in flight can arrive bunched (up to its concurrency, 16): at 980
    # asked that reached the fake's strict 1,000 in a second, 7-10 times a 429 over 300,000
    # messages (947-960/s); each costs a second's pause and 2% of the pace (bench/README.md).
    telegram_paid_broadcast_per_second: float = Field(970.0, gt=0, le=1000, **_env("CANHGIAC_TELEGRAM_BROADCAST_RATE"))
    # What Telegram charges per paid message, in Stars (Bot API, sendMessage: 0.1); a setting in
    # case Telegram changes it. Only the preview's estimate uses it.
    telegram_stars_per_paid_message: float = Field(0.1, ge=0, **_env("CANHGIAC_TELEGRAM_STARS_PER_PAID_MESSAGE"))
    # Used in the poster's QR code: t.me/<username>?start=dk-<area>.
    telegram_bot_username: str | None = Field(None, **_env("TELEGRAM_BOT_USERNAME"))

    # Zalo Bot API
    zalo_bot_token: SecretStr | None = Field(None, **_env("ZALO_BOT_TOKEN"))
    zalo_api_base_url: str = Field(DEFAULT_ZALO_API_BASE_URL, **_env("ZALO_API_BASE_URL"))
    zalo_webhook_secret: SecretStr | None = Field(None, **_env("ZALO_WEBHOOK_SECRET"))
    # No per-second limit is documented and the free plan is small: broadcasts go slowly.
    zalo_broadcast_per_second: float = Field(2.0, gt=0, **_env("ZALO_BROADCAST_PER_SECOND"))
    zalo_webhook_port: int = Field(8444, ge=1, le=65535, **_env("CANHGIAC_ZALO_WEBHOOK_PORT"))
    # The Zalo Bot Platform's plan counts messages per month (3,000 on Basic, reportedly both ways):
    # broadcasts stop at 95% of it so that replies keep going.
    zalo_monthly_quota: int = Field(3000, gt=0, **_env("ZALO_MONTHLY_QUOTA"))
    # The Zalo bot's link as Zalo shows it (https://zalo.me/…): the poster's second QR code.
    zalo_bot_link: str | None = Field(
        None, max_length=300, pattern=r"^https://[^\s/?#]+\.[^\s/?#]+(/\S*)?$", **_env("CANHGIAC_ZALO_BOT_LINK")
    )

    # Zalo Official Account (a commune's or police unit's OA): the app linked to it on
    # developers.zalo.me, its secret, and the OA's own secret key that signs webhook events.
    zalo_oa_id: str | None = Field(None, **_env("ZALO_OA_ID"))
    zalo_oa_app_id: str | None = Field(None, **_env("ZALO_OA_APP_ID"))
    zalo_oa_app_secret: SecretStr | None = Field(None, **_env("ZALO_OA_APP_SECRET"))
    zalo_oa_secret_key: SecretStr | None = Field(None, **_env("ZALO_OA_SECRET_KEY"))
    zalo_oa_api_base_url: str = Field(DEFAULT_ZALO_OA_API_BASE_URL, **_env("ZALO_OA_API_BASE_URL"))
    zalo_oauth_base_url: str = Field(DEFAULT_ZALO_OAUTH_BASE_URL, **_env("ZALO_OAUTH_BASE_URL"))
    zalo_oa_webhook_port: int = Field(8445, ge=1, le=65535, **_env("CANHGIAC_ZALO_OA_WEBHOOK_PORT"))
    zalo_oa_webhook_path: str = Field(
        "/zalo-oa", pattern=r"^/[A-Za-z0-9_\-/]*$", **_env("CANHGIAC_ZALO_OA_WEBHOOK_PATH")
    )
    # Promotion messages left unsent at the end of the quota, for a warning that cannot wait.
    zalo_oa_quota_reserve: int = Field(10, ge=0, **_env("ZALO_OA_QUOTA_RESERVE"))
    zalo_oa_broadcast_per_second: float = Field(5.0, gt=0, **_env("ZALO_OA_BROADCAST_PER_SECOND"))

    # Webhook server (used by `canhgiac run --webhook URL`)
    webhook_listen: str = Field("0.0.0.0", **_env("CANHGIAC_WEBHOOK_LISTEN"))
    webhook_port: int = Field(8443, ge=1, le=65535, **_env("CANHGIAC_WEBHOOK_PORT"))

    # The web console for staff and police (bot/web/): off unless a port is set. The base URL is
    # what login links start with (the console's address as the officer's browser reaches it,
    # usually an HTTPS proxy in front of the host and port here).
    web_port: int | None = Field(None, ge=1, le=65535, **_env("CANHGIAC_WEB_PORT"))
    web_host: str = Field("127.0.0.1", min_length=1, **_env("CANHGIAC_WEB_HOST"))
    web_base_url: str | None = Field(None, max_length=200, **_env("CANHGIAC_WEB_BASE_URL"))
    web_idle_minutes: int = Field(30, gt=0, le=24 * 60, **_env("CANHGIAC_WEB_IDLE_MINUTES"))
    # Off only for a console reached over plain HTTP on a trusted machine (a browser does not
    # send a Secure cookie back over http:// except to localhost).
    web_secure_cookies: bool = Field(True, **_env("CANHGIAC_WEB_SECURE_COOKIES"))

    # Core
    db_path: Path = Field(DEFAULT_DB_PATH, **_env("CANHGIAC_DB"))
    content_dir: Path | None = Field(None, **_env("CANHGIAC_CONTENT_DIR"))
    # The trained message model (`canhgiac messages build`); default: one file per corpus in the
    # user's cache folder. Rebuilt at start when the corpus under content/messages/ changed.
    message_model_path: Path | None = Field(None, **_env("CANHGIAC_MESSAGE_MODEL"))
    default_language: str = Field("vi", pattern=r"^[a-z]{2,3}$", **_env("CANHGIAC_LANGUAGE"))
    conversation_idle_minutes: int = Field(60, gt=0, **_env("CANHGIAC_CONVERSATION_IDLE_MINUTES"))
    # Workers wait on the network and the rate limiter, not the CPU: 16 keeps the send pace full
    # at Telegram's real round-trip times (bench/README.md).
    max_concurrent_updates: int = Field(16, ge=1, le=256, **_env("CANHGIAC_MAX_CONCURRENT_UPDATES"))
    # Processes that handle Telegram updates: 1, the bot's own; N ≥ 2, the bot and N − 1 child
    # processes, each chat always in the same one, each with its share of the send pace (about
    # 6 ms of CPU per update: a second core doubles what the bot answers; `bot/app/update_processes.py`).
    update_processes: int = Field(1, ge=1, le=8, **_env("CANHGIAC_UPDATE_PROCESSES"))
    log_level: str = Field("INFO", pattern=r"(?i)^(DEBUG|INFO|WARNING|ERROR)$", **_env("CANHGIAC_LOG_LEVEL"))

    # FAQ matcher: scores are 0-100; chosen from the evaluation set (bench/README.md, tests/eval/).
    faq_answer_threshold: float = Field(50.0, ge=0, le=100, **_env("CANHGIAC_FAQ_ANSWER_THRESHOLD"))
    faq_suggest_threshold: float = Field(24.0, ge=0, le=100, **_env("CANHGIAC_FAQ_SUGGEST_THRESHOLD"))
    quiz_length: int = Field(5, ge=1, le=20, **_env("CANHGIAC_QUIZ_LENGTH"))

    # Locality: filled into content templates (hotlines, later campaigns).
    locality_name: str = Field("", max_length=120, **_env("CANHGIAC_LOCALITY"))
    police_hotlines: Annotated[list[Hotline], NoDecode] = Field(
        default_factory=list, **_env("CANHGIAC_POLICE_HOTLINES")
    )

    # Roles: platform user ids, comma-separated; "123" holds on every channel, "zalo:abc" on one.
    # Staff entries name the areas they may broadcast to: "123=coc-leu|bac-cuong".
    police_ids: Annotated[list[str], NoDecode] = Field(default_factory=list, **_env("CANHGIAC_POLICE_IDS"))
    staff_ids: Annotated[list[str], NoDecode] = Field(default_factory=list, **_env("CANHGIAC_STAFF_IDS"))
    admin_ids: Annotated[list[str], NoDecode] = Field(default_factory=list, **_env("CANHGIAC_ADMIN_IDS"))
    # Where the daily digest of new reports goes: a chat id, "telegram:" implied unless a channel is named.
    police_chat_id: str | None = Field(None, pattern=r"^([a-z]+:)?-?[\w-]{1,64}$", **_env("CANHGIAC_POLICE_CHAT_ID"))
    digest_hour: int = Field(7, ge=0, le=23, **_env("CANHGIAC_DIGEST_HOUR"))  # Vietnam time
    # Staff are reminded this many days before each reporting deadline (`bot/activity/deadlines.py`).
    deadline_reminder_days: int = Field(3, ge=0, le=30, **_env("CANHGIAC_DEADLINE_REMINDER_DAYS"))
    reports_per_day: int = Field(10, ge=1, le=1000, **_env("CANHGIAC_REPORTS_PER_DAY"))
    # Numbers, links and accounts that citizens' reports alone never make look dangerous (like 113 or a
    # bank's site, see bot/checking/official.py): only a police decision does. Comma-separated.
    allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list, **_env("CANHGIAC_ALLOWLIST"))

    # Weekly warnings: when the week's campaign goes out (Vietnam time), and the sender's width.
    # "off": no automatic weekly campaign (staff still send by hand).
    weekly_day: str = Field("mon", pattern=r"^(mon|tue|wed|thu|fri|sat|sun|off)$", **_env("CANHGIAC_WEEKLY_DAY"))
    weekly_time: str = Field("08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", **_env("CANHGIAC_WEEKLY_TIME"))
    # Messages in flight at once (with the sender's record batch, the bound on messages a crash
    # may send twice: `bot/broadcast/sender.py`).
    broadcast_concurrency: int = Field(8, ge=1, le=64, **_env("CANHGIAC_BROADCAST_CONCURRENCY"))
    # Processes that send Telegram's paid broadcast messages: 1, the bot's own; N ≥ 2, N − 1 child
    # processes make the HTTP calls (about 1 ms of CPU each) while the bot keeps the database, the
    # pace and every reply. Worth it only with paid broadcasts and a spare core
    # (`bot/channels/telegram_workers.py`).
    broadcast_processes: int = Field(1, ge=1, le=8, **_env("CANHGIAC_BROADCAST_PROCESSES"))
    # A summed-up broadcast's rows (one per recipient, with its text) are pruned after this many
    # days; its counts per area and status stay (`bot/broadcast/deliveries.py`).
    delivery_retention_days: int = Field(30, ge=1, le=3650, **_env("CANHGIAC_DELIVERY_RETENTION_DAYS"))

    @field_validator("police_ids", "staff_ids", "admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        ids = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        for item in ids:
            if not re.fullmatch(r"([a-z]+:)?[\w-]{1,64}(=[a-z0-9-]{2,40}(\|[a-z0-9-]{2,40})*)?", item):
                raise ValueError(f"expected user ids separated by commas, could not read {item!r}")
        return ids

    @field_validator("telegram_bot_username", mode="before")
    @classmethod
    def _bot_username(cls, value: object) -> object:
        if isinstance(value, str):
            return bot_username(value) if value.strip() else None
        return value

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> Settings:
        # Between the two thresholds the bot offers suggestions; an answer threshold below the
        # suggest threshold would answer what it would not even suggest.
        if self.faq_answer_threshold < self.faq_suggest_threshold:
            raise ValueError(
                f"CANHGIAC_FAQ_ANSWER_THRESHOLD ({self.faq_answer_threshold:g}) must not be below"
                f" CANHGIAC_FAQ_SUGGEST_THRESHOLD ({self.faq_suggest_threshold:g})"
            )
        return self

    @field_validator("web_port", "web_base_url", mode="before")
    @classmethod
    def _blank_web_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("web_base_url")
    @classmethod
    def _web_base_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("must be the console's address, starting with https:// (or http://), without ? or #")
        return value.rstrip("/") if value is not None else None

    @property
    def web_enabled(self) -> bool:
        """Whether logging in to the web console makes sense: a console is served here, or
        elsewhere on this database (`canhgiac web` on an office machine) at the base URL."""
        return self.web_port is not None or self.web_base_url is not None

    @field_validator("police_chat_id", "zalo_bot_link", "zalo_oa_id", "zalo_oa_app_id", mode="before")
    @classmethod
    def _blank_chat_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(*_SECRET_FIELDS, mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TELEGRAM_TOKEN.match(value.get_secret_value().strip()):
            raise ValueError("does not look like a token from @BotFather (digits, a colon, then letters)")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - in the secret header.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of letters, digits, _ or -")
        return value

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not 8 <= len(value.get_secret_value()) <= 256:
            raise ValueError("must be 8-256 characters")
        return value

    @field_validator("zalo_bot_token")
    @classmethod
    def _zalo_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9:_\-]{10,200}", value.get_secret_value().strip()):
            raise ValueError("does not look like a Zalo bot token")
        return value

    @field_validator("telegram_api_base_url", "zalo_api_base_url", "zalo_oa_api_base_url", "zalo_oauth_base_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("allowlist", mode="before")
    @classmethod
    def _parse_allowlist(cls, value: object) -> object:
        """`0214 3820 113, congan.example.vn, stk 1027845566 MB`: the entries, as typed. Whether each
        is a number, link or account is said by the check, which reads them as a citizen's values
        (`bot.checking.verdict.allow_list`, run by every command at start): settings import no parser."""
        if isinstance(value, str):
            value = value.replace(";", ",").split(",")
        if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
            return value
        return [part.strip() for part in value if part.strip()]

    @field_validator("police_hotlines", mode="before")
    @classmethod
    def _parse_hotlines(cls, value: object) -> object:
        """Accept `Label=number; Label=number` from the environment (JSON is unkind to type)."""
        if not isinstance(value, str):
            return value
        hotlines = []
        for item in filter(None, (part.strip() for part in value.split(";"))):
            label, sep, number = item.rpartition("=")
            if not sep or not label.strip() or not _HOTLINE_NUMBER.match(number.strip()):
                raise ValueError(f"expected 'Label=number; Label=number', could not read {item!r}")
            hotlines.append({"label": label.strip(), "number": number.strip()})
        return hotlines

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        """Whitespace around a value is never meant (a pasted token with its newline): it would break
        the token's URLs and hide the token from the log masking, which looks for the bare value.
        Defined last, so it runs before the other "before" validators."""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, SecretStr):
            return SecretStr(value.get_secret_value().strip())
        return value

    @property
    def weekly_hour_minute(self) -> tuple[int, int]:
        hour, minute = self.weekly_time.split(":")
        return int(hour), int(minute)

    @property
    def telegram_file_base_url(self) -> str:
        base = self.telegram_api_base_url
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file"

    @property
    def zalo_oa_configured(self) -> bool:
        """Everything the OA channel needs (its tokens come from `canhgiac zalo-oa link`)."""
        return all((self.zalo_oa_id, self.zalo_oa_app_id, self.zalo_oa_app_secret, self.zalo_oa_secret_key))

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        found = (getattr(self, name) for name in _SECRET_FIELDS)
        return [secret.get_secret_value() for secret in found if secret is not None]


def _field_and_variable(loc: str) -> tuple[str, str]:
    """An error's location is the field name or its variable name: return both."""
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        variable = str(alias.choices[0]) if isinstance(alias, AliasChoices) else name.upper()
        if loc in (name, variable) or loc.upper() == variable:
            return name, variable
    return loc, loc.upper()


def describe_error(error: ValidationError) -> str:
    """One line per problem, naming the environment variable; secret values are never shown."""
    problems = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        if not item["loc"]:  # a check across settings: its message names the variables
            problems.append(message)
            continue
        field, variable = _field_and_variable(str(item["loc"][0]))
        if field not in _SECRET_FIELDS and "input" in item and isinstance(item["input"], (str, int, float)):
            message += f" (got {str(item['input'])[:60]!r})"
        problems.append(f"{variable}: {message}")
    return "invalid setting " + "; ".join(problems)


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_error(error)) from None
