"""The `canhgiac` command line (also `python -m bot`).

    canhgiac                 serve Telegram and/or Zalo if a token is set, else open the terminal chat
    canhgiac run             serve every configured channel (--webhook / --zalo-webhook URL for webhooks)
    canhgiac chat            talk to the bot in this terminal; needs no token
    canhgiac web             the web console for staff and police alone (CANHGIAC_WEB_PORT or --port)
    canhgiac ask TEXT        what the bot answers to a question (--json; --jsonl reads stdin)
    canhgiac faq eval FILE   score the FAQ matcher on an evaluation file
    canhgiac faq gaps        questions the FAQ could not answer, grouped, most frequent first
    canhgiac messages eval FILE   score the model of scam messages on an evaluation file
    canhgiac messages gaps   messages the model was unsure of, masked, grouped
    canhgiac images eval DIR   how well screenshots and QR codes are read (a set from tests/images/render.py)
    canhgiac content check   validate every content file
    canhgiac check VALUE     what the bot knows about a number, link, account or message (--json; --jsonl)
    canhgiac blocklist import FILE   load a list of phishing hosts and URLs (--source NAME)
    canhgiac reports export  reports for the authorities as CSV or XLSX
    canhgiac report periodic --period 2026-Q4 --area AREA -o FILE.docx   the periodic report and its annex
    canhgiac report deadlines list|add|edit|off|on   the calendar of reporting deadlines
    canhgiac report target AREA --villages N --share P   a commune's villages and coverage target
    canhgiac privacy purge   anonymise reports older than --older-than DAYS
    canhgiac broadcast send|list|status|cancel   weekly warnings and staff messages
    canhgiac campaigns list  the weekly campaigns' ids, next week and topic (--json)
    canhgiac areas list      the areas citizens subscribe to (--json)
    canhgiac subscribers list   who receives warnings (--area A, --json)
    canhgiac poster AREA -o FILE   a printable A4 poster with the subscribe QR code
    canhgiac db info         where the database is, its schema version and row counts
    canhgiac version

Configuration problems end with one line on stderr and exit code 2.

The Typer app is built in `common`, with the helpers every command shares (were it built here,
each command group would import this package while this package imports the groups: a cycle).
Each command group is one module: chat, ask, knowledge, images, checking, reports, activity, broadcast,
db, web.
Writes through the owners' functions (it reads `faq_gaps` and counts rows itself).
Imports: everything.
"""

from __future__ import annotations

import logging
import sys

import typer

from bot import __version__
from bot.cli.common import EXIT_CONFIG, app
from bot.core.content import ContentError
from bot.core.migrations import SchemaTooNew
from bot.core.settings import SettingsError

__all__ = ["app", "main"]

# Each command group's module registers its commands on `app` when imported; this order is the order
# of `canhgiac --help` (top-level commands: run, chat, ask, check, poster, then version).
from bot.cli import chat, ask, knowledge, images, db, checking, reports, periodic, activity, broadcast, zalo_oa, web  # noqa: E402, F401, I001


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"canhgiac {__version__}")


def main() -> None:
    from bot.channels import ChannelStartError

    try:
        app()
    except (SettingsError, ContentError, SchemaTooNew, ChannelStartError) as error:
        print(f"canhgiac: {error}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except Exception:
        # Through the redacting log formatter: a traceback must not carry a token to the terminal.
        logging.getLogger("canhgiac").exception("unexpected error")
        sys.exit(1)
