"""The readable half of a subject access archive: everything held about a resident, as a PDF.

It prints the JSON pack (privacy.subject_access) section by section, so the two never disagree:
a heading per section with a sentence saying what it is, then each record as label and value
pairs in plain English, times in London. Empty values, ids and machinery are left out and codes
are put into words (subject_access_words); a record's lines (a case's activities, a request's
history) print one line each, answers and results as small tables. Long histories (the audit)
simply run on over as many pages as they need.

The shipped fonts cover Latin, Greek, Cyrillic, Arabic and five Indian scripts, not Chinese,
Japanese or Korean. ReportLab's built-in CJK fonts (STSong-Light...) are not embedded, and
poppler draws them as empty boxes where no CJK font is installed (as on the test machine, checked),
so a character no shipped font can draw is printed as U+FFFD and the first page says so: never
dropped silently. The JSON beside the PDF holds it exactly."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.platypus import Flowable, HRFlowable, Spacer, Table

from ..core.clock import local_text
from .fonts import all_font_names, font_covers, register_fonts
from .guide_pdf import _heading, build_document
from .layout import FRAME_PADDING, PageStyle, PrintFormat, TextBlock, new_document, page_style
from .personal import label_column_width, plain_table
from .subject_access_words import code_words, hidden, label, reached_words, summary_words, what_happened, who
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
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"^[a-z][a-z_]*$")  # a stored code ("face_to_face"): shown as words
_AS_TYPED = ("_by", "name", "actor", "filename", "scope")
_NESTED = ("fields_json", "resident_json", "envelope_json")  # JSON kept with a request: a small table
REPLACEMENT = "\ufffd"  # what is printed for a character no shipped font can draw


@functools.lru_cache(maxsize=4096)
def drawable(char: str) -> bool:
    """Whether some registered font has a glyph for the character (spaces and format marks,
    which are not drawn, count as drawable)."""
    if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
        return True
    return any(font_covers(name, char) for name in all_font_names())


def printable(value, missing: set[str]):
    """The pack with every character no font can draw replaced by U+FFFD (a visible mark), and
    the replaced characters added to `missing`; the PDF says so at the top. Nothing is dropped."""
    if isinstance(value, str):
        if all(drawable(c) for c in value):
            return value
        missing.update(c for c in value if not drawable(c))
        return "".join(c if drawable(c) else REPLACEMENT for c in value)
    if isinstance(value, dict):
        return {key: printable(item, missing) for key, item in value.items()}
    if isinstance(value, list):
        return [printable(item, missing) for item in value]
    return value


class CellText(TextBlock):
    """Text in a table cell: always from the left edge, as the table reads left to right; a
    right-to-left name is still ordered right to left within its line."""

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        return [part if part is self else CellText(part.text, part.size, part.leading, bold=part.bold,
                                                   space_after=part.spaceAfter, _lines=part._broken)
                for part in parts]

    def draw(self):
        lines = self._broken[0]
        self.canv.setFillColor(colors.black)
        drop = (self.leading - self.size) / 2 + self.size * 0.8
        for index, line in enumerate(lines):
            draw_line(self.canv, line, 0.0, self.height - index * self.leading - drop, self.size)


def _value(section: str, key: str, value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    words = code_words(section, key, value) if isinstance(value, (str, int)) else None
    if words is not None:
        return words
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
        return "; ".join(f"{label(str(k))}: {text}" for k, text in _flat(section, value))
    if isinstance(value, list):
        return ", ".join(_value(section, key, v) for v in value if _value(section, key, v))
    if isinstance(value, str) and _CODE.match(value) and not key.endswith(_AS_TYPED):
        return value.replace("_", " ").capitalize()
    return str(value)


def _flat(section: str, value: dict) -> list[tuple[str, str]]:
    """A nested JSON value as (key, words) pairs, inner objects flattened; ids left out."""
    out = []
    for key, item in value.items():
        if hidden(section, str(key), value):
            continue
        if isinstance(item, dict):
            out += _flat(section, item)
        elif _value(section, str(key), item):
            out.append((str(key), _value(section, str(key), item)))
    return out


def _pairs(section: str, item: dict) -> list[tuple[str, str]]:
    """(key, words) for each field a person reads, in the stored order."""
    out = []
    for key, value in item.items():
        if (hidden(section, key, item) or key.endswith("_label") or key == "result_json"
                or isinstance(value, list) and value and isinstance(value[0], dict)):
            continue
        if f"{key[:-3] if key.endswith('_id') else key}_name" in item:
            continue  # the name beside it says it better
        text = item.get(f"{key}_label") or _value(section, key, value)
        if text:
            out.append((key, text))
    return out


def _facts(pairs: list, style: PageStyle, width: float, *, bottom: float | None = None) -> list[Flowable]:
    """(label, words or a flowable) pairs as a two-column table, labels in bold."""
    if not pairs:
        return []
    label_w = label_column_width([text for text, _ in pairs], style, width)
    rows = [[CellText(text, style.body_size, style.body_leading, bold=True),
             CellText(value, style.body_size, style.body_leading) if isinstance(value, str) else value]
            for text, value in pairs]
    table = Table(rows, colWidths=[label_w, width - label_w], hAlign="LEFT", splitInRow=1)
    table.setStyle(plain_table(bottom=style.space_after / 3 if bottom is None else bottom))
    return [table]


def _record_facts(section: str, item: dict, style: PageStyle, width: float) -> list[Flowable]:
    """A record's fields; JSON it carries (what a request asked) as a small table in its cell."""
    pairs = _pairs(section, item)
    label_w = label_column_width([label(key) for key, _ in pairs], style, width)
    out: list = []
    for key, text in pairs:
        inner = _flat(section, item[key]) if key in _NESTED and isinstance(item[key], dict) else []
        if inner:
            table = _facts([(label(k), v) for k, v in inner], style, width - label_w, bottom=0)[0]
            out.append((label(key), table))
        else:
            out.append((label(key), text))
    return _facts(out, style, width)


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


_WHEN = ("happened_at", "at", "attempted_at", "answered_at", "added_at", "recorded_at")
# Lines' fields that read on their own ("Call", "Rang about the damp"); others keep their label.
_PLAIN = {"kind", "text", "message", "note", "reason", "outcome", "answer", "barrier", "goal", "detail",
          "staff_name", "by", "status", "source", "from_status", "to_status"}


def _line(section: str, child: dict) -> str:
    """One line per item: "23/11/2026 10:15 — Call — Rang about the damp — Advocate"."""
    when = next((child[k] for k in _WHEN if child.get(k)), None)
    parts = [local_text(datetime.fromisoformat(when))] if when else []
    for key, text in _pairs(section, child):
        if key in _WHEN or key in ("recorded_by", "added_by"):
            continue
        if key == "to_status":
            text = f"now {text[:1].lower()}{text[1:]}" if child.get("from_status") else text
        parts.append(text if key in _PLAIN else f"{label(key)}: {text}")
    return " — ".join(parts)


def _answers(section: str, answers: list[dict], style: PageStyle, width: float) -> list[Flowable]:
    size, leading = style.body_size, style.body_leading
    rows = [[CellText(h, size, leading, bold=True) for h in ("Statement", "Your answer", "How we know")]]
    rows += [[CellText(a.get("statement") or a.get("statement_code", ""), size, leading),
              CellText(_value(section, "answer", a.get("answer")), size, leading),
              CellText(_value(section, "evidence", a.get("evidence")), size, leading)] for a in answers]
    table = Table(rows, colWidths=[width * 0.5, width * 0.25, width * 0.25], hAlign="LEFT", repeatRows=1)
    table.setStyle(plain_table(bottom=2))
    return [table]


def _result(result, style: PageStyle, width: float) -> list[Flowable]:
    """An assessment's result: each area's levels as a small table, then what to try next."""
    if not isinstance(result, dict) or not result.get("areas"):
        return []
    size, leading = style.body_size, style.body_leading
    levels = list(dict.fromkeys(s["level"] for a in [{"levels": result.get("overall", [])}, *result["areas"]]
                                for s in a["levels"]))
    rows = [[CellText(h, size, leading, bold=True) for h in ["Skills area", *(lv.capitalize() for lv in levels)]]]
    for title, statuses in [("All areas", result.get("overall", [])),
                            *((a.get("title") or a.get("area", ""), a["levels"]) for a in result["areas"])]:
        by_level = {s["level"]: reached_words(s["status"]) for s in statuses}
        if by_level:
            rows.append([CellText(title, size, leading, bold=title == "All areas")]
                        + [CellText(by_level.get(lv, ""), size, leading) for lv in levels])
    first = min(width * 0.4, width - len(levels) * width * 0.15)
    table = Table(rows, colWidths=[first] + [(width - first) / max(1, len(levels))] * len(levels), hAlign="LEFT",
                  repeatRows=1)
    table.setStyle(plain_table(bottom=2))
    out: list[Flowable] = [CellText("Result", size, leading, bold=True), table]
    tasks = result.get("next_tasks") or []
    if tasks:
        out.append(CellText("What to try next", size, leading, bold=True))
        out += [CellText(f"– {t.get('sentence', '')} ({t.get('area_title', '')})", size, leading, space_after=2)
                for t in tasks]
    return out


def _children(section: str, item: dict, style: PageStyle, width: float) -> list[Flowable]:
    out: list[Flowable] = _result(item.get("result_json"), style, width)
    for key, value in item.items():
        if not (isinstance(value, list) and value and isinstance(value[0], dict)) or hidden(section, key, item):
            continue
        out.append(CellText(label(key), style.body_size, style.body_leading, bold=True))
        child_section = f"{section}.{key}"
        if key == "answers":
            out += _answers(child_section, value, style, width)
            continue
        out += [CellText(f"– {_line(child_section, child)}", style.body_size, style.body_leading, space_after=2)
                for child in value]
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
        return story + _record_facts(key, value, style, width)
    if not value:
        return story + [TextBlock("Nothing held.", style.body_size, style.body_leading)]
    for index, item in enumerate(value, 1):
        title = TextBlock(_item_title(key, singular, index, item), style.body_size, style.body_leading, bold=True)
        title.keepWithNext = True  # never a record's heading alone at the foot of a page
        story += [title] + _record_facts(key, item, style, width)
        story += _children(key, item, style, width) + [Spacer(1, style.space_after)]
    return story


def _audit(data: dict, style: PageStyle, width: float) -> list[Flowable]:
    story = _heading("Who changed or looked at your records", style, width)
    story.append(TextBlock("Every change to your records and every export of them, oldest first, and the times "
                           "staff looked at the parts we always record looking at: your equality answers, "
                           "restricted cases and files opened. Looking at your everyday details is not recorded.",
                           style.body_size, style.body_leading, space_after=style.space_after))
    for event in data.get("audit", []):
        line = f"{local_text(datetime.fromisoformat(event['occurred_at']))} — " \
               f"{who(event['actor'], event.get('role'))} {what_happened(event['action'])}"
        summary = summary_words(event["action"], event.get("summary") or "")
        if summary:
            line += f": {summary}"
        story.append(CellText(line, style.body_size, style.body_leading, space_after=2))
    if not data.get("audit"):
        story.append(TextBlock("Nothing recorded.", style.body_size, style.body_leading))
    return story


def subject_access_story(data: dict, fmt: PrintFormat = PrintFormat.STANDARD) -> list[Flowable]:
    style = page_style(fmt)
    width = style.content_width
    missing: set[str] = set()
    data = printable(data, missing)
    story: list[Flowable] = [
        TextBlock("Private and confidential", style.body_size, style.body_leading, bold=True),
        TextBlock("Everything we hold about you", style.title_size, style.title_size * 1.2, bold=True),
        TextBlock(data["resident_name"], style.heading_size * 1.2, style.heading_size * 1.5, bold=True),
        TextBlock(f"Record {data['resident_id']}. Prepared on {local_text(datetime.fromisoformat(data['generated_at']))} "
                  f"(London time) by {who(data['generated_by'], None)}, in answer to a subject access request.",
                  style.body_size, style.body_leading, space_after=style.space_after),
    ]
    if missing:
        story.append(TextBlock(f"Some characters could not be printed and are shown as {REPLACEMENT}. They are held "
                               f"exactly as written, and are exact in subject-access.json in this archive.",
                               style.body_size, style.body_leading, bold=True, space_after=style.space_after))
    story.append(HRFlowable(width="100%", thickness=style.rule_width * 2, color=colors.black,
                            spaceAfter=style.space_after))
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
