"""The personal header printed above a guide handed to a resident: who it is for, when and by whom
it was printed, the references of what was done for them today (so they can quote one on the
phone), and what happens next.

`header_for` gathers it through the services, as the staff member printing it may see it: desk
staff may not read referrals, so theirs simply leave referrals out. `header_story` turns it into
flowables for any printed document (guide_pdf puts it above the guide's title)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.platypus import Flowable, HRFlowable, Spacer, Table, TableStyle

from ..core.clock import LONDON, as_utc
from ..core.security import Actor, Permission, require
from ..core.validation import clean_text
from ..desk.representatives import long_date
from ..desk.submissions import SubmissionFilter
from ..desk.timeline import INTERACTION
from ..desk.vocab import HelpType
from ..inclusion.referral_vocab import ReferralStatus
from .fonts import Script, font_for
from .layout import PageStyle, PrintFormat, TextBlock, page_style
from .text import break_lines

MAX_NEXT_STEPS = 1000  # what happens next, in a few sentences
MAX_REFERENCES = 12  # a header is a header: more than this and the rest are counted, not listed

# How the help given reads to the resident (the desk's own labels are written for staff).
_HELPED = {HelpType.INFORMATION: "we gave you information", HelpType.ASSISTED_SELF_SERVICE: "you did it with our help",
           HelpType.ON_BEHALF: "we did it for you"}


@dataclass(frozen=True)
class DoneItem:
    """One thing done for the resident: the reference they can quote, and a few words."""

    kind: str  # "interaction", "submission" or "referral"
    reference: str
    words: str
    when: datetime


@dataclass(frozen=True)
class PersonalHeader:
    resident_name: str
    printed_on: date  # the day in London
    staff_first_name: str
    site_name: str
    done: tuple[DoneItem, ...] = ()  # newest first
    not_listed: int = 0  # how many more were done than the header lists
    next_steps: str = ""  # what happens next, in the staff member's words; "" for nothing

    @property
    def printed_line(self) -> str:
        """"Printed on 23 November 2026 by Amara at Central Library"."""
        by = f" by {self.staff_first_name}" if self.staff_first_name else ""
        at = f" at {self.site_name}" if self.site_name else ""
        return f"Printed on {long_date(self.printed_on)}{by}{at}"


def first_name(display_name: str) -> str:
    return ((display_name or "").split() or [""])[0]


def london_day(moment: datetime) -> date:
    return as_utc(moment).astimezone(LONDON).date()


def header_for(services, actor: Actor, resident_id: int, *, today_only: bool = True,
               next_steps: str = "") -> PersonalHeader:
    """The header for a guide printed for a resident now: their name, today's date in London, the
    actor's first name and site, and the references of the contacts, requests and referrals made
    for them today (or ever, with today_only=False; at most MAX_REFERENCES listed, newest first).
    Referrals are left out for staff who may not read them. Refuses without print-guides or
    view-residents, an unknown or merged-away resident, and next steps over 1,000 characters."""
    require(actor, Permission.PRINT_GUIDES)
    steps = clean_text(next_steps, field="next_steps", label="What happens next", max_length=MAX_NEXT_STEPS,
                       required=False)
    resident = services.residents.get(actor, resident_id)
    today = london_day(services.clock.now())

    def wanted(moment: datetime | None) -> bool:
        return moment is not None and (not today_only or london_day(moment) == today)

    done: list[DoneItem] = []
    for item in services.timeline.for_resident(actor, resident_id):
        if item.kind == INTERACTION and wanted(item.when):
            contact = services.interactions.get(actor, item.open_id)
            done.append(DoneItem("interaction", contact.reference,
                                 f"{contact.service_name}: {_HELPED[contact.help_type]}", contact.occurred_at))
    for request in services.submissions.browse(actor, SubmissionFilter(resident_id=resident_id)):
        if wanted(request.created_at):
            done.append(DoneItem("submission", request.reference,
                                 f"{request.request_name}: {request.state_text.lower()}", request.created_at))
    if actor.may(Permission.REFER_TO_PARTNERS):
        for referral in services.referrals.for_resident(actor, resident_id):
            when = referral.sent_at or referral.created_at
            if referral.status in (ReferralStatus.DRAFT, ReferralStatus.WITHDRAWN) or not wanted(when):
                continue
            done.append(DoneItem("referral", referral.reference,
                                 f"Referral to {referral.service_name} ({referral.organisation_name})", when))
    done.sort(key=lambda d: as_utc(d.when), reverse=True)
    return PersonalHeader(resident.name, today, first_name(actor.display_name), actor.site_name,
                          tuple(done[:MAX_REFERENCES]), max(0, len(done) - MAX_REFERENCES), steps)


# ---- on paper ------------------------------------------------------------------------------------


def plain_table(bottom: float) -> TableStyle:
    """A borderless table style in an embedded font (a Table otherwise selects Helvetica)."""
    return TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), font_for(Script.LATIN)),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
    ])


def label_column_width(labels: list[str], style: PageStyle, width: float, *, bold: bool = True) -> float:
    """Wide enough for the widest label on one line, but never more than 40% of the width."""
    widest = max((sum(line.width for line in break_lines(text, style.body_size, 10_000, bold=bold)[0])
                  for text in labels), default=0.0)
    return min(widest + style.body_size, width * 0.4)


def reference_rows(rows: list[tuple[str, str]], style: PageStyle, width: float) -> list[Flowable]:
    """(reference, words) pairs as a two-column table, one row per pair so a page may break
    between them; the reference in bold, the words wrapping beside it."""
    if not rows:
        return []
    ref_w = label_column_width([r for r, _ in rows], style, width)
    table = Table([[TextBlock(ref, style.body_size, style.body_leading, bold=True),
                    TextBlock(words, style.body_size, style.body_leading)] for ref, words in rows],
                  colWidths=[ref_w, width - ref_w], hAlign="LEFT", splitInRow=1)
    table.setStyle(plain_table(bottom=style.space_after / 2))
    return [table]


def header_story(header: PersonalHeader, fmt: PrintFormat) -> list[Flowable]:
    """The header's flowables: between two heavy rules, "Printed for" and the name in large type,
    who printed it where and when, what was done today with its references, and what happens
    next. Black on white; every line wraps to the page."""
    style = page_style(fmt)
    width = style.content_width
    body, leading = style.body_size, style.body_leading
    rule = dict(width="100%", thickness=style.rule_width * 2, color=colors.black)
    story: list[Flowable] = [
        HRFlowable(**rule, spaceAfter=style.space_after),
        TextBlock("Printed for", body, leading),
        TextBlock(header.resident_name, style.heading_size * 1.2, style.heading_size * 1.5, bold=True),
        TextBlock(header.printed_line, body, leading, space_after=style.space_after),
    ]
    if header.done:
        story.append(TextBlock("What we did today — quote the reference if you call us" if
                               all(london_day(d.when) == header.printed_on for d in header.done) else
                               "What we have done — quote the reference if you call us",
                               body, leading, bold=True, space_after=style.space_after / 2))
        rows = [(d.reference, d.words) for d in header.done]
        if header.not_listed:
            rows.append(("", f"and {header.not_listed} more on your record at the desk"))
        story += reference_rows(rows, style, width)
    if header.next_steps:
        story += [Spacer(1, style.space_after / 2),
                  TextBlock("What happens next", body, leading, bold=True),
                  TextBlock(header.next_steps, body, leading)]
    story += [Spacer(1, style.space_after), HRFlowable(**rule, spaceAfter=style.section_gap)]
    return story


__all__ = ["DoneItem", "MAX_NEXT_STEPS", "MAX_REFERENCES", "PersonalHeader", "first_name", "header_for",
           "header_story", "label_column_width", "london_day", "plain_table", "reference_rows"]
