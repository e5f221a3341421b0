"""Serving the console with uvicorn, as one more task of `canhgiac run` or alone (`canhgiac web`).

uvicorn would install its own SIGINT/SIGTERM handlers and keep the signal from the bot's stop
event: here the caller's `stop` ends it, like every other task. Access logs are off: a login
link's path carries its token, and logs never carry secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn

from bot.core.settings import SettingsError
from bot.services import Services
from bot.web.app import build_app

log = logging.getLogger("canhgiac.web")


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the caller owns the signals
        yield


def build_server(services: Services, *, port: int | None = None) -> uvicorn.Server:
    settings = services.settings
    config = uvicorn.Config(
        build_app(services),
        host=settings.web_host,
        port=port if port is not None else settings.web_port or 0,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
        proxy_headers=False,  # client addresses (the code limit) come from the socket, not a header
    )
    return _Server(config)


async def serve_web(services: Services, stop: asyncio.Event, *, port: int | None = None) -> None:
    """Serve until `stop` is set; an error to start (the port taken) is raised."""
    server = build_server(services, port=port)
    task = asyncio.create_task(server.serve())
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:  # it ended by itself: it could not start (uvicorn exits when the port is taken)
        waiter.cancel()
        with contextlib.suppress(SystemExit):
            task.result()
        where = f"{services.settings.web_host}:{server.config.port}"
        raise SettingsError(f"CANHGIAC_WEB_PORT: the web console cannot listen on {where} (taken?)")
    log.info("web console stopping")
    server.should_exit = True
    await task


def run_until_signal(services: Services, *, port: int | None = None) -> None:
    """`canhgiac web`: the console alone, until SIGINT or SIGTERM."""
    import signal

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve_web(services, stop, port=port)

    asyncio.run(main())
