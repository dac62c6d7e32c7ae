"""The referral slip a resident takes to a partner that takes paper referrals. It prints what the
slip content holds and nothing else: SlipContent (inclusion/referral_content.py) is built by the
one sharing rule, so the slip carries exactly the details the resident agreed to share.

A4 portrait, so it prints on any desk printer without a cut; the reference is in large type at
the top, since it is what the partner quotes back to us."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.platypus import Flowable, HRFlowable, KeepTogether, Spacer

from ..inclusion.referral_content import SlipContent
from .fonts import register_fonts
from .guide_pdf import RenderResult, _heading, _items, _page_number, _write_whole, build_document
from .layout import PageStyle, PrintFormat, TextBlock, new_document, page_style


def _text(text: str, style: PageStyle, *, bold: bool = False, after: float = 0.0) -> TextBlock:
    return TextBlock(text, style.body_size, style.body_leading, bold=bold, space_after=after)


def slip_story(slip: SlipContent, fmt: PrintFormat) -> list[Flowable]:
    style = page_style(fmt)
    width = style.content_width
    big = style.title_size * 1.4
    story: list[Flowable] = [
        TextBlock(f"Referral to {slip.partner_name}", style.title_size, style.title_size * 1.2, bold=True,
                  space_after=style.space_after),
        HRFlowable(width="100%", thickness=style.rule_width * 2, color=colors.black, spaceAfter=style.space_after),
        _text("Reference", style),
        TextBlock(slip.reference, big, big * 1.2, bold=True, space_after=style.space_after),
        _text("Please quote this reference when you contact us about this referral.", style,
              after=style.space_after),
        HRFlowable(width="100%", thickness=style.rule_width, color=colors.black, spaceAfter=style.space_after),
    ]
    # Each section keeps its heading with its lines: a heading never stays behind at a page foot.
    sections: list[list[Flowable]] = [_heading("Service", style, width) + [_text(slip.service_name, style, bold=True)]]
    if slip.where:
        sections.append(_heading("Where", style, width) + _items(slip.where, style, width))
    if slip.when:
        sections.append(_heading("When", style, width) + _items(slip.when, style, width))
    if slip.partner_contact:
        sections.append(_heading(f"How to contact {slip.partner_name}", style, width)
                        + _items(slip.partner_contact, style, width))
    person = _heading("Who this referral is for", style, width) + [
        TextBlock(slip.resident_name, style.heading_size, style.heading_size * 1.3, bold=True,
                  space_after=style.space_after)]
    if slip.resident_contact:
        person += [_text("They agreed that we share these contact details with you:", style)]
        person += _items(slip.resident_contact, style, width)
    else:
        person.append(_text("They would like you to contact them through us"
                            + (f" at {slip.site_name}" if slip.site_name else "") + ".", style))
    sections.append(person)
    if slip.need:
        sections.append(_heading("What they would like help with", style, width) + [_text(slip.need, style)])
    story += [KeepTogether(section) for section in sections]
    by = " ".join(p for p in (f"by {slip.staff_first_name}" if slip.staff_first_name else "",
                              f"at {slip.site_name}" if slip.site_name else "") if p)
    story += [Spacer(1, style.section_gap),
              HRFlowable(width="100%", thickness=style.rule_width, color=colors.black, spaceAfter=style.space_after),
              _text(f"Referred {by}. The resident agreed that we share these details with {slip.partner_name}."
                    if by else f"The resident agreed that we share these details with {slip.partner_name}.", style)]
    return story


def render_referral_slip(slip: SlipContent, fmt: PrintFormat, out: str | os.PathLike | BinaryIO) -> RenderResult:
    """Render the slip to PDF at `out` (a path, written whole or not at all, or a binary file
    object). Raises RenderProblem when the file cannot be written."""
    register_fonts()
    style = page_style(fmt)
    target = out if hasattr(out, "write") else io.BytesIO()
    doc = new_document(target, style, title=f"Referral {slip.reference}", language="en")
    on_page = _page_number(style)
    build_document(doc, slip_story(slip, fmt), on_page)
    if hasattr(out, "write"):
        return RenderResult(doc.page, None)
    path = Path(out)
    _write_whole(path, target.getvalue())
    return RenderResult(doc.page, path)


__all__ = ["render_referral_slip", "slip_story"]
