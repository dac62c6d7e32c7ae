"""The readable half of a subject access archive: everything held about a resident, as a PDF.

It prints the JSON pack (privacy.subject_access) section by section, so the two never disagree:
a heading per section with a sentence saying what it is, then each record as label and value
pairs in plain English, times in London. Empty values are left out; ids are replaced by the names
beside them. Long histories (the audit) simply run on over as many pages as they need."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.platypus import Flowable, HRFlowable, Spacer, Table

from ..core.clock import local_text
from .fonts import register_fonts
from .guide_pdf import _heading, build_document
from .layout import FRAME_PADDING, PageStyle, PrintFormat, TextBlock, new_document, page_style
from .personal import label_column_width, plain_table
from .text import break_lines, draw_line

# (JSON key, heading, what it is, singular for each record's own heading)
SECTIONS = (
    ("resident", "Your record", "The details the desk keeps to find you and contact you.", ""),
    ("merged_records", "Records merged into yours",
     "Other records found to be you and joined to this one; what they held is in the sections below.", "Record"),
    ("merges", "Merges", "When records were joined, and any merge undone.", "Merge"),
    ("equality", "Equality monitoring", "The answers you chose to give (optional).", "Answers"),
    ("representatives", "People who act for you",
     "Their own phone, email and address are left out: they are their details, not yours.", "Representative"),
    ("consents", "Your consents", "What you agreed the desk may do, and any consent withdrawn.", "Consent"),
    ("contacts", "Contacts with the desk", "Each visit, call or message, what was asked and how it ended.",
     "Contact"),
    ("references", "References", "Short references you can quote, and what each names.", "Reference"),
    ("queue_visits", "Walk-in queue", "Tickets taken when you came to a desk.", "Ticket"),
    ("callbacks", "Phone callbacks", "Calls promised to you, and each try.", "Callback"),
    ("requests", "Requests to the council", "Requests the desk made on your behalf and what happened to them.",
     "Request"),
    ("attachments", "Documents and photos", "Files attached to your contacts and requests; copies are in the "
     "archive's attachments folder.", "File"),
    ("cases", "Advocacy cases", "Notes marked internal and why a case is restricted are left out: they are about "
     "other people or were given in confidence.", "Case"),
    ("assessments", "Digital skills assessments", "Your answers, barriers, goals and results.", "Assessment"),
    ("referrals", "Referrals to partners", "Where you were referred and what happened.", "Referral"),
    ("prints", "Printed documents", "Guides, plans and slips printed or saved for you.", "Print"),
    ("legal_holds", "Legal holds", "While a hold is in place your records are kept, even if you ask for them to be "
     "erased, because a legal claim needs them.", "Hold"),
)
_SKIPPED = {"id", "resident_id", "resident_record_id", "file", "format", "format_version"}
_LABELS = {
    "given_name": "Given name", "family_name": "Family name", "preferred_name": "Name you go by",
    "date_of_birth": "Date of birth", "address_line1": "Address", "address_line2": "Address (line 2)",
    "library_card": "Library card", "accessibility_needs": "Accessibility needs",
    "preferred_contact": "Preferred contact", "last_contact_at": "Last contact", "created_at": "Recorded",
    "created_by": "Recorded by", "updated_at": "Last changed", "updated_by": "Last changed by",
    "registered_site_name": "Registered at", "merged_into": "Merged into record", "occurred_at": "When",
    "staff_name": "Staff", "site_name": "Where", "service_code_name": "Service", "help_type": "Help given",
    "notes": "Notes", "minutes": "Minutes", "given_at": "Given", "expires_at": "Ends",
    "withdrawn_at": "Withdrawn", "representative_name": "Representative", "owner_name": "Advocate",
    "happened_at": "When", "recorded_at": "Recorded", "recorded_by": "Recorded by", "text": "What was written",
    "service_name": "Partner service", "need_text": "Need", "printed_at": "When", "printed_by": "By",
    "assignee_name": "Assigned to", "other_staff_name": "Other colleague",
    "record_type": "Record", "merged_by": "Merged by", "undone_at": "Undone", "undone_by": "Undone by",
    "survivor_id": "Record kept", "merged_id": "Record merged", "filename": "File", "media_type": "Type",
    "size": "Size (bytes)", "added_at": "Added", "added_by": "Added by", "removed_at": "Removed",
    "fields_json": "What was asked", "resident_json": "Your details sent", "envelope_json": "Made by",
    "result_json": "Result", "internal_lines_withheld": "Internal lines left out",
    "merged_into_id": "Merged into record", "record_id": "Record number", "interaction_id": "Contact number",
}
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"^[a-z][a-z_]*$")  # a stored code ("face_to_face"): shown as words
_AS_TYPED = ("_by", "name", "actor", "language", "filename", "scope")


def _label(key: str) -> str:
    return _LABELS.get(key) or key.replace("_name", "").replace("_", " ").strip().capitalize()


def _value(key: str, value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and _TIME.match(value):
        try:
            return local_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and _DAY.match(value):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, dict):
        return "; ".join(f"{_label(str(k))}: {_value(str(k), v)}" for k, v in value.items() if _value(str(k), v))
    if isinstance(value, list):
        return "; ".join(_value(key, v) for v in value if _value(key, v))
    if isinstance(value, str) and _CODE.match(value) and not key.endswith(_AS_TYPED):
        return value.replace("_", " ").capitalize()
    return str(value)


def _pairs(item: dict, *, child: bool = False) -> list[tuple[str, str]]:
    out = []
    for key, value in item.items():
        if key in _SKIPPED or isinstance(value, list) and value and isinstance(value[0], dict):
            continue
        if f"{key[:-3] if key.endswith('_id') else key}_name" in item or child and key.endswith("_id"):
            continue  # the name beside it says it better; a child's ids point at its parent
        text = _value(key, value)
        if text:
            out.append((_label(key), text))
    return out


def _facts(pairs: list[tuple[str, str]], style: PageStyle, width: float) -> list[Flowable]:
    if not pairs:
        return []
    label_w = label_column_width([label for label, _ in pairs], style, width)
    table = Table([[TextBlock(label, style.body_size, style.body_leading, bold=True),
                    TextBlock(value, style.body_size, style.body_leading)] for label, value in pairs],
                  colWidths=[label_w, width - label_w], hAlign="LEFT", splitInRow=1)
    table.setStyle(plain_table(bottom=style.space_after / 3))
    return [table]


def key_is_record(section: str) -> bool:
    return section == "merged_records"


def _item_title(section: str, singular: str, index: int, item: dict) -> str:
    reference = item.get("reference") or ""
    when = next((item[k] for k in ("occurred_at", "opened_at", "created_at", "given_at", "started_at",
                                   "printed_at", "added_at", "arrived_at", "merged_at", "updated_at")
                 if item.get(k)), None)
    parts = [singular, reference or str(item.get("id") if key_is_record(section) else index)]
    if when:
        parts.append(f"— {local_text(datetime.fromisoformat(when))}")
    if item.get("file"):
        parts.append(f"(in the archive as {item['file']})")
    return " ".join(part for part in parts if part)


def _children(item: dict, style: PageStyle, width: float) -> list[Flowable]:
    out: list[Flowable] = []
    for key, value in item.items():
        if not (isinstance(value, list) and value and isinstance(value[0], dict)):
            continue
        out.append(TextBlock(_label(key), style.body_size, style.body_leading, bold=True))
        for child in value:
            line = "; ".join(f"{label}: {text}" for label, text in _pairs(child, child=True))
            out.append(TextBlock(f"– {line}", style.body_size, style.body_leading, space_after=2))
    return out


def _section(data: dict, key: str, heading: str, about: str, singular: str, style: PageStyle,
             width: float) -> list[Flowable]:
    value = data.get(key)
    intro = TextBlock(about, style.body_size, style.body_leading, space_after=style.space_after)
    intro.keepWithNext = True  # a section's heading goes over the page with its first record
    story = _heading(heading, style, width) + [intro]
    for flowable in story[-3:]:
        flowable.keepWithNext = True
    if isinstance(value, dict):
        return story + _facts(_pairs(value), style, width)
    if not value:
        return story + [TextBlock("Nothing held.", style.body_size, style.body_leading)]
    for index, item in enumerate(value, 1):
        title = TextBlock(_item_title(key, singular, index, item), style.body_size, style.body_leading, bold=True)
        title.keepWithNext = True  # never a record's heading alone at the foot of a page
        story += [title] + _facts(_pairs(item), style, width)
        story += _children(item, style, width) + [Spacer(1, style.space_after)]
    return story


def _audit(data: dict, style: PageStyle, width: float) -> list[Flowable]:
    story = _heading("Who changed or looked at your records", style, width)
    story.append(TextBlock("Every change to your records and every export of them, oldest first, and the times "
                           "staff looked at the parts we always record looking at: your equality answers, "
                           "restricted cases and files opened. Looking at your everyday details is not recorded.",
                           style.body_size, style.body_leading, space_after=style.space_after))
    for event in data.get("audit", []):
        who = f"{event['actor']} ({event['role']})" if event.get("role") else event["actor"]
        what = event["action"].split(".", 1)[-1].replace("_", " ")
        line = f"{local_text(datetime.fromisoformat(event['occurred_at']))} — {who} — {what} — " \
               f"{event['record_type'].replace('_', ' ')} {event['record_id']}"
        if event.get("summary"):
            line += f": {event['summary']}"
        story.append(TextBlock(line, style.body_size, style.body_leading, space_after=2))
    if not data.get("audit"):
        story.append(TextBlock("Nothing recorded.", style.body_size, style.body_leading))
    return story


def subject_access_story(data: dict, fmt: PrintFormat = PrintFormat.STANDARD) -> list[Flowable]:
    style = page_style(fmt)
    width = style.content_width
    story: list[Flowable] = [
        TextBlock("Private and confidential", style.body_size, style.body_leading, bold=True),
        TextBlock("Everything we hold about you", style.title_size, style.title_size * 1.2, bold=True),
        TextBlock(data["resident_name"], style.heading_size * 1.2, style.heading_size * 1.5, bold=True),
        TextBlock(f"Record {data['resident_id']}. Prepared on {local_text(datetime.fromisoformat(data['generated_at']))} "
                  f"(London time) by {data['generated_by']}, in answer to a subject access request.",
                  style.body_size, style.body_leading, space_after=style.space_after),
        HRFlowable(width="100%", thickness=style.rule_width * 2, color=colors.black, spaceAfter=style.space_after),
    ]
    if data.get("merged_records"):
        ids = ", ".join(str(r["id"]) for r in data["merged_records"])
        story.append(TextBlock(f"This includes what was held under record(s) {ids}, merged into this one.",
                               style.body_size, style.body_leading, space_after=style.space_after))
    withheld = data.get("withheld", [])
    if withheld:
        story.append(TextBlock("Left out because it is about other people:", style.body_size, style.body_leading,
                               bold=True))
        story += [TextBlock(f"– {w['why'] or w['what']} ({w['count']})", style.body_size, style.body_leading)
                  for w in withheld]
    known = {key for key, *_ in SECTIONS} | {"audit", "withheld", "generated_at", "generated_by", "resident_id",
                                              "resident_name", "format", "format_version"}
    extra = [(key, key.replace("_", " ").capitalize(), "Other records held about you.", "Row")
             for key in data if key not in known]
    for key, heading, about, singular in (*SECTIONS, *extra):
        story += _section(data, key, heading, about, singular, style, width)
    return story + _audit(data, style, width)


def _footer(style: PageStyle, resident_id: int):
    size = max(9.0, style.body_size * 0.75)

    def draw(canvas, doc) -> None:
        canvas.saveState()
        y = style.margin * 0.6
        [left], _ = break_lines(f"Subject access, record {resident_id}", size, 10_000)
        draw_line(canvas, left, style.margin + FRAME_PADDING, y, size)
        [right], _ = break_lines(f"Page {doc.page}", size, 10_000)
        draw_line(canvas, right, style.page_size[0] - style.margin - FRAME_PADDING - right.width, y, size)
        canvas.restoreState()

    return draw


def render_subject_access(data: dict, out: BinaryIO, fmt: PrintFormat = PrintFormat.STANDARD) -> int:
    """Render the pack's JSON document to PDF into the binary file object `out`; the page count."""
    register_fonts()
    style = page_style(fmt)
    doc = new_document(out, style, title=f"Subject access: record {data['resident_id']}", language="en")
    build_document(doc, subject_access_story(data, fmt), _footer(style, data["resident_id"]))
    return doc.page
