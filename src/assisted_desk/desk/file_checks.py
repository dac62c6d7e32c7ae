"""Whether a whole PDF, JPEG or PNG is also sound: a right start and end are not enough.

A file can start and end like a photo and still be damaged in between, carry a second file
after its end (a "polyglot": an archive or program riding along inside a picture), or say it
is a picture so large that opening it would exhaust the computer's memory (a decompression
bomb: a few kilobytes that claim 100,000 x 100,000 pixels). Each check returns "" when the file
is sound, else the reason in words for the refusal ("its pictures fail their checksum").

Only the structure is read, never the picture itself: no imaging library is needed, and nothing
is decoded, so a hostile file cannot do more here than fail a check."""

from __future__ import annotations

import re
import zlib

# A 200-megapixel phone camera and a 600 dpi A3 scan fit; a bomb's claim of billions does not.
MAX_PIXELS = 250_000_000
_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF", re.DOTALL)
_OBJECT = re.compile(rb"\s*\d+\s+\d+\s+obj\b")
_ANY_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
# What another file hidden after (or inside) a picture or document starts with.
_RIDERS = ((b"PK\x03\x04", "a ZIP archive"), (b"PK\x05\x06", "a ZIP archive"), (b"MZ", "a program"),
           (b"\x7fELF", "a program"), (b"%PDF-", "a PDF document"), (b"Rar!", "a RAR archive"),
           (b"7z\xbc\xaf", "a 7-Zip archive"), (b"<html", "a web page"), (b"<!doctype", "a web page"),
           (b"<script", "a web page's script"))


def pixels_problem(width: int, height: int) -> str:
    if width <= 0 or height <= 0:
        return "its picture has no size (0 pixels wide or high), so the file is damaged"
    if width * height > MAX_PIXELS:
        return (f"it says its picture is {width:,} x {height:,} pixels, far more than any scan or photo "
                "(opening it could stop this computer)")
    return ""


def _rider(tail: bytes) -> str:
    """What another file in `tail` looks like, or "" when there is none to see."""
    lowered = tail.lower()
    for signature, what in _RIDERS:
        at = lowered.find(signature.lower())
        # "MZ" is two common bytes: only a program's start counts, at the very start of the tail.
        if at == 0 or (at > 0 and len(signature) > 2):
            return what
    return ""


def pdf_damage(data: bytes) -> str:
    """A document with objects: the last startxref points at its cross-reference (the table of
    contents every reader looks up first), or, when that is missing or wrong, there are objects
    for a reader to rebuild the table from (such a file still opens). No ZIP archive or program
    may ride along after the document's end."""
    tail = data[-2048:]
    found = None
    for found in _STARTXREF.finditer(tail):
        pass
    offset = int(found[1]) if found is not None else len(data)
    target = data[offset:offset + 64]
    pointed = target.lstrip().startswith(b"xref") or bool(_OBJECT.match(target))
    if not pointed and not _ANY_OBJECT.search(data):
        return "it has no contents a PDF reader can find (no objects), so the file is damaged"
    after = tail[tail.rfind(b"%%EOF") + 5:]
    rider = _rider(after.lstrip(b"\r\n\t \x00"))
    if not rider and data.rfind(b"PK\x05\x06", max(0, len(data) - 65_600)) >= 0:
        rider = "a ZIP archive"
    if rider:
        return f"it has {rider} hidden inside it as well"
    return ""


def jpeg_damage(data: bytes, end: int) -> str:
    """A frame header (size) before the picture data; a size a computer can open; and nothing
    after the end but what cameras put there (a motion photo's video)."""
    size = _jpeg_size(data)
    if size is None:
        return "it has no picture size (frame header) before its picture data, so the file is damaged"
    problem = pixels_problem(*size)
    if problem:
        return problem
    rider = _rider(data[end:end + 4096].lstrip(b"\x00"))
    if rider or data.rfind(b"PK\x05\x06", max(end, len(data) - 65_600)) >= 0:
        return f"it has {rider or 'a ZIP archive'} hidden after the picture"
    return ""


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first frame header before the first scan, or None."""
    size, pos = len(data), 2
    while pos + 4 <= size and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker in (0xDA, 0xD9):
            return None
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker in _SOF and length >= 7 and pos + 9 <= size:
            height = int.from_bytes(data[pos + 5:pos + 7], "big")
            width = int.from_bytes(data[pos + 7:pos + 9], "big")
            return width, height
        pos += 2 + length
    return None


def png_damage(data: bytes) -> str:
    """Every chunk passes its CRC (a damaged body fails it), the size is one a computer can open,
    the compressed picture data starts as a sound zlib stream (sampled, never inflated whole),
    and nothing follows the end chunk."""
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    problem = pixels_problem(width, height)
    if problem:
        return problem
    pos, size = 8, len(data)
    inflater, sampled = zlib.decompressobj(), False
    while pos + 12 <= size:
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        crc = int.from_bytes(data[pos + 8 + length:pos + 12 + length], "big")
        if zlib.crc32(kind + body) != crc:
            part = f"its {kind.decode('ascii')} chunk" if kind.isalpha() else "a part of it"
            return f"{part} fails its checksum, so the file is damaged"
        if kind == b"IDAT" and not sampled:
            sampled = True
            try:  # the start of the picture data only, at most 64 kB out: a bomb stays a few bytes
                inflater.decompress(body, 65_536)
            except zlib.error:
                return "its picture data cannot be read, so the file is damaged"
        pos += 12 + length
        if kind == b"IEND":
            break
    extra = data[pos:]
    if extra.strip(b"\x00\r\n \t"):
        what = _rider(extra) or f"{len(extra):,} bytes of something else"
        return f"it has {what} hidden after the picture"
    return ""
