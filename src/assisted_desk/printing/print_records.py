"""The print log: every guide, plan or slip printed or saved as PDF at the desk is recorded (what,
for whom, format, language, how), shows on the resident's timeline, and is counted for reporting
("guides handed out").

A print for a resident is personal data (it says what help they needed), so it is audited; a
guide handed to someone not registered records no one and is not audited."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..core.audit import record_audit
from ..core.clock import Clock, as_utc
from ..core.db import Database
from ..core.errors import ValidationError
from ..core.models import Site, Staff
from ..core.security import Actor, Permission, require
from ..core.validation import clean_text
from ..desk.representatives import open_resident
from ..desk.timeline import TimelineContext, TimelineItem, register_timeline_source
from ..inclusion.needs_text import LANGUAGES
from .layout import PrintFormat
from .print_models import PrintRecord

PRINTED = "print"  # timeline item kind
OPEN_PRINT = "print"  # what a timeline line opens

MAX_TITLE = 300
MAX_SLUG = 120
MAX_PRINTER = 200

FORMAT_WORDS = {PrintFormat.STANDARD: "standard", PrintFormat.LARGE_PRINT: "large print",
                PrintFormat.EASY_READ: "easy read"}


class PrintKind(str, enum.Enum):
    GUIDE = "guide"
    PLAN = "plan"
    SLIP = "slip"
    CASE = "case"  # an advocacy case summary

    @property
    def label(self) -> str:
        return {PrintKind.GUIDE: "Guide", PrintKind.PLAN: "Personal plan", PrintKind.SLIP: "Referral slip",
                PrintKind.CASE: "Case summary"}[self]


class PrintMethod(str, enum.Enum):
    PRINTED = "printed"
    PDF = "pdf"  # saved as PDF (or the print dialog's "print to file")


def language_words(code: str) -> str:
    """"Polish" for "pl"; the code itself for a language the desk has no name for."""
    names = LANGUAGES.get(code)
    return names[0] if names else code


@dataclass(frozen=True)
class PrintEntry:
    id: int
    kind: PrintKind
    guide_slug: str
    title: str
    resident_id: int | None
    format: PrintFormat
    language: str
    method: PrintMethod
    printer_name: str
    site_id: int | None
    site_name: str
    staff_id: int | None
    staff_name: str
    printed_at: datetime

    @property
    def how(self) -> str:
        """"(large print, Polish)": the format, and the language when not English."""
        parts = [FORMAT_WORDS[self.format]]
        if self.language != "en":
            parts.append(language_words(self.language))
        return f"({', '.join(parts)})"


@dataclass(frozen=True)
class GuideCount:
    """How many times one guide was handed out (printed or saved) over a period."""

    guide_slug: str
    title: str  # the title last printed for it
    prints: int
    for_residents: int  # of which for a registered resident


def _entry(row: PrintRecord, staff: dict[int, str], sites: dict[int, str]) -> PrintEntry:
    return PrintEntry(row.id, PrintKind(row.kind), row.guide_slug, row.title, row.resident_id,
                      PrintFormat(row.format), row.language, PrintMethod(row.method), row.printer_name,
                      row.site_id, sites.get(row.site_id, ""), row.staff_id, staff.get(row.staff_id, row.printed_by),
                      row.printed_at)


def _names(session, rows: Iterable[PrintRecord]) -> tuple[dict[int, str], dict[int, str]]:
    rows = list(rows)
    staff_ids = {r.staff_id for r in rows if r.staff_id is not None}
    site_ids = {r.site_id for r in rows if r.site_id is not None}
    staff = dict(session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(staff_ids))).all()) \
        if staff_ids else {}
    sites = dict(session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all()) if site_ids else {}
    return staff, sites


class PrintLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record_print(self, actor: Actor, *, kind: PrintKind | str, title: str, fmt: PrintFormat | str,
                     language: str, method: PrintMethod | str, guide_slug: str = "",
                     resident_id: int | None = None, printer_name: str = "") -> PrintEntry:
        """Record one document printed or saved as PDF, now, at the actor's site. Audited when it
        is for a resident. Refuses without print-guides; an unknown kind, format or method; a
        guide without its slug; an empty or over-long title; a language that is not a two-letter
        ISO 639-1 code; a printer name when saved as PDF; an unknown or merged-away resident."""
        require(actor, Permission.PRINT_GUIDES)
        kind = _choice(PrintKind, kind, "kind", "What was printed")
        method = _choice(PrintMethod, method, "method", "How it was printed")
        if isinstance(fmt, str):
            try:
                fmt = PrintFormat.from_name(fmt)
            except ValueError as exc:
                raise ValidationError(str(exc), field="format") from None
        title = clean_text(title, field="title", label="Title", max_length=MAX_TITLE, required=True)
        slug = clean_text(guide_slug, field="guide_slug", label="Guide", max_length=MAX_SLUG,
                          required=kind == PrintKind.GUIDE)
        code = (language or "").strip().lower()
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise ValidationError(f"Language '{language}' is not a two-letter language code such as 'en' or 'pl'.",
                                  field="language")
        printer = clean_text(printer_name, field="printer_name", label="Printer", max_length=MAX_PRINTER,
                             required=False)
        if method == PrintMethod.PDF and printer:
            raise ValidationError("A guide saved as PDF has no printer: leave the printer empty.",
                                  field="printer_name")
        with self.db.unit_of_work() as session:
            if resident_id is not None:
                open_resident(session, resident_id)
            row = PrintRecord(kind=kind.value, guide_slug=slug, title=title, resident_id=resident_id,
                              format=fmt.value, language=code, method=method.value, printer_name=printer,
                              site_id=actor.site_id, staff_id=actor.staff_id, printed_by=actor.username[:120],
                              printed_at=self.clock.now())
            session.add(row)
            session.flush()
            if resident_id is not None:
                record_audit(session, self.clock, actor, "print.record", "resident", resident_id,
                             f"{kind.label} {'printed' if method == PrintMethod.PRINTED else 'saved as PDF'}: "
                             f"{title} ({fmt.value}, {code})")
            staff, sites = _names(session, [row])
            return _entry(row, staff, sites)

    def for_resident(self, actor: Actor, resident_id: int) -> tuple[PrintEntry, ...]:
        """Everything printed for the resident, newest first. Refuses without view-residents, or an
        unknown or merged-away resident."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            open_resident(session, resident_id)
            rows = session.scalars(select(PrintRecord).where(PrintRecord.resident_id == resident_id)
                                   .order_by(PrintRecord.printed_at.desc(), PrintRecord.id.desc())).all()
            staff, sites = _names(session, rows)
            return tuple(_entry(row, staff, sites) for row in rows)

    def guides_handed_out(self, actor: Actor, *, since: datetime, until: datetime,
                          site_id: int | None = None) -> tuple[GuideCount, ...]:
        """How many times each guide was printed or saved from `since` up to (not including)
        `until`, at one site or all; most handed out first. Refuses without view-reports, times
        without a time zone, or `until` not after `since`."""
        require(actor, Permission.VIEW_REPORTS)
        if since.tzinfo is None or until.tzinfo is None:
            raise ValidationError("Give the period's start and end with a time zone.", field="since")
        if as_utc(until) <= as_utc(since):
            raise ValidationError("The end of the period must be after its start.", field="until")
        conditions = [PrintRecord.kind == PrintKind.GUIDE.value, PrintRecord.printed_at >= as_utc(since),
                      PrintRecord.printed_at < as_utc(until)]
        if site_id is not None:
            conditions.append(PrintRecord.site_id == site_id)
        with self.db.unit_of_work() as session:
            counts = session.execute(
                select(PrintRecord.guide_slug, func.count(PrintRecord.id), func.count(PrintRecord.resident_id),
                       func.max(PrintRecord.id))
                .where(*conditions).group_by(PrintRecord.guide_slug)).all()
            titles = dict(session.execute(select(PrintRecord.id, PrintRecord.title)
                                          .where(PrintRecord.id.in_([c[3] for c in counts]))).all()) if counts else {}
        result = [GuideCount(slug, titles[last], total, for_residents) for slug, total, for_residents, last in counts]
        return tuple(sorted(result, key=lambda c: (-c.prints, c.title.casefold(), c.guide_slug)))


def _choice(enum_type, value, field: str, label: str):
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        raise ValidationError(f"{label}: '{value}' is not known. Choose one of: {allowed}.", field=field) from None


# ---- on the resident's timeline ----------------------------------------------------------------

def _prints(context: TimelineContext) -> Iterable[TimelineItem]:
    session = context.session
    rows = session.scalars(select(PrintRecord).where(PrintRecord.resident_id == context.resident_id)).all()
    if not rows:
        return
    staff, sites = _names(session, rows)
    for row in rows:
        entry = _entry(row, staff, sites)
        printed = entry.method == PrintMethod.PRINTED
        detail = " · ".join(part for part in (f"on {entry.printer_name}" if entry.printer_name else "",
                                              f"by {entry.staff_name}",
                                              f"at {entry.site_name}" if entry.site_name else "") if part)
        yield TimelineItem(PRINTED, row.printed_at,
                           f"{entry.kind.label} {'printed' if printed else 'saved as PDF'}: {entry.title} {entry.how}",
                           detail, "", OPEN_PRINT, row.id)


register_timeline_source("prints", _prints)

__all__ = ["GuideCount", "OPEN_PRINT", "PRINTED", "PrintEntry", "PrintKind", "PrintLog", "PrintMethod"]
