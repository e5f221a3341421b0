"""Pictures for tests, drawn as the evaluation set draws them (`tests/images/render.py`)."""

from __future__ import annotations

import io
import os
import random

import pytest
from PIL import Image

from bot.images import ocr
from tests.images.render import qr_scene, screenshot


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def sms_screenshot(text: str, theme: str = "light", seed: int = 1) -> bytes:
    return jpeg(screenshot(text, "sms", theme, random.Random(seed)))


def qr_picture(payload: str, how: str = "poster", seed: int = 1) -> bytes:
    return jpeg(qr_scene(payload, how, random.Random(seed)))


def needs_ocr() -> None:
    """Skip where Tesseract is not installed, except in CI, which installs it (.ci/run): there a
    missing engine is a failure, not a skip."""
    if not ocr.available():
        if os.environ.get("CI"):
            pytest.fail("Tesseract with its Vietnamese model is missing in CI (see .ci/run)")
        pytest.skip("Tesseract with its Vietnamese model is not installed")
