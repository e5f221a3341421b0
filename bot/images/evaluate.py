"""`canhgiac images eval DIR`: how well pictures are read, on a set drawn by tests/images/render.py.

For each screenshot the identifiers found in the text read are compared with those in the text
drawn (the message and the sender above it): recall and precision over all pictures. The verdict
on the text read is compared with the verdict on the message pasted as text: agreement is the
share of pictures whose risk level is the same. For each QR picture, the code decoded must be
exactly the payload drawn. Time is the whole reading of one picture (open, QR, OCR), one at a time.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.identifiers import extract_identifiers
from bot.images.reading import read_picture


@dataclass
class ImageReport:
    pictures: int = 0
    expected_ids: int = 0
    found_ids: int = 0
    matched_ids: int = 0
    verdicts: int = 0
    verdicts_agreeing: int = 0
    codes: int = 0
    codes_decoded: int = 0
    seconds: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched_ids / self.expected_ids if self.expected_ids else 1.0

    @property
    def precision(self) -> float:
        return self.matched_ids / self.found_ids if self.found_ids else 1.0

    @property
    def agreement(self) -> float:
        return self.verdicts_agreeing / self.verdicts if self.verdicts else 1.0

    @property
    def decode_rate(self) -> float:
        return self.codes_decoded / self.codes if self.codes else 1.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        return "\n".join(
            [
                f"pictures: {self.pictures} ({self.verdicts} screenshots, {self.codes} QR codes)",
                f"identifiers: recall {self.recall:.1%} ({self.matched_ids}/{self.expected_ids}), "
                f"precision {self.precision:.1%} ({self.matched_ids}/{self.found_ids})",
                f"verdict agreement with the text pasted: {self.agreement:.1%}",
                f"QR codes decoded exactly: {self.decode_rate:.1%} ({self.codes_decoded}/{self.codes})",
                f"time per picture: p50 {self.percentile(0.5):.2f} s, p95 {self.percentile(0.95):.2f} s, "
                f"mean {statistics.fmean(self.seconds or [0]):.2f} s",
            ]
        )


def _keys(text: str) -> set[str]:
    return {identifier.key for identifier in extract_identifiers(text)}


def evaluate(folder: Path, risk_of: Callable[[str], str]) -> ImageReport:
    """Read every picture of `folder`/manifest.tsv; `risk_of(text)` is the message verdict's risk."""
    report = ImageReport()
    with (folder / "manifest.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        expected = row["expected"].replace("\\n", "\n")
        reading = read_picture((folder / row["file"]).read_bytes(), ocr=row["kind"] == "text")
        report.pictures += 1
        report.seconds.append(reading.seconds)
        if row["kind"] == "qr":
            report.codes += 1
            decoded = [code.text for code in reading.codes]
            report.codes_decoded += decoded == [expected]
            if decoded != [expected]:
                report.misses.append(f"{row['file']}: QR {decoded!r}")
            continue
        wanted, found = _keys(f"{row['sender']}\n{expected}"), _keys(reading.text)
        report.expected_ids += len(wanted)
        report.found_ids += len(found)
        report.matched_ids += len(wanted & found)
        pasted, read = risk_of(expected), risk_of(reading.message)  # as the picture handler judges it
        report.verdicts += 1
        report.verdicts_agreeing += pasted == read
        if wanted != found or pasted != read:
            report.misses.append(
                f"{row['file']}: risk {pasted}->{read}; missed {sorted(wanted - found)}; extra {sorted(found - wanted)}"
            )
    return report
