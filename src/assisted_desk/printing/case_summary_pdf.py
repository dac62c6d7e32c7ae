"""A printed summary of an advocacy case, for the resident to keep or for a meeting about it.

It prints from a CaseRecord that CaseService.for_print has already stripped of internal notes and
the reason a case is restricted. This module guards a second time, because a summary handed over
the desk cannot be called back: internal activities are skipped, the restricted reason is never
read, and the lines a case's own actions write (status changes, handovers, escalations, team and
restriction changes) print as a few fixed words, never the note typed with them, which was
written for colleagues.

The resident's copy speaks to them ("Your advocate", "We aim to resolve this by ..."); the
meeting copy names the resident and adds what a meeting needs: priority, escalation, the team,
the steps the case type expects, and ruled space for notes."""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.platypus import Flowable, HRFlowable, KeepTogether, Spacer, Table

from ..casework.records import ActivityRecord, CaseRecord
from ..casework.vocab import ActivityKind
from ..desk.representatives import long_date
from .fonts import register_fonts
from .guide_pdf import RenderResult, _heading, _items, _write_whole, build_document
from .layout import FRAME_PADDING, PageStyle, PrintFormat, TextBlock, new_document, page_style
from .personal import label_column_width, london_day, plain_table
from .text import break_lines, draw_line

MEETING_NOTE_LINES = 8

# What each kind of timeline line is called on paper.
_KIND_WORDS = {
    ActivityKind.CALL: "Phone call", ActivityKind.LETTER: "Letter", ActivityKind.EMAIL: "Email",
    ActivityKind.MEETING: "Meeting", ActivityKind.NOTE: "Note", ActivityKind.TASK: "Task",
    ActivityKind.INTERACTION: "Visit to the desk", ActivityKind.SUBMISSION: "Request to the council",
    ActivityKind.ATTACHMENT: "Evidence added", ActivityKind.OPENED: "Case opened",
    ActivityKind.STATUS: "Progress", ActivityKind.HANDOVER: "New advocate", ActivityKind.REASSIGNED: "New advocate",
    ActivityKind.ESCALATED: "Escalated", ActivityKind.TEAM: "Team", ActivityKind.RESTRICTION: "Privacy",
    ActivityKind.CLOSED: "Case closed", ActivityKind.REOPENED: "Case reopened",
}
# Kinds whose own text is printed: what staff wrote for (or about contact with) the resident.
_TEXT_PRINTED = frozenset({ActivityKind.CALL, ActivityKind.LETTER, ActivityKind.EMAIL, ActivityKind.MEETING,
                           ActivityKind.NOTE, ActivityKind.TASK, ActivityKind.INTERACTION, ActivityKind.SUBMISSION,
                           ActivityKind.ATTACHMENT, ActivityKind.REOPENED})


def day_words(day: date | datetime) -> str:
    """"Friday 18 December 2026" (a moment is read as its day in London)."""
    if isinstance(day, datetime):
        day = london_day(day)
    return f"{day:%A} {long_date(day)}"


def printable_activities(case: CaseRecord) -> tuple[ActivityRecord, ...]:
    """The timeline lines that may go on paper: never an internal one, whatever the caller sent."""
    return tuple(a for a in case.activities if not a.internal)


def activity_words(case: CaseRecord, activity: ActivityRecord) -> tuple[str, str]:
    """(what happened, the text to print under it) for one timeline line. Lines the case's own
    actions write say what happened in a few words and leave out the note typed with them."""
    kind, text = activity.kind, activity.text
    what = _KIND_WORDS.get(kind, kind.label)
    if kind in (ActivityKind.HANDOVER, ActivityKind.REASSIGNED):
        return (f"Passed to {activity.other_staff_name}" if activity.other_staff_name else "Passed to a new advocate"), ""
    if kind is ActivityKind.STATUS:
        return f"Now: {activity.to_status_label}" if activity.to_status_label else what, ""
    if kind is ActivityKind.ESCALATED:
        level = activity.to_status_label
        return (f"Escalated to {level[0].lower()}{level[1:]}" if level else "Escalated"), ""
    if kind is ActivityKind.TEAM:
        who = activity.other_staff_name or "A colleague"
        return (f"{who} left the team" if text.startswith("Taken off") else f"{who} joined the team"), ""
    if kind is ActivityKind.RESTRICTION:
        return "Who may open this case was changed", ""
    if kind is ActivityKind.OPENED or kind is ActivityKind.CLOSED:
        return what, ""
    if kind is ActivityKind.TASK:
        if activity.done_at is not None:
            what = f"Task finished on {long_date(activity.done_at)}"
        elif activity.due_on is not None:
            what = f"Task set, due {long_date(activity.due_on)}"
    if kind is ActivityKind.ATTACHMENT and activity.attachment_name and activity.attachment_name not in text:
        text = f"{text} ({activity.attachment_name})"
    return what, text if kind in _TEXT_PRINTED else ""


class _StartBlock(TextBlock):
    """A name or value beside its label: a single line starts at the left edge whatever its
    direction, so محمد الحسن sits by "Resident" instead of across the page from it."""

    def draw(self):
        lines, rtl = self._broken[0], self._broken[1]
        drop = (self.leading - self.size) / 2 + self.size * 0.8  # as TextBlock.draw
        for index, line in enumerate(lines):
            x = self.width - line.width if rtl and len(lines) > 1 else 0.0
            draw_line(self.canv, line, x, self.height - index * self.leading - drop, self.size)


def _fact_rows(rows: list[tuple[str, str]], style: PageStyle, width: float) -> list[Flowable]:
    """Label and value pairs as a two-column table, one row per pair so a page may break between them."""
    label_w = label_column_width([label for label, _ in rows], style, width)
    table = Table([[TextBlock(label, style.body_size, style.body_leading, bold=True),
                    _StartBlock(value, style.body_size, style.body_leading)] for label, value in rows],
                  colWidths=[label_w, width - label_w], hAlign="LEFT", splitInRow=1)
    table.setStyle(plain_table(bottom=style.space_after / 2))
    return [table]


def _text(text: str, style: PageStyle, *, bold: bool = False, after: float = 0.0) -> TextBlock:
    return TextBlock(text, style.body_size, style.body_leading, bold=bold, space_after=after)


def _paragraphs(text: str, style: PageStyle, *, after: float) -> list[Flowable]:
    """Text typed with line breaks as separate paragraphs (a TextBlock makes one line of them)."""
    parts = [p for p in (line.strip() for line in text.splitlines()) if p]
    blocks = [_text(part, style) for part in parts]
    if blocks:
        blocks[-1].spaceAfter = after
    return blocks


def _sla_words(case: CaseRecord, for_meeting: bool) -> list[str]:
    sla = case.sla
    if not case.is_open:
        return []
    due = day_words(sla.resolution_due_on)
    out = []
    if sla.first_response_at is None:
        first = day_words(sla.first_response_due_on)
        if for_meeting:
            out.append(f"First contact was due by {first} and is overdue." if sla.first_response_overdue
                       else f"First contact is due by {first}.")
        elif not sla.first_response_overdue:
            out.append(f"We aim to contact you by {first}.")
    elif for_meeting:
        late = "" if sla.first_response_on_time is not False else " (later than the target)"
        out.append(f"First contact made on {day_words(sla.first_response_at)}{late}.")
    if sla.resolution_overdue:
        days = -sla.working_days_left
        out.append(f"Resolution was due by {due}: {days} working day{'s' if days != 1 else ''} overdue."
                   if for_meeting else
                   f"We aimed to resolve this by {due}. It is taking longer than we hoped; "
                   "your advocate will keep you up to date.")
    else:
        out.append(f"We aim to resolve this by {due}.")
    return out


def _facts(case: CaseRecord, for_meeting: bool) -> list[tuple[str, str]]:
    rows = [("Case reference", case.reference)]
    if for_meeting:
        rows.append(("Resident", case.resident_name))
    rows += [("About", case.case_type_name), ("Opened", day_words(case.opened_at))]
    if case.is_open:
        rows.append(("Where it is now", case.status_label))
    else:
        outcome = case.outcome.label if case.outcome else "Closed"
        rows.append(("Outcome", f"{outcome}, closed on {day_words(case.closed_at)}" if case.closed_at else outcome))
        if case.outcome_reason:
            rows.append(("Why", case.outcome_reason))
    rows.append(("Advocate" if for_meeting else "Your advocate", case.owner_name))
    if case.representative_name:
        rows.append(("Representative" if for_meeting else "Speaking for you", case.representative_name))
    if for_meeting:
        rows.append(("Priority", case.priority.label))
        if case.escalation_level:
            rows.append(("Escalated to", case.escalation_label))
        if case.team:
            rows.append(("Team", ", ".join(f"{m.name} ({m.role_label})" for m in case.team)))
        if case.reopen_count:
            rows.append(("Reopened", f"{case.reopen_count} time{'s' if case.reopen_count != 1 else ''}"))
    return rows


def _task_words(case: CaseRecord, task: ActivityRecord, for_meeting: bool) -> str:
    """"Siobhán O'Connor (your advocate) will do this by Friday 4 December 2026"."""
    who = task.assignee_name or case.owner_name or "Your advocate"
    if not for_meeting and (task.assignee_id is None or task.assignee_id == case.owner_id) and case.owner_name:
        who = f"{who} (your advocate)"
    return f"{who} will do this by {day_words(task.due_on)}." if task.due_on else f"{who} will do this."


def case_summary_story(case: CaseRecord, fmt: PrintFormat, *, for_meeting: bool = False,
                       printed_on: date | None = None) -> list[Flowable]:
    style = page_style(fmt)
    width = style.content_width
    title = "Case summary for a meeting" if for_meeting else "Your case summary"
    story: list[Flowable] = [
        _text("Private and confidential", style, bold=True),
        TextBlock(title, style.title_size, style.title_size * 1.2, bold=True, space_after=style.space_after / 2),
    ]
    if not for_meeting:
        story += [_text("Printed for", style),
                  _StartBlock(case.resident_name, style.heading_size * 1.2, style.heading_size * 1.5, bold=True)]
    if printed_on is not None:
        story.append(_text(f"Printed on {long_date(printed_on)}.", style))
    story += [Spacer(1, style.space_after),
              HRFlowable(width="100%", thickness=style.rule_width * 2, color=colors.black, spaceAfter=style.space_after)]
    story += _fact_rows(_facts(case, for_meeting), style, width) + [Spacer(1, style.space_after / 2)]
    story += [_text(line, style, bold=True, after=style.space_after / 2) for line in _sla_words(case, for_meeting)]

    if case.summary.strip():
        story += _heading("What the case is about", style, width)
        story += _paragraphs(case.summary, style, after=style.space_after)
    if case.services:
        story += _heading("Services involved", style, width) + _items(case.services, style, width)
    tasks = tuple(t for t in case.open_tasks if not t.internal)
    if tasks:
        story += _heading("What happens next", style, width)
        for task in tasks:
            story.append(KeepTogether([_text(" ".join(task.text.split()), style, bold=True),
                                       _text(_task_words(case, task, for_meeting), style, after=style.space_after)]))
    if for_meeting and case.expected:
        story += _heading("Steps this kind of case expects", style, width)
        story += _items(tuple(f"{what}: {'done' if done else 'due by ' + long_date(due)}"
                              for what, due, done in case.expected), style, width)

    activities = printable_activities(case)
    if activities:
        story += _heading("What has happened so far", style, width)
        for activity in activities:
            what, text = activity_words(case, activity)
            line = _text(f"{long_date(activity.happened_at)} — {what}", style, bold=True,
                         after=0.0 if text.strip() else style.space_after)
            line.keepWithNext = bool(text.strip())  # a date line never ends a page without its text
            story.append(line)
            story += _paragraphs(text, style, after=style.space_after)
    if for_meeting:
        story += _heading("Notes from the meeting", style, width)
        story += [HRFlowable(width="100%", thickness=max(0.5, style.rule_width / 2), color=colors.black,
                             spaceBefore=style.body_leading * 1.4) for _ in range(MEETING_NOTE_LINES)]
    else:
        story += [Spacer(1, style.section_gap),
                  HRFlowable(width="100%", thickness=style.rule_width, color=colors.black, spaceAfter=style.space_after),
                  _text(f"If you have a question about your case, contact {case.owner_name or 'your advocate'} "
                        f"and quote {case.reference}.", style)]
    return story


def _footer(style: PageStyle, reference: str):
    """Each page carries the case reference and its number, so loose pages find their way back."""
    size = max(9.0, style.body_size * 0.75)

    def draw(canvas, doc) -> None:
        canvas.saveState()
        y = style.margin * 0.6
        [left], _ = break_lines(f"Case {reference}", size, 10_000)
        draw_line(canvas, left, style.margin + FRAME_PADDING, y, size)  # in line with the text above
        [right], _ = break_lines(f"Page {doc.page}", size, 10_000)
        draw_line(canvas, right, style.page_size[0] - style.margin - FRAME_PADDING - right.width, y, size)
        canvas.restoreState()

    return draw


def render_case_summary(case: CaseRecord, fmt: PrintFormat, out: str | os.PathLike | BinaryIO, *,
                        for_meeting: bool = False, printed_on: date | None = None) -> RenderResult:
    """Render the case's printable summary to PDF at `out` (a path, written whole or not at all,
    or a binary file object): for the resident, or with for_meeting=True for a meeting about
    the case. Pass the record from CaseService.for_print; internal activities are left out even
    if present, and the restricted reason is never printed. `printed_on` adds "Printed on ...".
    Raises RenderProblem when the file cannot be written."""
    register_fonts()
    style = page_style(fmt)
    target = out if hasattr(out, "write") else io.BytesIO()
    doc = new_document(target, style, title=f"Case summary {case.reference}", language="en")
    build_document(doc, case_summary_story(case, fmt, for_meeting=for_meeting, printed_on=printed_on),
                   _footer(style, case.reference))
    if hasattr(out, "write"):
        return RenderResult(doc.page, None)
    path = Path(out)
    _write_whole(path, target.getvalue())
    return RenderResult(doc.page, path)


__all__ = ["activity_words", "case_summary_story", "day_words", "printable_activities", "render_case_summary"]
