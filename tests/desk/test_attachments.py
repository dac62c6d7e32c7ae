"""Evidence attachments: the type from the content, the size limit, names in any script, the
SHA-256 kept and checked, opening a copy, removing, and who may do what."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, update

from assisted_desk.core.errors import ConflictError, EnvironmentFault, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import PERMISSIONS, Permission, Role
from assisted_desk.desk.attachment_models import Attachment, AttachmentContent
from assisted_desk.desk.attachments import (
    DEFAULT_LIMIT_MB,
    MAX_ATTACHMENTS,
    MB,
    AttachmentDamaged,
    AttachmentInput,
    check_attachment,
    read_attachment_file,
    store_attachments,
    submission_attachments,
    write_copy,
)
from assisted_desk.desk.file_kinds import MAX_NAME_BYTES, clean_filename, safe_file_name, PDF, JPEG
from assisted_desk.desk.models import Interaction
from assisted_desk.desk.submission_models import Submission
from assisted_desk.desk.vocab import SubmissionState

from ..conftest import make_actor
from . import attachment_files as files
from .contact_fixtures import NAMES, audit_actions, contact, register

LIMIT = DEFAULT_LIMIT_MB * MB
KINDS = [
    ("scan.pdf", files.pdf(), "application/pdf", "PDF document"),
    ("photo.jpg", files.jpeg(), "image/jpeg", "JPEG photo"),
    ("screenshot.png", files.png(), "image/png", "PNG image"),
    ("page.tif", files.tiff(), "image/tiff", "TIFF image"),
    ("page-mac.tiff", files.tiff(big_endian=True), "image/tiff", "TIFF image"),
    ("IMG_0001.HEIC", files.heic(), "image/heic", "HEIC photo"),
    ("samsung.heic", files.heic(b"mif1", (b"mif1", b"heic")), "image/heic", "HEIC photo"),
    ("photo.webp", files.WEBP, "image/webp", "WebP image"),
]


def check(name: str, data: bytes, max_bytes: int = LIMIT):
    return check_attachment(AttachmentInput(name, data), max_bytes=max_bytes)


def refusal(name: str, data: bytes, max_bytes: int = LIMIT) -> str:
    with pytest.raises(ValidationError) as caught:
        check(name, data, max_bytes)
    assert caught.value.field == "attachments"
    return caught.value.message


# ---- the type, from the content -----------------------------------------------------------

@pytest.mark.parametrize("name, data, media_type, label", KINDS)
def test_scans_photos_and_pdfs_are_accepted_for_what_they_are(name, data, media_type, label):
    checked = check(name, data)
    assert (checked.filename, checked.media_type, checked.type_label) == (name, media_type, label)
    assert checked.size == len(data) and checked.data == data
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name, data", [
    ("bill.pdf", files.pdf()[:-20]),  # the download stopped before the end
    ("bill.pdf", files.pdf()[:30]),
    ("photo.jpg", files.jpeg()[:-2]),
    ("photo.jpg", files.jpeg()[:120]),
    ("photo.jpg", files.jpeg()[:4]),
    ("screenshot.png", files.png()[:-12]),  # no IEND
    ("screenshot.png", files.png()[:10]),
    ("page.tif", files.tiff()[:20]),
    ("IMG_0001.HEIC", files.heic()[:-5]),
    ("photo.webp", files.WEBP[:-6]),
])
def test_a_file_cut_short_is_refused(name, data):
    message = refusal(name, data)
    assert f"‘{name}’ looks cut short" in message and "attach the new copy" in message


def test_the_jpeg_end_marker_is_found_by_walking_the_file_not_anywhere():
    photo = files.jpeg()
    thumbnail_end = photo.index(b"\xff\xd9") + 2  # the thumbnail inside the EXIF block ends here
    assert thumbnail_end < len(photo) - 2
    assert "looks cut short" in refusal("photo.jpg", photo[:thumbnail_end + 30])
    # A motion photo carries its video after the picture's end marker: still a whole JPEG.
    assert check("motion.jpg", photo + b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200).media_type == "image/jpeg"


def test_a_renamed_program_is_refused_naming_the_file_and_what_is_allowed():
    message = refusal("council-tax-form.pdf", files.EXE)
    assert message.startswith("‘council-tax-form.pdf’ is not a kind of file the desk accepts (it looks like a program)")
    assert "PDF document, or a JPEG, PNG, TIFF, HEIC or WebP image" in message


@pytest.mark.parametrize("name, data, looks_like", [
    ("letter.docx", b"PK\x03\x04" + b"\x00" * 60, "a ZIP archive or an Office document"),
    ("letter.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 60, "an older Office document"),
    ("notes.txt", "Notes about Łukasz".encode(), ""),
    ("animation.gif", b"GIF89a" + b"\x00" * 20, "a GIF image"),
    ("photo.avif", files.heic(b"avif", (b"mif1", b"avif")), "an AVIF image"),
    ("photo.heic", files.heic(b"mif1", (b"mif1", b"avif")), "an AVIF image"),  # the name says HEIC; it is not
    ("clip.mp4", files.heic(b"isom", (b"isom", b"mp42")), "a video or sound file"),
])
def test_other_kinds_are_refused_and_say_what_they_look_like(name, data, looks_like):
    message = refusal(name, data)
    assert message.startswith(f"‘{name}’ is not a kind of file the desk accepts")
    assert (f"(it looks like {looks_like}" in message) if looks_like else ("looks like" not in message)
    assert "Attach a PDF document, or a JPEG, PNG, TIFF, HEIC or WebP image" in message


@pytest.mark.parametrize("name, data, says", [
    ("photo.pdf", files.jpeg(), "‘photo.pdf’ is a JPEG photo, not a PDF document: rename it ‘photo.jpg’ or "
                                "choose the right file."),
    ("scan.JPG", files.pdf(), "‘scan.JPG’ is a PDF document, not a JPEG photo: rename it ‘scan.pdf’"),
    ("screen.png", files.heic(), "‘screen.png’ is a HEIC photo, not a PNG image: rename it ‘screen.heic’"),
    ("page.webp", files.tiff(), "is a TIFF image, not a WebP image"),
])
def test_an_extension_naming_another_accepted_kind_is_refused(name, data, says):
    assert says in refusal(name, data)


def test_a_name_without_the_right_extension_gets_one():
    assert check("scan", files.pdf()).filename == "scan.pdf"
    assert check("IMG_0001.JPEG", files.jpeg()).filename == "IMG_0001.JPEG"  # any of the kind's extensions
    assert check("photo.jfif", files.jpeg()).filename == "photo.jfif"
    assert check("download.dat", files.png()).filename == "download.dat.png"
    assert check("selfie.exe", files.jpeg()).filename == "selfie.exe.jpg"  # never opened as a program
    assert check("", files.pdf()).filename == "attachment.pdf"
    assert check("../..", files.png()).filename == "attachment.png"


def test_an_empty_file_is_refused():
    assert refusal("blank.pdf", b"") == "‘blank.pdf’ is empty (0 bytes): choose the file again, or scan it again."
    assert refusal("", b"").startswith("The file is empty")
    assert refusal("/", files.EXE).startswith("The file is not a kind of file the desk accepts")


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit():
    just_over = b"%PDF-" + b"\x00" * (MB - 5) + b"\x01"
    message = refusal("big.pdf", just_over, max_bytes=MB)
    assert message.startswith(f"‘big.pdf’ is just over 1 MB ({MB + 1:,} bytes); the limit an administrator set is "
                              "1 MB.")
    assert "21.5 MB; the limit an administrator set is 20 MB." in refusal("huge.jpg", b"\xff" * int(21.5 * MB))
    assert check("exact.pdf", files.pdf(size=MB), max_bytes=MB).size == MB


# ---- names -------------------------------------------------------------------------------

@pytest.mark.parametrize("given, family", NAMES)
def test_names_in_any_script_survive(given, family):
    name = f"{given} {family} – passport.pdf"
    assert check(name, files.pdf()).filename == name
    decomposed = unicodedata.normalize("NFD", name)
    assert check(f"  {decomposed}\t", files.pdf()).filename == name  # NFC, trimmed


@pytest.mark.parametrize("given, expected", [
    ("C:\\Users\\desk\\Documents\\proof.pdf", "proof.pdf"),
    ("/home/desk/Scans/proof.pdf", "proof.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("\\\\server\\share\\محمد.pdf", "محمد.pdf"),
    ("pro\x00of\x07.pdf", "proof.pdf"),
    ("proof\u202efdp.exe.pdf", "prooffdp.exe.pdf"),  # no hidden reordering of what staff see
    ("ન\u200dમ.pdf", "ન\u200dમ.pdf"),  # joiners shape Indic and Persian words: they stay
])
def test_only_the_base_name_is_kept_without_control_characters(given, expected):
    assert clean_filename(given) == expected


def test_a_long_name_is_shortened_keeping_its_extension():
    name = "પ્રિયા " * 60 + ".pdf"
    kept = check(name, files.pdf()).filename
    assert len(kept) == 255 and kept.endswith(".pdf") and kept.startswith("પ્રિયા")


@pytest.mark.parametrize("stored, kind, expected", [
    ("../../evil.pdf", PDF, "evil.pdf"),
    ("CON.pdf", PDF, "attachment_CON.pdf"),
    (".bashrc", PDF, "bashrc.pdf"),
    ('a:b?"c".pdf', PDF, "a_b__c_.pdf"),
    ("selfie.exe", JPEG, "selfie.exe.jpg"),
    ("Łukasz.jpeg", JPEG, "Łukasz.jpeg"),
    ("", PDF, "attachment.pdf"),
])
def test_a_copy_is_written_under_a_safe_name(stored, kind, expected):
    assert safe_file_name(stored, kind) == expected


def test_a_safe_name_fits_the_file_system_in_bytes():
    name = safe_file_name("પ્રિયા " * 60 + ".pdf", PDF)
    assert len(name.encode()) <= MAX_NAME_BYTES and name.endswith(".pdf")


def test_a_copy_never_lands_outside_its_folder_or_over_another(tmp_path):
    folder = tmp_path / "open"
    first = write_copy(folder, "..\\..\\..\\windows\\evil.pdf", "application/pdf", b"one")
    second = write_copy(folder, "../../evil.pdf", "application/pdf", b"two")
    assert (first.parent, first.name, first.read_bytes()) == (folder, "evil.pdf", b"one")
    assert (second.parent, second.name, second.read_bytes()) == (folder, "evil (2).pdf", b"two")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["evil (2).pdf", "evil.pdf", "open"]


# ---- reading a file staff chose ------------------------------------------------------------

def test_a_file_is_read_from_disk(tmp_path):
    path = tmp_path / "Łukasz passport.jpg"
    path.write_bytes(files.jpeg())
    item = read_attachment_file(path, max_bytes=LIMIT)
    assert (item.filename, item.data) == ("Łukasz passport.jpg", files.jpeg())


def test_reading_refuses_folders_missing_files_and_big_files_before_reading(tmp_path, monkeypatch):
    scans = tmp_path / "scans"
    scans.mkdir()
    with pytest.raises(ValidationError, match="‘scans’ is a folder: choose the files inside it"):
        read_attachment_file(scans, max_bytes=LIMIT)
    with pytest.raises(ValidationError, match="‘gone.pdf’ is no longer there"):
        read_attachment_file(tmp_path / "gone.pdf", max_bytes=LIMIT)
    huge = tmp_path / "video.jpg"
    with huge.open("wb") as file:  # sparse: 4 GB on paper, nothing on disk
        file.truncate(4 * 1024 * MB)

    def no_reading(*args, **kwargs):
        raise AssertionError("a file over the limit must not be read")

    monkeypatch.setattr(Path, "open", no_reading)
    with pytest.raises(ValidationError, match="‘video.jpg’ is 4096.0 MB; the limit an administrator set is 20 MB"):
        read_attachment_file(huge, max_bytes=LIMIT)


def test_reading_says_when_the_account_may_not_read_the_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.pdf"
    path.write_bytes(files.pdf())

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refused)
    with pytest.raises(ValidationError, match="This computer account may not read ‘locked.pdf’"):
        read_attachment_file(path, max_bytes=LIMIT)


# ---- with the database ---------------------------------------------------------------------

@pytest.fixture
def lukasz(services, admin) -> int:
    return register(services, admin)


def log_contact(services, actor, resident_id) -> int:
    reference = services.interactions.log_interaction(actor, contact(resident_id))
    with services.db.unit_of_work() as session:
        return session.scalar(select(Interaction.id).where(Interaction.reference == reference))


@pytest.fixture
def interaction(services, admin, lukasz) -> int:
    return log_contact(services, admin, lukasz)


def add_submission(services, admin, resident_id: int, interaction_id: int,
                   state: SubmissionState = SubmissionState.QUEUED) -> int:
    now = services.clock.now()
    with services.db.unit_of_work() as session:
        row = Submission(reference=f"AD-{uuid.uuid4().hex[:4].upper()}-RQ", resident_id=resident_id,
                         interaction_id=interaction_id, request_type="council_tax_move", service_code="council_tax",
                         site_id=admin.site_id, staff_id=admin.staff_id, fields_json="{}", resident_json="{}", envelope_json="{}",
                         state=state.value, idempotency_key=str(uuid.uuid4()), next_attempt_at=now, created_at=now,
                         created_by=admin.username, updated_at=now, updated_by=admin.username)
        session.add(row)
        session.flush()
        return row.id


def test_a_file_is_kept_with_a_contact_and_its_fingerprint(services, admin, lukasz, interaction, clock):
    record = services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("Łukasz bill.pdf",
                                                                                            files.pdf()))
    assert (record.resident_id, record.interaction_id, record.submission_id) == (lukasz, interaction, None)
    assert (record.filename, record.media_type, record.type_label, record.size) == (
        "Łukasz bill.pdf", "application/pdf", "PDF document", len(files.pdf()))
    assert record.sha256 == hashlib.sha256(files.pdf()).hexdigest()
    assert (record.added_at, record.added_by, record.removed_at, record.version) == (clock.now(), "admin", None, 1)
    assert services.attachments.for_interaction(admin, interaction) == (record,)
    with services.db.unit_of_work() as session:
        assert session.get(AttachmentContent, record.id).data == files.pdf()
    [added] = [a for a in audit_actions(services, "attachment") if a[0] == "attachment.added"]
    assert added == ("attachment.added", str(record.id),
                     f"Łukasz bill.pdf (application/pdf, {record.size} bytes, sha256 {record.sha256}) on interaction "
                     f"{interaction}")


def test_files_of_every_kind_and_name_round_trip(services, admin, interaction, tmp_path):
    added = [services.attachments.attach_to_interaction(admin, interaction, AttachmentInput(f"{g} {f} {name}", data))
             for (g, f), (name, data, _, _) in zip(NAMES * 2, KINDS)]
    listed = services.attachments.for_interaction(admin, interaction)
    assert listed == tuple(added)
    for record, (name, data, media_type, _) in zip(listed, KINDS):
        assert record.media_type == media_type
        copy = services.attachments.open_copy(admin, record.id, tmp_path)
        assert copy.read_bytes() == data and copy.name == record.filename


def test_a_larger_file_is_stored_whole(services, admin, interaction, tmp_path):
    photo = files.jpeg()
    big = photo[:-2] + os.urandom(3 * MB).replace(b"\xff", b"\xfe") + b"\xff\xd9"  # "compressed data", 3 MB
    record = services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("big.jpg", big))
    assert services.attachments.open_copy(admin, record.id, tmp_path).read_bytes() == big


def test_the_limit_is_set_by_an_administrator(services, admin, interaction, tmp_path):
    assert services.attachments.limit_mb() == 20
    services.attachments.set_limit_mb(admin, 1)
    assert services.attachments.limit_mb() == 1
    over = tmp_path / "scan.pdf"
    over.write_bytes(files.pdf(size=MB + 1))
    with pytest.raises(ValidationError, match=r"just over 1 MB \(1,048,577 bytes\); the limit an administrator set "
                                              r"is 1 MB"):
        services.attachments.read_file(over)
    with pytest.raises(ValidationError, match="the limit an administrator set is 1 MB"):
        services.attachments.check(AttachmentInput("scan.pdf", over.read_bytes()))
    with pytest.raises(ValidationError, match="the limit an administrator set is 1 MB"):
        services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("scan.pdf", over.read_bytes()))
    assert ("setting.changed", "attachment_limit_mb", "attachment limit 20 -> 1 MB") in audit_actions(services)
    services.attachments.set_limit_mb(admin, 100)
    assert services.attachments.read_file(over).data == over.read_bytes()


@pytest.mark.parametrize("value", [0, 101, -5, "5", 2.5, True, None])
def test_the_limit_is_a_whole_number_from_1_to_100(services, admin, value):
    with pytest.raises(ValidationError, match="from 1 to 100") as caught:
        services.attachments.set_limit_mb(admin, value)
    assert caught.value.field == "attachment_limit_mb"
    assert services.attachments.limit_mb() == 20


def test_a_broken_stored_limit_falls_back_to_the_default(services, admin):
    for stored in ("lots", "0", "5000"):
        services.settings.write(admin, "attachment_limit_mb", stored, "test")
        assert services.attachments.limit_mb() == 20


def test_only_administrators_set_the_limit(services, admin):
    desk = make_actor(services, admin, "dana", Role.DESK)
    with pytest.raises(PermissionDenied, match="may not manage settings"):
        services.attachments.set_limit_mb(desk, 50)
    assert services.attachments.limit_mb() == 20


def test_a_file_is_checked_again_when_stored_against_the_limit_set_now(services, admin, lukasz, interaction):
    checked = services.attachments.check(AttachmentInput("scan.pdf", files.pdf(size=2 * MB)))
    services.attachments.set_limit_mb(admin, 1)
    with pytest.raises(ValidationError, match="the limit an administrator set is 1 MB"):
        with services.db.unit_of_work() as session:
            store_attachments(session, services.clock, admin, [checked], resident_id=lukasz,
                              interaction_id=interaction)
    assert services.attachments.for_interaction(admin, interaction) == ()


def test_opening_writes_a_copy_and_is_audited(services, admin, interaction, tmp_path):
    record = services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("محمد.heic", files.heic()))
    first = services.attachments.open_copy(admin, record.id, tmp_path / "open")
    again = services.attachments.open_copy(admin, record.id, tmp_path / "open")
    assert (first.name, again.name) == ("محمد.heic", "محمد (2).heic")
    assert first.read_bytes() == again.read_bytes() == files.heic()
    opened = [a for a in audit_actions(services, "attachment") if a[0] == "attachment.opened"]
    assert opened == [("attachment.opened", str(record.id), "محمد.heic opened (a copy written on this computer)")] * 2


def test_a_copy_changed_in_the_database_is_never_used(services, admin, lukasz, interaction, tmp_path):
    record = services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("bill.pdf", files.pdf()))
    with services.db.unit_of_work() as session:
        session.execute(update(AttachmentContent).values(data=files.pdf().replace(b"Council", b"Counci1")))
    with pytest.raises(AttachmentDamaged) as caught:
        services.attachments.open_copy(admin, record.id, tmp_path / "open")
    assert isinstance(caught.value, EnvironmentFault)
    assert "‘bill.pdf’ (attachment" in caught.value.message and "no longer matches" in caught.value.message
    assert "restore the database from a backup" in caught.value.advice
    assert not (tmp_path / "open").exists()  # nothing written, nothing audited as opened
    assert "attachment.opened" not in [a[0] for a in audit_actions(services)]


def test_a_request_carries_its_files_checked_on_the_way_out(services, admin, lukasz, interaction):
    request = add_submission(services, admin, lukasz, interaction)
    items = [AttachmentInput("proof.pdf", files.pdf()), AttachmentInput("Ștefan.png", files.png())]
    with services.db.unit_of_work() as session:
        ids = store_attachments(session, services.clock, admin, items, resident_id=lukasz,
                                interaction_id=interaction, submission_id=request)
    assert [r.id for r in services.attachments.for_submission(admin, request)] == ids
    assert [r.id for r in services.attachments.for_interaction(admin, interaction)] == ids
    with services.db.unit_of_work() as session:
        sent = submission_attachments(session, request)
        assert [(r.filename, r.media_type, data) for r, data in sent] == [
            ("proof.pdf", "application/pdf", files.pdf()), ("Ștefan.png", "image/png", files.png())]
        session.execute(update(AttachmentContent).where(AttachmentContent.attachment_id == ids[1])
                        .values(data=files.png(colour=(0, 0, 0))))
    with services.db.unit_of_work() as session:
        with pytest.raises(AttachmentDamaged, match="‘Ștefan.png’"):
            submission_attachments(session, request)
    audited = [a for a in audit_actions(services, "attachment") if a[0] == "attachment.added"]
    assert all(a[2].endswith(f"on interaction {interaction}, submission {request}") for a in audited)


def test_a_contact_or_request_carries_at_most_20_files(services, admin, lukasz, interaction):
    request = add_submission(services, admin, lukasz, interaction)
    with services.db.unit_of_work() as session:
        store_attachments(session, services.clock, admin, [AttachmentInput("p.png", files.png())] * 19,
                          resident_id=lukasz, interaction_id=interaction, submission_id=request)
    with pytest.raises(ValidationError, match=f"at most {MAX_ATTACHMENTS} files; it has 19 and 2 more"):
        with services.db.unit_of_work() as session:
            store_attachments(session, services.clock, admin, [AttachmentInput("p.png", files.png())] * 2,
                              resident_id=lukasz, interaction_id=interaction, submission_id=request)
    services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("last.png", files.png()))
    assert len(services.attachments.for_interaction(admin, interaction)) == 20


def test_removing_deletes_the_content_and_keeps_who_and_when(services, admin, interaction, clock, tmp_path):
    record = services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("wrong.png", files.png()))
    clock.advance(minutes=5)
    desk = make_actor(services, admin, "dana", Role.DESK)
    services.attachments.remove(desk, record.id, record.version)
    assert services.attachments.for_interaction(admin, interaction) == ()
    [kept] = services.attachments.for_interaction(admin, interaction, include_removed=True)
    assert (kept.removed_at, kept.version) == (clock.now(), 2)
    with services.db.unit_of_work() as session:
        assert session.get(AttachmentContent, record.id) is None
        assert session.get(Attachment, record.id).removed_by == "dana"
    assert ("attachment.removed", str(record.id),
            f"wrong.png ({record.size} bytes, sha256 {record.sha256}): its content was deleted") in \
        audit_actions(services)
    with pytest.raises(ConflictError, match="‘wrong.png’ was already removed by dana"):
        services.attachments.remove(admin, record.id, kept.version)
    with pytest.raises(NotFound, match="‘wrong.png’ was removed by dana"):
        services.attachments.open_copy(admin, record.id, tmp_path)


def test_removing_what_someone_else_changed_is_refused(services, admin, interaction):
    record = services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("a.png", files.png()))
    with services.db.unit_of_work() as session:
        session.get(Attachment, record.id).filename = "renamed.png"
    with pytest.raises(ConflictError, match="Someone else changed ‘renamed.png’"):
        services.attachments.remove(admin, record.id, record.version)
    with pytest.raises(NotFound):
        services.attachments.remove(admin, 999_999, 1)


@pytest.mark.parametrize("state, allowed", [
    (SubmissionState.QUEUED, True), (SubmissionState.NEEDS_ATTENTION, True), (SubmissionState.CANCELLED, True),
    (SubmissionState.SENDING, False), (SubmissionState.ACCEPTED, False)])
def test_a_request_s_files_stay_once_it_is_on_its_way(services, admin, lukasz, interaction, state, allowed):
    request = add_submission(services, admin, lukasz, interaction, state)
    with services.db.unit_of_work() as session:
        [attachment_id] = store_attachments(session, services.clock, admin, [AttachmentInput("proof.pdf", files.pdf())],
                                            resident_id=lukasz, interaction_id=interaction, submission_id=request)
    if allowed:
        services.attachments.remove(admin, attachment_id, 1)
        assert services.attachments.for_submission(admin, request) == ()
        with services.db.unit_of_work() as session:
            assert submission_attachments(session, request) == []
            assert session.get(Submission, request).version == 1  # the request itself was not edited
        return
    with pytest.raises(ValidationError, match="‘proof.pdf’ cannot be removed: ") as caught:
        services.attachments.remove(admin, attachment_id, 1)
    assert ("being sent" if state == SubmissionState.SENDING else "has accepted request") in caught.value.message
    assert len(services.attachments.for_submission(admin, request)) == 1


def test_unknown_contacts_and_requests(services, admin):
    with pytest.raises(NotFound):
        services.attachments.for_interaction(admin, 999_999)
    with pytest.raises(NotFound):
        services.attachments.for_submission(admin, 999_999)
    with pytest.raises(NotFound):
        services.attachments.attach_to_interaction(admin, 999_999, AttachmentInput("a.png", files.png()))


def test_a_refused_file_is_not_stored(services, admin, interaction):
    with pytest.raises(ValidationError, match="is not a kind of file"):
        services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("setup.pdf", files.EXE))
    with services.db.unit_of_work() as session:
        assert session.scalars(select(Attachment)).all() == []


def test_who_may_add_remove_and_see_files(services, admin, interaction, tmp_path, monkeypatch):
    record = services.attachments.attach_to_interaction(admin, interaction, AttachmentInput("a.png", files.png()))
    desk = make_actor(services, admin, "dana", Role.DESK)
    monkeypatch.setitem(PERMISSIONS, Role.DESK, PERMISSIONS[Role.DESK] - {Permission.LOG_CONTACTS})
    for attempt in (lambda: services.attachments.attach_to_interaction(desk, interaction,
                                                                       AttachmentInput("b.png", files.png())),
                    lambda: services.attachments.remove(desk, record.id, record.version)):
        with pytest.raises(PermissionDenied, match="may not log contacts"):
            attempt()
    with pytest.raises(PermissionDenied, match="may not log contacts"):
        with services.db.unit_of_work() as session:
            store_attachments(session, services.clock, desk, [AttachmentInput("b.png", files.png())],
                              resident_id=None, interaction_id=interaction)
    assert services.attachments.open_copy(desk, record.id, tmp_path).exists()  # seeing is still allowed
    monkeypatch.setitem(PERMISSIONS, Role.DESK, PERMISSIONS[Role.DESK] - {Permission.VIEW_RESIDENTS})
    for attempt in (lambda: services.attachments.for_interaction(desk, interaction),
                    lambda: services.attachments.open_copy(desk, record.id, tmp_path)):
        with pytest.raises(PermissionDenied, match="may not view residents"):
            attempt()
    assert len(services.attachments.for_interaction(admin, interaction)) == 1
