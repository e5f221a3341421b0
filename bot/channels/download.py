"""A file a platform gives by URL (a picture a citizen sent), read in chunks and given up past a
byte limit, so a huge file never fills memory."""

from __future__ import annotations

import httpx


class DownloadFailed(Exception):
    """Not fetched: a network error, or an answer other than 200 (the reason, never the URL)."""


class DownloadTooLarge(Exception):
    """More bytes than the limit (said by Content-Length, or counted as they came)."""


async def download_limited(http: httpx.AsyncClient, url: str, limit: int, timeout: float) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise DownloadFailed("not an http(s) URL")
    data = bytearray()
    try:
        async with http.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            if response.status_code != 200:
                raise DownloadFailed(f"HTTP {response.status_code}")
            if int(response.headers.get("content-length") or 0) > limit:
                raise DownloadTooLarge(limit)
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > limit:
                    raise DownloadTooLarge(limit)
    except httpx.RequestError as error:
        raise DownloadFailed(type(error).__name__) from None
    return bytes(data)
