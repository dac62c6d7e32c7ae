"""What a file is, from its bytes: the kinds of evidence the desk accepts (scans, phone photos,
PDFs), whether a file of that kind is whole, and names that are safe to show and to write.

The name a file arrives with says nothing reliable about it: a program renamed `form.pdf` is
still a program, and a download that stopped half way still has its `.pdf` name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import EnvironmentFault
from .file_checks import jpeg_damage, pdf_damage, png_damage


@dataclass(frozen=True)
class FileKind:
    media_type: str  # as the back-office interface names it
    label: str  # for a person: "PDF document"
    extensions: tuple[str, ...]  # lower case, with the dot; the first is the one to suggest

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileKind("application/pdf", "PDF document", (".pdf",))
JPEG = FileKind("image/jpeg", "JPEG photo", (".jpg", ".jpeg", ".jpe", ".jfif"))
PNG = FileKind("image/png", "PNG image", (".png",))
TIFF = FileKind("image/tiff", "TIFF image", (".tif", ".tiff"))
HEIC = FileKind("image/heic", "HEIC photo", (".heic", ".heif", ".hif"))
WEBP = FileKind("image/webp", "WebP image", (".webp",))
KINDS: tuple[FileKind, ...] = (PDF, JPEG, PNG, TIFF, HEIC, WEBP)
BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS}
ALLOWED_TEXT = "a PDF document, or a JPEG, PNG, TIFF, HEIC or WebP image (scans, photos and PDFs)"


def kind_named_by(filename: str) -> FileKind | None:
    """The accepted kind a file's extension claims, if it claims one."""
    dot = filename.rfind(".")
    if dot <= 0:
        return None
    suffix = filename[dot:].lower()
    return next((kind for kind in KINDS if suffix in kind.extensions), None)


def type_label(media_type: str) -> str:
    kind = BY_MEDIA_TYPE.get(media_type)
    return kind.label if kind else media_type


# ---- the content -------------------------------------------------------------------------

@dataclass(frozen=True)
class Identified:
    """What the bytes are: an accepted kind (maybe `cut_short`), or not accepted, with a hint
    saying what it looks like instead (empty when it looks like nothing known)."""

    kind: FileKind | None
    cut_short: bool = False
    looks_like: str = ""
    damage: str = ""  # why a whole file of an accepted kind still cannot be taken, in words


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
_HEIF_BRANDS = {b"mif1", b"msf1"}  # HEIF in general: AVIF uses them too, so look at the rest
_AVIF_BRANDS = {b"avif", b"avis"}
_PDF_EOF_WINDOW = 1024  # readers look for %%EOF this near the end


def identify(data: bytes) -> Identified:
    """The accepted kind of `data` from its first bytes, whether its end is there, and for PDF,
    JPEG and PNG whether what lies between is sound (see file_checks)."""
    if data.startswith(b"%PDF-"):
        cut = b"%%EOF" not in data[-_PDF_EOF_WINDOW:]
        return Identified(PDF, cut_short=cut, damage="" if cut else pdf_damage(data))
    if data.startswith(b"\xff\xd8\xff"):
        end = jpeg_end(data)
        return Identified(JPEG, cut_short=end is None, damage="" if end is None else jpeg_damage(data, end))
    if data.startswith(_PNG_SIGNATURE):
        if data[12:16] != b"IHDR":
            return Identified(PNG, cut_short=True)
        cut = not _png_complete(data)
        return Identified(PNG, cut_short=cut, damage="" if cut else png_damage(data))
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return Identified(TIFF, cut_short=not _tiff_complete(data))
    if data[4:8] == b"ftyp":
        return _iso_media(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        return Identified(WEBP, cut_short=len(data) < declared)
    return Identified(None, looks_like=_looks_like(data))


def jpeg_end(data: bytes) -> int | None:
    """Walk the markers to the end-of-image marker (FF D9) and return where the image ends, or
    None when it never does. Phone cameras may put more after it (a motion photo's video), so
    the marker need not be the last two bytes; and a thumbnail inside the EXIF block has its own
    FF D9, so finding one anywhere is not enough."""
    size, pos = len(data), 2
    while True:
        if pos + 1 >= size or data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        if pos + 4 > size:
            return None
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if pos > size:
            return None
        if marker != 0xDA:  # start of scan: compressed data follows, up to the next marker
            continue
        while True:
            found = data.find(b"\xff", pos)
            if found < 0 or found + 1 >= size:
                return None
            following = data[found + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:  # an escaped FF, or a restart
                pos = found + 2
            elif following == 0xFF:
                pos = found + 1
            else:
                pos = found
                break


def _png_complete(data: bytes) -> bool:
    size, pos = len(data), 8
    while pos + 8 <= size:
        length = int.from_bytes(data[pos:pos + 4], "big")
        chunk = data[pos + 4:pos + 8]
        pos += 12 + length  # length, type, data, CRC
        if pos > size:
            return False
        if chunk == b"IEND":
            return True
    return False


def _tiff_complete(data: bytes) -> bool:
    """The first directory (the first page's description) must be inside the file."""
    order = "little" if data[:2] == b"II" else "big"
    if len(data) < 8:
        return False
    first = int.from_bytes(data[4:8], order)
    if first < 8 or first + 2 > len(data):
        return False
    entries = int.from_bytes(data[first:first + 2], order)
    return first + 2 + 12 * entries + 4 <= len(data)


def _iso_media(data: bytes) -> Identified:
    """An ISO base media file (HEIC photo, AVIF, MP4 video...): the ftyp box says which."""
    box_size = int.from_bytes(data[0:4], "big")
    major = data[8:12]
    compatible = {data[i:i + 4] for i in range(16, min(box_size, len(data)) - 3, 4)}
    if major in _HEIC_BRANDS or (major in _HEIF_BRANDS and (compatible & _HEIC_BRANDS
                                                              or not compatible & _AVIF_BRANDS)):
        return Identified(HEIC, cut_short=not _boxes_complete(data))
    if major in _AVIF_BRANDS or compatible & _AVIF_BRANDS:
        return Identified(None, looks_like="an AVIF image")
    return Identified(None, looks_like="a video or sound file")


def _boxes_complete(data: bytes) -> bool:
    """Every top-level box fits in the file (a cut-short photo's last box runs off the end)."""
    size, pos = len(data), 0
    while pos < size:
        if pos + 8 > size:
            return False
        length = int.from_bytes(data[pos:pos + 4], "big")
        header = 8
        if length == 1:  # a 64-bit size follows the type
            if pos + 16 > size:
                return False
            length, header = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif length == 0:  # the last box, to the end of the file
            return True
        if length < header:
            return False
        pos += length
    return pos == size


def _looks_like(data: bytes) -> str:
    if data.startswith(b"MZ") or data.startswith(b"\x7fELF") or data.startswith(b"#!"):
        return "a program"
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive or an Office document (save a document as PDF first)"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an older Office document (save it as PDF first)"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image"
    if data.startswith(b"{\\rtf"):
        return "a rich text document (save it as PDF first)"
    if data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith((b"<!doctype html", b"<html", b"<?xml", b"<svg")):
        return "a web page or other markup (save it as PDF first)"
    return ""


# ---- names -------------------------------------------------------------------------------

MAX_NAME = 255
# Invisible characters that reorder text: "photo\u202egpj.exe" shows as "photoexe.jpg".
_REORDERING = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))


def clean_filename(name: str) -> str:
    """The name to keep and show: the base name only (no folders, from any system), trimmed,
    NFC, without control or reordering characters, at most 255 characters (keeping the
    extension). Letters of every script stay as they are. May be "" (the caller names it)."""
    text = unicodedata.normalize("NFC", name or "").translate(_REORDERING)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs"))
    text = re.split(r"[\\/]", text)[-1].strip()
    if not text.strip("."):  # "", "." and ".." name nothing
        return ""
    return _shortened(text, lambda part: len(part) <= MAX_NAME)


def _shortened(name: str, fits) -> str:
    if fits(name):
        return name
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot and len(name) - dot <= 16 else ""
    stem = name[:len(name) - len(suffix)]
    while stem and not fits(stem.rstrip() + suffix):
        stem = stem[:-1]
    return stem.rstrip() + suffix


_UNSAFE_ON_DISK = re.compile(r'[<>:"/\\|?*]')
_RESERVED_ON_WINDOWS = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_NAME_BYTES = 200  # file systems count bytes (255); a Gujarati letter takes three


def safe_file_name(name: str, kind: FileKind | None, fallback: str = "attachment") -> str:
    """A name to write a copy under on any operating system: no folders, no characters Windows
    refuses, not a reserved device name, not hidden, short enough in bytes, and ending in the
    extension of what the file really is (so the system opens it with the right program)."""
    text = _UNSAFE_ON_DISK.sub("_", clean_filename(name)).strip().lstrip(".").rstrip(". ")
    if kind is not None and kind_named_by(text) is not kind:
        text += kind.extension
    stem = text.split(".", 1)[0]
    if not stem.strip() or stem.strip().lower() in _RESERVED_ON_WINDOWS:
        text = f"{fallback}_{text}" if stem.strip() else f"{fallback}{text}"
    return _shortened(text, lambda part: len(part.encode("utf-8")) <= MAX_NAME_BYTES)


def write_copy(folder: Path, filename: str, media_type: str, data: bytes) -> Path:
    """Write `data` as a new file in `folder`, never over an existing one (another copy may be
    open in a viewer) and never outside the folder, whatever the stored name says."""
    kind = BY_MEDIA_TYPE.get(media_type)
    name = safe_file_name(filename, kind)
    dot = name.rfind(".")
    stem, suffix = (name[:dot], name[dot:]) if dot > 0 else (name, "")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(1, 1000):
            path = folder / (name if number == 1 else f"{stem} ({number}){suffix}")
            try:
                file = path.open("xb")
            except FileExistsError:
                continue
            try:
                with file:
                    file.write(data)
            except OSError:
                path.unlink(missing_ok=True)  # no half copy left behind (a full disk)
                raise
            return path
        raise FileExistsError(f"too many copies of {name}")
    except OSError as exc:
        raise EnvironmentFault(f"A copy of ‘{filename}’ cannot be written to {folder} ({exc.strerror or exc}).",
                               "Free some disk space, or ask IT to check this account may write there.") from exc
