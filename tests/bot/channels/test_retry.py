"""Replies through a platform's bad moments: sent again while the failure may pass, for a bounded time."""

from __future__ import annotations

import pytest

from bot.channels import retry


class Flaky:
    def __init__(self, errors):
        self.errors, self.calls = list(errors), 0

    async def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "sent"


def passing(error):
    return {"RetryAfter": 0.3, "ServerError": 0.0}.get(str(error))


@pytest.fixture
def quick(monkeypatch, caplog):
    """Short delays; the waits taken, as logged."""
    monkeypatch.setattr(retry, "RETRY_DELAYS", (0.1, 0.2, 0.4))

    def waits():
        return [float(r.getMessage().split("retry_in=")[1].rstrip("s")) for r in caplog.records]

    return waits


async def test_sent_again_after_the_wait_asked_for_or_the_backoff(quick):
    send = Flaky([Exception("ServerError"), Exception("RetryAfter")])
    assert await retry.send_retrying(send, passing, channel="test") == "sent"
    assert send.calls == 3 and quick() == [0.1, 0.3]


async def test_an_error_that_cannot_pass_is_raised_at_once(quick):
    send = Flaky([Exception("BadRequest")])
    with pytest.raises(Exception, match="BadRequest"):
        await retry.send_retrying(send, passing, channel="test")
    assert send.calls == 1 and quick() == []


async def test_a_lasting_failure_is_given_up_after_the_last_delay(quick):
    send = Flaky([Exception("ServerError")] * 10)
    with pytest.raises(Exception, match="ServerError"):
        await retry.send_retrying(send, passing, channel="test")
    assert send.calls == 4 and quick() == [0.1, 0.2, 0.4]
