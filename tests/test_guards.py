"""The test suite's own guards: no test reaches beyond loopback, and template keys are recorded."""

from __future__ import annotations

import socket

import httpx
import pytest


def test_a_connection_beyond_loopback_is_refused_at_once() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(OSError, match="127.0.0.1"):
        sock.connect(("203.0.113.7", 443))


def test_a_name_lookup_beyond_loopback_is_refused() -> None:
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("api.telegram.org", 443)
    with pytest.raises(httpx.ConnectError):
        httpx.get("https://bot-api.zapps.me/", timeout=2)


def test_loopback_stays_open() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=2):
            pass


async def test_a_turn_records_the_templates_it_rendered(chat) -> None:
    await chat.send("/hotline")
    assert chat.templates == ["hotlines"]
