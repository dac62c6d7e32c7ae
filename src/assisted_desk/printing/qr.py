"""A QR code a resident can scan with a phone camera, with the short address printed beside it
for those who would rather type it. Drawn with ReportLab's own QR widget (no extra dependency),
as vector squares: sharp on any printer, black on white."""

from __future__ import annotations

import functools
import itertools

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.platypus import Flowable, Table, TableStyle

from .fonts import Script, font_for
from .layout import TextBlock


QUIET_ZONE = 4  # modules of white around the code, which scanners need


@functools.lru_cache(maxsize=64)
def qr_modules(address: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's dark and light modules, row by row from the top, at error correction M
    (survives a crease or a smudge). Encoded with ReportLab's own encoder; cached because a batch
    prints the same few addresses again and again."""
    widget = QrCodeWidget(address, barLevel="M")
    widget.qr.make()
    return tuple(tuple(bool(m) for m in row) for row in widget.qr.modules)


class QrCode(Flowable):
    """A square QR code `size` points wide for `address`, quiet zone included, drawn as black
    rectangles straight on the canvas (ReportLab's drawing renderer would select Helvetica, a
    font that is not embedded)."""

    def __init__(self, address: str, size: float) -> None:
        super().__init__()
        self.address, self.size = address, size

    def wrap(self, availWidth, availHeight):
        return self.size, self.size

    def draw(self):
        modules = qr_modules(self.address)
        box = self.size / (len(modules) + 2 * QUIET_ZONE)
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for r, row in enumerate(modules):
            y = self.size - (r + QUIET_ZONE + 1) * box
            column = 0
            for dark, run in itertools.groupby(row):
                count = len(list(run))
                if dark:
                    canvas.rect((column + QUIET_ZONE) * box, y, count * box, box, stroke=0, fill=1)
                column += count


def printed_address(service_url: str, short_url: str) -> str:
    """What to print beside the code: the short address when there is one, otherwise the full
    address without its https:// (residents type it into the address bar as it stands)."""
    if short_url:
        return short_url
    for prefix in ("https://", "http://"):
        if service_url.startswith(prefix):
            return service_url[len(prefix):]
    return service_url


def qr_block(service_url: str, short_url: str, *, size: float, width: float, caption: str,
             text_size: float, leading: float) -> Table:
    """The QR code on the left and, to its right, a caption ("Open it on your phone") above the
    short address in bold. The table keeps text inside its column however long the address."""
    text_width = width - size - 12
    cell = [TextBlock(caption, text_size, leading, space_after=leading * 0.3),
            TextBlock(printed_address(service_url, short_url), text_size, leading, bold=True)]
    table = Table([[QrCode(service_url, size), cell]], colWidths=[size + 12, text_width],
                  hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), font_for(Script.LATIN)),  # Table sets Helvetica otherwise
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table
