"""Text in a picture, read by Tesseract with its Vietnamese model (Debian: tesseract-ocr-vie).

Screenshots are the case that matters: dark themes are inverted to dark-on-light text first, and
small pictures enlarged, because Tesseract reads black text of about 30 px best. Tesseract runs as
a child process with a time limit, so one odd picture cannot hold a worker thread for long.
"""

from __future__ import annotations

import functools
import re
import shutil

import pytesseract
from PIL import Image, ImageOps, ImageStat

LANGUAGES = "vie"  # the Vietnamese model reads Latin letters and digits too; adding "eng" only costs time
# Page segmentation 3 (automatic): finds the bubbles, headers and columns of a screenshot and keeps
# each as a paragraph, so the lines a screen wrapped can be joined again.
CONFIG = "--oem 1 --psm 3"
MIN_WIDTH = 1000  # narrower pictures (a cropped SMS) are enlarged to this
MIN_CONFIDENCE = 50  # Tesseract's per-word confidence (0-100) below which a word is dropped
# Digit groups ("0912", "867") in a chat header next to icons often come back right but with a low
# confidence; a group of three or more digits is rarely what an icon's noise reads as, so it is kept
# from this confidence on, stripped of the quote marks and arrows read around it.
DIGITS_MIN_CONFIDENCE = 20
_DIGITS = re.compile(r"^(?:\+\d{2,}|\d{3,})$")  # "+84", "0912", "345"
_AROUND = "“”\"'‘’‹›«»<>|"


class OcrUnavailable(RuntimeError):
    """Tesseract or its Vietnamese model is not installed here."""


def available(languages: str = LANGUAGES) -> bool:
    return _installed(pytesseract.pytesseract.tesseract_cmd, languages)


@functools.lru_cache(maxsize=4)
def _installed(command: str, languages: str) -> bool:
    """Asked once per command: listing the models starts a process."""
    if shutil.which(command) is None:
        return False
    try:
        installed = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractError, OSError):
        return False
    return set(languages.split("+")) <= installed


def prepared(image: Image.Image) -> Image.Image:
    """Grey, dark text on a light background, at least MIN_WIDTH wide."""
    grey = ImageOps.grayscale(image)
    if ImageStat.Stat(grey).mean[0] < 110:  # a dark theme: light text on a dark background
        grey = ImageOps.invert(grey)
    if grey.width < MIN_WIDTH:
        scale = MIN_WIDTH / grey.width
        grey = grey.resize((MIN_WIDTH, round(grey.height * scale)), Image.Resampling.LANCZOS)
    return grey


def read_paragraphs(image: Image.Image, timeout: float, languages: str = LANGUAGES) -> list[list[str]]:
    """The paragraphs Tesseract reads (a bubble, a header), each as its lines, keeping only words
    it is fairly sure of (a QR code, a photo or an icon otherwise reads as a spray of letters);
    OcrUnavailable when it cannot run, [] when it ran out of time."""
    if not available(languages):
        raise OcrUnavailable(languages)
    try:
        data = pytesseract.image_to_data(
            prepared(image), lang=languages, config=CONFIG, timeout=timeout, output_type=pytesseract.Output.DICT
        )
    except RuntimeError as error:  # pytesseract's timeout: the picture gets the QR reading alone
        if "timeout" in str(error).lower():
            return []
        raise
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    for i, word in enumerate(data["text"]):
        word = _kept(word.strip(), float(data["conf"][i]))
        if word:
            lines = paragraphs.setdefault((data["block_num"][i], data["par_num"][i]), {})
            lines.setdefault(data["line_num"][i], []).append(word)
    return [[" ".join(words) for words in lines.values()] for lines in paragraphs.values()]


def _kept(word: str, confidence: float) -> str:
    """The word if Tesseract is sure enough of it, a digit group on a lower bar; else ""."""
    if confidence >= MIN_CONFIDENCE:
        return word
    digits = word.strip(_AROUND)
    return digits if confidence >= DIGITS_MIN_CONFIDENCE and _DIGITS.match(digits) else ""
