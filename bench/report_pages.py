#!/usr/bin/env python
"""Render a periodic report's pages to PNG, to look at them: DOCX → PDF with LibreOffice headless,
PDF → one PNG per page with pdftoppm (poppler-utils). Not part of the tests: CI needs neither.

    python bench/report_pages.py REPORT.docx [--out DIR] [--dpi 60]

Needs `soffice` (apt-get install libreoffice-writer-nogui) and `pdftoppm` (apt-get install
poppler-utils). Prints the PNG files written, one per page.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def render(document: Path, out: Path, dpi: int) -> list[Path]:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (see this script's docstring)")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="canhgiac-lo-") as profile:
        # A profile of its own: a LibreOffice already running elsewhere would swallow the conversion.
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), str(document)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    pdf = out / (document.stem + ".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / document.stem)], check=True, timeout=120)
    return sorted(out.glob(f"{document.stem}-*.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("document", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="default: a folder beside the document")
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    out = args.out or args.document.with_name(args.document.stem + "-pages")
    for page in render(args.document, out, args.dpi):
        print(page)


if __name__ == "__main__":
    main()
