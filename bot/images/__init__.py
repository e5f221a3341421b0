"""Pictures citizens send: opened safely, QR codes decoded, text read by OCR.

`read_picture` is the one entry point: bytes in, a `PictureReading` out (the text read, the codes
decoded, the time it took). It is CPU work: callers run it off the event loop (`Services.compute`).

Imports: identifiers.
"""

from bot.images.ocr import OcrUnavailable
from bot.images.picture import NotAPicture, PictureTooLarge
from bot.images.reading import Code, PictureReading, read_picture

__all__ = ["Code", "NotAPicture", "OcrUnavailable", "PictureReading", "PictureTooLarge", "read_picture"]
