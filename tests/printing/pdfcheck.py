"""Reading printed PDFs back for the printing tests: fonts, text, and pages as pictures."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pypdf import PdfReader

STANDARD_14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


def fonts_used(reader: PdfReader) -> dict[str, bool]:
    """Every font a PDF's pages use: base name -> whether its TrueType program is embedded."""
    found: dict[str, bool] = {}
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            found[str(font["/BaseFont"]).lstrip("/")] = embedded
    return found


def page_texts(reader: PdfReader) -> list[str]:
    """The text of each page without its page number (drawn first on every page)."""
    out = []
    for number, page in enumerate(reader.pages, 1):
        lines = page.extract_text().splitlines()
        if lines and lines[0].strip() == str(number):
            lines = lines[1:]
        out.append("\n".join(lines))
    return out


def squash(text: str) -> str:
    return "".join(text.split())


def page_png(pdf: Path, page: int, out_prefix: Path, dpi: int = 150) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(out_prefix)], check=True, timeout=60)
    return out_prefix.with_suffix(".png")


def pdftotext(pdf: Path, *extra: str) -> str:
    """poppler's text, which honours /ActualText (shaped Indic and Arabic read as typed)."""
    return subprocess.run(["pdftotext", *extra, str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout
