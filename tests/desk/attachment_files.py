"""Small real files of every kind the desk accepts, built byte by byte (no imaging library)."""

from __future__ import annotations

import base64
import struct
import zlib


def png(width: int = 4, height: int = 3, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pdf(text: str = "Council tax bill", size: int | None = None) -> bytes:
    """A one-page PDF with a correct cross-reference table; `size` pads it (with a comment near
    the start, as a scanner's metadata would be) to exactly that many bytes."""
    if size is not None:
        short = len(pdf(text)) + 2
        return pdf(text, None).replace(b"%PDF-1.4\n", b"%PDF-1.4\n%" + b"x" * (size - short) + b"\n", 1)
    stream = f"BT /F1 18 Tf 20 100 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


def jpeg(with_thumbnail: bool = True) -> bytes:
    """An 8x8 grey baseline JPEG: one block whose only code is 'no change, end of block'.
    With a thumbnail, an EXIF-like block carries a second image with its own end marker, as
    phone photos do (so an end marker found anywhere proves nothing)."""
    parts = [b"\xff\xd8", _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    if with_thumbnail:
        parts.append(_segment(0xE1, b"Exif\x00\x00" + jpeg(with_thumbnail=False)))
    one_code_of_length_one = bytes([1] + [0] * 15)
    parts += [
        _segment(0xDB, b"\x00" + bytes([1] * 64)),  # quantisation table 0
        _segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00"),  # 8x8, one component
        _segment(0xC4, b"\x00" + one_code_of_length_one + b"\x00"),  # DC: category 0
        _segment(0xC4, b"\x10" + one_code_of_length_one + b"\x00"),  # AC: end of block
        _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x3f",  # bits 0 (DC) and 0 (EOB), padded with ones
        b"\xff\xd9",
    ]
    return b"".join(parts)


def tiff(big_endian: bool = False) -> bytes:
    """A 2x2 grey uncompressed TIFF, as a flatbed scanner might write a (very small) page."""
    order = ">" if big_endian else "<"
    pixels = b"\x00\xff\xff\x00"
    entries = [(256, 3, 1, 2), (257, 3, 1, 2), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 0), (277, 3, 1, 1), (278, 3, 1, 2), (279, 4, 1, len(pixels))]
    ifd_size = 2 + 12 * len(entries) + 4
    pixel_offset = 8 + ifd_size
    body = b""
    for tag, kind, count, value in entries:
        value = pixel_offset if tag == 273 else value
        packed = struct.pack(order + "H", value) + b"\x00\x00" if kind == 3 else struct.pack(order + "I", value)
        body += struct.pack(order + "HHI", tag, kind, count) + packed
    header = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(order + "I", 8)
    return header + struct.pack(order + "H", len(entries)) + body + b"\x00\x00\x00\x00" + pixels


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body) + 8) + kind + body


def heic(major: bytes = b"heic", compatible: tuple[bytes, ...] = (b"mif1", b"heic")) -> bytes:
    """The box structure of an iPhone photo (ftyp, meta, mdat); the picture itself is not real."""
    return (_box(b"ftyp", major + b"\x00\x00\x00\x00" + b"".join(compatible))
            + _box(b"meta", b"\x00\x00\x00\x00" + _box(b"hdlr", b"\x00" * 8 + b"pict" + b"\x00" * 13))
            + _box(b"mdat", b"\x00\x00\x00\x10" + b"\x26\x01" * 8))


# A 2x2 lossless WebP, as Qt's WebP plugin (libwebp) wrote it.
WEBP = base64.b64decode("UklGRh4AAABXRUJQVlA4TBEAAAAvAUAAAAdQvHoUuf+BiOh/AAA=")

# The start of a Windows program, as any .exe begins.
EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
       + b"This program cannot be run in DOS mode.")
