"""Evidence attached to a contact or a back-office request: scans, phone photos and PDFs.

A file is accepted for what its bytes are, never for its name (see file_kinds.py), up to a size
an administrator sets. It is kept in the database with its SHA-256, so every desk sharing the
database sees the same file and a copy changed or damaged there is noticed rather than sent."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import ConflictError, EnvironmentFault, NotFound, ValidationError
from ..core.models import AppSetting
from ..core.security import Actor, Permission, require
from ..core.settings import SettingsService
from .attachment_models import Attachment, AttachmentContent
from .file_kinds import ALLOWED_TEXT, clean_filename, identify, kind_named_by, type_label, write_copy
from .models import Interaction
from .submission_models import Submission
from .vocab import SubmissionState

DEFAULT_LIMIT_MB = 20
LIMIT_SETTING = "attachment_limit_mb"
MAX_LIMIT_MB = 100
MB = 1024 * 1024  # as file managers count a megabyte
MAX_ATTACHMENTS = 20  # per contact and per request: the back-office interface takes no more
FIELD = "attachments"
# Once the back office may have the request, its evidence is part of what was sent.
_SENT_STATES = (SubmissionState.SENDING.value, SubmissionState.ACCEPTED.value)


@dataclass(frozen=True)
class AttachmentInput:
    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedAttachment:
    filename: str
    media_type: str
    size: int
    sha256: str
    data: bytes

    @property
    def type_label(self) -> str:
        return type_label(self.media_type)


@dataclass(frozen=True)
class AttachmentRecord:
    id: int
    resident_id: int | None
    interaction_id: int | None
    submission_id: int | None
    filename: str
    media_type: str
    type_label: str  # "PDF document", "JPEG photo"...
    size: int
    sha256: str
    added_at: datetime
    added_by: str
    removed_at: datetime | None
    version: int


class AttachmentDamaged(EnvironmentFault):
    """A stored file no longer matches the fingerprint taken when it was added."""


# ---- checking a file ---------------------------------------------------------------------

def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < MB:
        return f"{size / 1024:.0f} KB"
    return f"{size / MB:.1f} MB"


def _limit_text(max_bytes: int) -> str:
    return f"{max_bytes // MB} MB" if max_bytes % MB == 0 else size_text(max_bytes)


def _too_big(shown: str, size: int, max_bytes: int) -> ValidationError:
    limit = _limit_text(max_bytes)
    measured = size_text(size)
    if measured == f"{max_bytes / MB:.1f} MB":  # rounding would hide why it is refused
        measured = f"just over {limit} ({size:,} bytes)"
    return ValidationError(
        f"{shown} is {measured}; the limit an administrator set is {limit}. Make it smaller (scan at a lower "
        "resolution, or as several files) or ask an administrator.", field=FIELD)


def check_attachment(item: AttachmentInput, *, max_bytes: int) -> CheckedAttachment:
    """The file as it will be kept: its cleaned name, its type from its content and its SHA-256.
    Refuses an empty file, one over `max_bytes`, one of a kind the desk does not accept, one
    that looks cut short, one damaged inside, carrying another file or claiming a picture too
    large to open (desk/file_checks.py), and one whose extension names another accepted kind
    (photo.pdf that is really a JPEG). Every refusal names the file."""
    name = clean_filename(item.filename)
    shown = f"‘{name}’" if name else "The file"
    data = bytes(item.data)
    if not data:
        raise ValidationError(f"{shown} is empty (0 bytes): choose the file again, or scan it again.",
                              field=FIELD)
    if len(data) > max_bytes:
        raise _too_big(shown, len(data), max_bytes)
    found = identify(data)
    if found.kind is None:
        like = f" (it looks like {found.looks_like})" if found.looks_like else ""
        raise ValidationError(f"{shown} is not a kind of file the desk accepts{like}. Attach {ALLOWED_TEXT}.",
                              field=FIELD)
    kind = found.kind
    if found.cut_short:
        raise ValidationError(
            f"{shown} looks cut short: it starts as a {kind.label} but its end is missing or damaged (a copy "
            "or download may not have finished). Save or scan it again and attach the new copy.", field=FIELD)
    if found.damage:
        raise ValidationError(f"{shown} cannot be accepted: {found.damage}. Save or scan it again as a "
                              f"{kind.label} and attach the new copy.", field=FIELD)
    named = kind_named_by(name)
    if named is not None and named is not kind:
        stem = name[:name.rfind(".")]
        raise ValidationError(
            f"‘{name}’ is a {kind.label}, not a {named.label}: rename it ‘{stem}{kind.extension}’ or choose the "
            "right file.", field=FIELD)
    if not name:
        name = f"attachment{kind.extension}"
    elif named is None:  # "scan" or "scan.dat": say what it is, for every program that opens it
        name = clean_filename(name + kind.extension)
    return CheckedAttachment(name, kind.media_type, len(data), hashlib.sha256(data).hexdigest(), data)


def read_attachment_file(path: str | os.PathLike[str], *, max_bytes: int) -> AttachmentInput:
    """Read a file staff chose, refusing (without reading it) a folder or a file over the limit,
    and saying why a file cannot be read (moved, not allowed, a disk error)."""
    path = Path(path)
    name = clean_filename(path.name) or str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ValidationError(f"‘{name}’ is a folder: choose the files inside it.", field=FIELD)
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError(f"‘{name}’ is not an ordinary file. Attach {ALLOWED_TEXT}.", field=FIELD)
        if info.st_size > max_bytes:
            raise _too_big(f"‘{name}’", info.st_size, max_bytes)
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)  # it may have grown since
    except FileNotFoundError:
        raise ValidationError(f"‘{name}’ is no longer there (moved or deleted?): choose it again.",
                              field=FIELD) from None
    except PermissionError:
        raise ValidationError(f"This computer account may not read ‘{name}’. Copy it somewhere you can open it, "
                              "or ask IT.", field=FIELD) from None
    except OSError as exc:
        raise ValidationError(f"‘{name}’ cannot be read ({exc.strerror or exc}). Try copying it to this computer "
                              "first.", field=FIELD) from None
    if len(data) > max_bytes:
        raise _too_big(f"‘{name}’", len(data), max_bytes)
    return AttachmentInput(path.name, data)


# ---- inside a caller's unit of work ------------------------------------------------------

def limit_mb_in(session: Session) -> int:
    row = session.get(AppSetting, LIMIT_SETTING)
    return parse_limit(row.value if row else None)


def parse_limit(value: str | None) -> int:
    try:
        mb = int(value) if value is not None else DEFAULT_LIMIT_MB
    except ValueError:
        return DEFAULT_LIMIT_MB
    return mb if 1 <= mb <= MAX_LIMIT_MB else DEFAULT_LIMIT_MB


def store_attachments(session: Session, clock: Clock, actor: Actor,
                      items: Iterable[AttachmentInput | CheckedAttachment], *, resident_id: int | None,
                      interaction_id: int | None, submission_id: int | None = None) -> list[int]:
    """Keep files with the contact (and request) being written in the caller's unit of work;
    each is checked again here, against the limit set now. Returns the new attachment ids.
    Refuses without log-contacts, anything `check_attachment` refuses, and more than 20 files
    on one contact or request."""
    require(actor, Permission.LOG_CONTACTS)
    max_bytes = limit_mb_in(session) * MB
    checked = [check_attachment(AttachmentInput(item.filename, item.data), max_bytes=max_bytes) for item in items]
    if not checked:
        return []
    for column, key, what in ((Attachment.interaction_id, interaction_id, "contact"),
                              (Attachment.submission_id, submission_id, "request")):
        if key is None:
            continue
        kept = session.scalar(select(func.count()).select_from(Attachment)
                              .where(column == key, Attachment.removed_at.is_(None))) or 0
        if kept + len(checked) > MAX_ATTACHMENTS:
            raise ValidationError(
                f"A {what} can carry at most {MAX_ATTACHMENTS} files; it has {kept} and {len(checked)} more were "
                "added. Remove some, or put several pages in one PDF.", field=FIELD)
    now = clock.now()
    ids = []
    where = ", ".join(f"{what} {key}" for what, key in (("interaction", interaction_id),
                                                       ("submission", submission_id)) if key is not None)
    for item in checked:
        row = Attachment(resident_id=resident_id, interaction_id=interaction_id, submission_id=submission_id,
                         filename=item.filename, media_type=item.media_type, size=item.size, sha256=item.sha256,
                         added_at=now, added_by=actor.username, removed_by="")
        session.add(row)
        session.flush()
        session.add(AttachmentContent(attachment_id=row.id, data=item.data))
        record_audit(session, clock, actor, "attachment.added", "attachment", row.id,
                     f"{item.filename} ({item.media_type}, {item.size} bytes, sha256 {item.sha256})"
                     + (f" on {where}" if where else ""))
        ids.append(row.id)
    session.flush()
    return ids


def attachment_record(row: Attachment) -> AttachmentRecord:
    return AttachmentRecord(row.id, row.resident_id, row.interaction_id, row.submission_id, row.filename,
                            row.media_type, type_label(row.media_type), row.size, row.sha256, row.added_at,
                            row.added_by, row.removed_at, row.version)


def _verified(row: Attachment, data: bytes | None) -> bytes:
    if data is None or len(data) != row.size or hashlib.sha256(data).hexdigest() != row.sha256:
        raise AttachmentDamaged(
            f"The stored copy of ‘{row.filename}’ (attachment {row.id}) no longer matches the fingerprint taken "
            "when it was added: it was changed or damaged in the database, so it is not used.",
            "Ask an administrator to restore the database from a backup, or remove the attachment and add the "
            "file again.")
    return data


def submission_attachments(session: Session, submission_id: int) -> list[tuple[AttachmentRecord, bytes]]:
    """The files that go with a request (not removed ones), oldest first, each checked against
    its SHA-256; a mismatch raises AttachmentDamaged (an EnvironmentFault) naming the file."""
    rows = session.execute(
        select(Attachment, AttachmentContent.data)
        .outerjoin(AttachmentContent, AttachmentContent.attachment_id == Attachment.id)
        .where(Attachment.submission_id == submission_id, Attachment.removed_at.is_(None))
        .order_by(Attachment.id)).all()
    return [(attachment_record(row), _verified(row, data)) for row, data in rows]


# ---- who else decides ----------------------------------------------------------------------

OPENING = "open"
REMOVING = "remove"
# (session, actor, attachment, OPENING or REMOVING) -> None, or raise PermissionDenied. A file
# kept as evidence on an advocacy case is as private as that case: casework registers a guard
# (casework/case_activities.py) so the desk's rules alone never open or remove it.
AttachmentGuard = Callable[[Session, Actor, Attachment, str], None]
_GUARDS: list[AttachmentGuard] = []


def register_attachment_guard(guard: AttachmentGuard) -> None:
    if guard not in _GUARDS:
        _GUARDS.append(guard)


def check_guards(session: Session, actor: Actor, row: Attachment, what: str) -> None:
    for guard in _GUARDS:
        guard(session, actor, row, what)


# ---- the service -------------------------------------------------------------------------

class AttachmentService:
    def __init__(self, db: Database, clock: Clock, settings: SettingsService) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    def limit_mb(self) -> int:
        """The largest file accepted, in MB (default 20)."""
        return parse_limit(self.settings.read(LIMIT_SETTING))

    def set_limit_mb(self, actor: Actor, mb: int) -> None:
        """Refuses without manage-settings, or a limit outside 1 to 100 MB."""
        require(actor, Permission.MANAGE_SETTINGS)
        if isinstance(mb, bool) or not isinstance(mb, int) or not 1 <= mb <= MAX_LIMIT_MB:
            raise ValidationError(f"The attachment limit must be a whole number of MB from 1 to {MAX_LIMIT_MB}.",
                                  field=LIMIT_SETTING)
        old = self.limit_mb()
        self.settings.write(actor, LIMIT_SETTING, str(mb), f"attachment limit {old} -> {mb} MB")

    def check(self, item: AttachmentInput) -> CheckedAttachment:
        """`check_attachment` against the limit set now."""
        return check_attachment(item, max_bytes=self.limit_mb() * MB)

    def read_file(self, path: str | os.PathLike[str]) -> AttachmentInput:
        """`read_attachment_file` against the limit set now."""
        return read_attachment_file(path, max_bytes=self.limit_mb() * MB)

    def for_interaction(self, actor: Actor, interaction_id: int, *,
                        include_removed: bool = False) -> tuple[AttachmentRecord, ...]:
        """The files kept with one contact, oldest first. Refuses without view-residents, or an
        unknown contact."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            if session.get(Interaction, interaction_id) is None:
                raise NotFound("That contact no longer exists.")
            return self._listed(session, Attachment.interaction_id == interaction_id, include_removed)

    def for_submission(self, actor: Actor, submission_id: int, *,
                       include_removed: bool = False) -> tuple[AttachmentRecord, ...]:
        """The files that go with one request, oldest first. Refuses without view-residents, or an
        unknown request."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            if session.get(Submission, submission_id) is None:
                raise NotFound("That request no longer exists.")
            return self._listed(session, Attachment.submission_id == submission_id, include_removed)

    @staticmethod
    def _listed(session: Session, condition, include_removed: bool) -> tuple[AttachmentRecord, ...]:
        query = select(Attachment).where(condition)
        if not include_removed:
            query = query.where(Attachment.removed_at.is_(None))
        return tuple(attachment_record(row) for row in session.scalars(query.order_by(Attachment.id)))

    def attach_to_interaction(self, actor: Actor, interaction_id: int, item: AttachmentInput) -> AttachmentRecord:
        """Add a file to a contact already logged. Refuses without log-contacts, an unknown
        contact, and whatever `check_attachment` refuses."""
        require(actor, Permission.LOG_CONTACTS)
        self.check(item)  # refuse before taking a transaction
        with self.db.unit_of_work() as session:
            interaction = session.get(Interaction, interaction_id)
            if interaction is None:
                raise NotFound("That contact no longer exists.")
            [new_id] = store_attachments(session, self.clock, actor, [item], resident_id=interaction.resident_id,
                                         interaction_id=interaction.id)
            return attachment_record(session.get(Attachment, new_id))

    def open_copy(self, actor: Actor, attachment_id: int, folder: str | os.PathLike[str]) -> Path:
        """Write a copy of the file into `folder` (to open in the system's viewer) under a safe
        name with the extension of what it really is, and return its path. Refuses without
        view-residents, an unknown or removed file, and a stored copy that fails its SHA-256."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            row = session.get(Attachment, attachment_id)
            if row is None:
                raise NotFound("That attachment no longer exists.")
            check_guards(session, actor, row, OPENING)
            if row.removed_at is not None:
                raise NotFound(f"‘{row.filename}’ was removed by {row.removed_by}: there is nothing to open.")
            content = session.get(AttachmentContent, row.id)
            data = _verified(row, content.data if content else None)
            path = write_copy(Path(folder), row.filename, row.media_type, data)
            record_audit(session, self.clock, actor, "attachment.opened", "attachment", row.id,
                         f"{row.filename} opened (a copy written on this computer)")
        return path

    def remove(self, actor: Actor, attachment_id: int, version: int) -> None:
        """Remove a file: its bytes are deleted, its row says who removed it and when. Refuses
        without log-contacts, an unknown or already removed file, a version that is not the one
        saved now (someone else changed it), and a file whose request is being sent or has
        been accepted by the back office."""
        require(actor, Permission.LOG_CONTACTS)
        try:
            with self.db.unit_of_work() as session:
                row = session.get(Attachment, attachment_id)
                if row is None:
                    raise NotFound("That attachment no longer exists.")
                check_guards(session, actor, row, REMOVING)
                if row.removed_at is not None:
                    raise ConflictError(f"‘{row.filename}’ was already removed by {row.removed_by}.")
                if row.version != version:
                    raise ConflictError(f"Someone else changed ‘{row.filename}’ since it was shown; nothing was "
                                        "removed. Look again and retry.")
                if row.submission_id is not None:
                    self._hold_unsent(session, row)
                row.removed_at, row.removed_by = self.clock.now(), actor.username
                session.flush()
                session.execute(delete(AttachmentContent).where(AttachmentContent.attachment_id == row.id))
                record_audit(session, self.clock, actor, "attachment.removed", "attachment", row.id,
                             f"{row.filename} ({row.size} bytes, sha256 {row.sha256}): its content was deleted")
        except StaleDataError:
            raise ConflictError("Someone else changed that attachment at the same moment; nothing was removed. "
                                "Look again and retry.") from None

    @staticmethod
    def _hold_unsent(session: Session, row: Attachment) -> None:
        """Write-lock the request while it is not being sent, so a sender cannot pick it up with
        this file half removed; refuse when it is already on its way or accepted."""
        # A request tried once without an answer may already be in the back office as it was:
        # its retries must carry the same body, files included.
        unchanged_body = or_(Submission.state != SubmissionState.QUEUED.value, Submission.may_have_arrived.is_(False))
        held = session.execute(
            update(Submission).where(Submission.id == row.submission_id, Submission.state.not_in(_SENT_STATES),
                                     unchanged_body)
            .values(state=Submission.state).execution_options(synchronize_session=False))
        if held.rowcount == 1:
            return
        request = session.get(Submission, row.submission_id)
        if request is None:
            return
        if request.state == SubmissionState.SENDING.value:
            why = f"request {request.reference} is being sent to the back office right now"
        elif request.state == SubmissionState.QUEUED.value:
            why = (f"an earlier try may have reached the back office with request {request.reference} as it is, so "
                   "the desk keeps sending it unchanged until the back office answers; if it is refused, you can "
                   "fix it then")
        else:
            why = f"the back office has accepted request {request.reference} with it"
        raise ValidationError(f"‘{row.filename}’ cannot be removed: {why}.", field=FIELD)

