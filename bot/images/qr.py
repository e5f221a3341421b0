"""QR codes in a picture, decoded with zxing-cpp (the C++ port of ZXing: finds codes that are
small, rotated, inverted or part of a larger screenshot)."""

from __future__ import annotations

import zxingcpp
from PIL import Image


def decode_qr(image: Image.Image) -> list[str]:
    """The text of each QR code found, in reading order, without repeats."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    texts: list[str] = []
    for barcode in sorted(found, key=lambda b: (b.position.top_left.y, b.position.top_left.x)):
        if barcode.valid and barcode.text and barcode.text not in texts:
            texts.append(barcode.text)
    return texts
