"""Attachments that lie or are broken, through the service a desk uses (AttachmentService), on
SQLite and PostgreSQL: a body damaged behind a right header, a .pdf that is a ZIP or a web page,
a picture with another file riding after it, a decompression bomb, and hostile file names.
Each is refused with the reason in the message, or kept with a clean name; nothing else."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assisted_desk.core.errors import ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.file_checks import MAX_PIXELS
from assisted_desk.desk.interactions import ContactInput
from assisted_desk.desk.references import find_reference
from assisted_desk.desk.residents import ResidentInput
from tests.desk import attachment_files as files

from ..conftest import make_actor
from .strings import all_strings, has_surrogate

ZIP = b"PK\x03\x04" + b"\x14\x00" * 10 + b"word/document.xml" + b"PK\x05\x06" + b"\x00" * 18


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few hundred bytes claiming ten billion pixels: zeros compress a thousandfold."""
    data = zlib.compress(b"\x00" * 200_000, 9)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b""))


def corrupt_png() -> bytes:
    data = bytearray(files.png(40, 30))
    data[45] ^= 0xFF  # one byte of the picture data flipped: the chunk's CRC no longer matches
    return bytes(data)


def png_with_garbage_data() -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", b"this is not zlib data at all") + png_chunk(b"IEND", b""))


def jpeg_bomb() -> bytes:
    return files.jpeg(with_thumbnail=False).replace(b"\x08\x00\x08\x00\x08", b"\x08\xff\xff\xff\xff", 1)


def jpeg_without_frame() -> bytes:
    """Markers that walk to the end, but no frame header: no picture at all."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


REFUSED = [
    ("bill.pdf", b"%PDF-1.7\n" + b"\x9c\x13garbage that is no PDF body " * 40 + b"\n%%EOF\n", "damaged"),
    ("bill.pdf", files.pdf() + ZIP, "ZIP archive"),
    ("bill.pdf", files.pdf().replace(b"%%EOF\n", b"%%EOF\nMZ\x90\x00 a program"), "program"),
    ("bill.pdf", ZIP, "ZIP archive"),
    ("bill.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script>%PDF-1.4</body></html>", "web page"),
    ("bill.pdf", b"\xef\xbb\xbf  <html><body>Council tax</body></html>", "web page"),
    ("photo.jpg", files.jpeg() + ZIP, "ZIP archive"),
    ("photo.jpg", files.jpeg() + b"<html><script>alert(1)</script></html>", "web page"),
    ("photo.jpg", jpeg_bomb(), "pixels"),
    ("photo.jpg", jpeg_without_frame(), "damaged"),
    ("scan.png", corrupt_png(), "checksum"),
    ("scan.png", png_with_garbage_data(), "damaged"),
    ("scan.png", png_bomb(), "pixels"),
    ("scan.png", png_bomb(0, 10), "no size"),
    ("scan.png", files.png() + ZIP, "ZIP archive"),
    ("scan.png", files.png() + b"hidden words after the end", "hidden after the picture"),
]


@pytest.fixture(scope="module")
def desk(desk_services):
    services, admin = desk_services
    actor = make_actor(services, admin, "hostile.desk", Role.DESK)
    resident = services.residents.register(actor, ResidentInput(given_name="Ngozi", family_name="Okafor"),
                                           confirm_not_duplicate=True).id
    reference = services.interactions.log_interaction(actor, ContactInput(
        resident_id=resident, channel="face_to_face", service_code="council_tax", help_type="information",
        outcome="resolved"))
    with services.db.unit_of_work() as session:
        interaction = find_reference(session, reference).record_id
    return services, actor, interaction


def test_lying_damaged_and_bomb_files_are_refused_with_the_reason(desk):
    services, actor, interaction = desk
    for name, data, reason in REFUSED:
        with pytest.raises(ValidationError) as refused:
            services.attachments.attach_to_interaction(actor, interaction, AttachmentInput(name, data))
        assert refused.value.field == "attachments"
        assert reason in str(refused.value) and name in str(refused.value), (name, reason, str(refused.value))
    assert services.attachments.for_interaction(actor, interaction) == ()
    assert MAX_PIXELS >= 200_000_000  # a 200-megapixel phone photo is still taken


def test_sound_files_of_every_kind_are_still_kept(desk):
    services, actor, interaction = desk
    sound = [("bill.pdf", files.pdf()), ("photo.jpg", files.jpeg()), ("scan.png", files.png(640, 480)),
             ("page.tif", files.tiff()), ("IMG_1.HEIC", files.heic()), ("p.webp", files.WEBP),
             # A phone's motion photo carries its video after the picture: that is not a rider.
             ("motion.jpg", files.jpeg() + b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)]
    for name, data in sound:
        record = services.attachments.attach_to_interaction(actor, interaction, AttachmentInput(name, data))
        assert record.filename == name


def test_hostile_file_names_are_kept_clean_or_given_one(desk):
    services, actor, interaction = desk
    names = list(all_strings()[::4]) + ["evil\u202efdp.exe", "../../etc/passwd.pdf", "C:\\x\\con.pdf",
                                              "\x00.pdf", "=cmd|' /C calc'!A0.pdf", "ab\ud800.pdf"]
    for n, name in enumerate(names):
        item = AttachmentInput(name, files.pdf())
        try:
            checked = services.attachments.check(item)
        except ValidationError as refused:  # a name saying it is another kind ("x.png"): refused, named
            assert refused.field == "attachments" and "PDF document" in str(refused), (name, str(refused))
            continue
        filename = checked.filename
        if n % 16 == 0:  # some stored too (a contact carries at most 20 files): the name reads back
            filename = services.attachments.attach_to_interaction(actor, interaction, item).filename
            assert filename == checked.filename
        assert filename.endswith(".pdf") and "/" not in filename and "\\" not in filename
        assert "\u202e" not in filename and "\x00" not in filename and not has_surrogate(filename)


@settings(max_examples=30, deadline=None)
@given(st.one_of(st.binary(min_size=1, max_size=600),
                 st.binary(max_size=300).map(lambda tail: files.png() + tail),
                 st.binary(max_size=300).map(lambda body: b"%PDF-1.4\n" + body + b"\n%%EOF"),
                 st.binary(max_size=300).map(lambda body: b"\xff\xd8\xff\xe0" + body)))
def test_any_bytes_are_kept_or_refused_with_a_reason(desk, data):
    services, actor, interaction = desk
    try:
        services.attachments.check(AttachmentInput("upload", data))
    except ValidationError as refused:
        assert refused.field == "attachments" and "upload" in str(refused)
