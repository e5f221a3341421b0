"""Opening a picture a citizen sent without trusting it.

The bytes come from a stranger: a 30 KB PNG can claim 100,000 × 100,000 pixels (a decompression
bomb), a "photo" can be any file. Only the formats phones send are opened; Pillow's pixel limit
is kept on and made strict (its warning becomes an error); the picture is shrunk before anything
reads it, since OCR and QR decoding do not need more than a phone screen's pixels.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

MAX_BYTES = 10 * 1024 * 1024  # Telegram's photos are under 1 MB; a document may be a full screenshot
MAX_PIXELS = 40_000_000  # beyond any phone screenshot (a 1440 × 3200 screen is 4.6 M)
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
LONG_SIDE = 2400  # enough for 11-point text on a tall screenshot; more only costs time


class NotAPicture(ValueError):
    """Not a picture we open: too big, an unknown format, or broken."""


class PictureTooLarge(NotAPicture):
    """More bytes than MAX_BYTES (refused before downloading where the platform tells the size)."""


def open_picture(data: bytes) -> Image.Image:
    """The picture as RGB, upright (EXIF orientation applied), at most LONG_SIDE pixels long."""
    if not data:
        raise NotAPicture("empty")
    if len(data) > MAX_BYTES:
        raise PictureTooLarge(len(data))
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise NotAPicture("too many pixels")
            image.seek(0)  # a GIF's first frame
            image = ImageOps.exif_transpose(image) or image
            image.draft("RGB", (LONG_SIDE, LONG_SIDE))  # JPEG: decode at a reduced scale
            image = image.convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        if isinstance(error, NotAPicture):
            raise
        raise NotAPicture(type(error).__name__) from error
    if max(image.size) > LONG_SIDE:
        image.thumbnail((LONG_SIDE, LONG_SIDE))
    return image
