"""The personal plan a resident takes home after a skills assessment, written to them in the first
person: what I can already do, what I will learn next (and which of my goals it serves), where I
have been referred (where, when, how to reach them), guides for me, and how to come back.

`plan_for` gathers it through the services as the staff member printing it may see it;
`render_plan` puts it on A4 in any of the three formats."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.platypus import Flowable, HRFlowable, KeepTogether, Spacer

from ..core.errors import ValidationError
from ..core.security import Actor, Permission, require
from ..desk.representatives import long_date
from ..inclusion.framework import Level
from ..inclusion.scoring import Reached
from ..inclusion.skills_vocab import Answer, Goal
from .fonts import register_fonts
from .guide_pdf import RenderResult, _heading, _items, _page_number, _write_whole, build_document
from .guides import Guide, GuideLibrary
from .layout import PageStyle, PrintFormat, TextBlock, new_document, page_style
from .personal import first_name, london_day, reference_rows

MAX_NEXT_TASKS = 6  # a plan is a few next steps, not the whole framework
MAX_GUIDES = 3

# Words to find guides with for a skill area and for a goal (GuideLibrary.search ranks by them).
_AREA_WORDS = {
    "foundation": "password account sign in",
    "communicating": "video call family",
    "handling_information": "library e-books",
    "transacting": "pay online council tax",
    "problem_solving": "report problem password",
    "being_safe": "scams safe online",
}
_GOAL_WORDS = {
    Goal.FAMILY: "video call family",
    Goal.COUNCIL_SERVICES: "council account pay",
    Goal.HEALTH: "video call account",
    Goal.MONEY: "pay direct debit",
    Goal.WORK: "account email",
    Goal.LEARNING: "library e-books",
    Goal.SHOPPING: "pay online scams",
    Goal.SAFETY: "scams safe",
}


@dataclass(frozen=True)
class PlanTask:
    sentence: str  # "I can fill in a form online"
    area_title: str
    for_goals: tuple[str, ...]  # the goals it serves, in words


@dataclass(frozen=True)
class PlanReferral:
    reference: str
    service_name: str
    organisation_name: str
    status: str  # where it is now, in words
    where: tuple[str, ...]  # one line per place
    when: tuple[str, ...]  # one line per schedule
    contact: tuple[str, ...]  # "Phone: ...", "Email: ...", a web address


@dataclass(frozen=True)
class PlanGuide:
    slug: str
    language: str
    title: str
    address: str  # the short web address, or ""


@dataclass(frozen=True)
class PlanContent:
    resident_name: str
    printed_on: date
    assessed_on: date
    staff_first_name: str
    site_name: str
    levels_reached: tuple[str, ...]  # "Foundation", "For life"
    can_do: tuple[str, ...]  # "I can turn on a device": tasks answered "on my own"
    next_tasks: tuple[PlanTask, ...]
    more_tasks: int  # next tasks beyond the ones printed
    goals: tuple[str, ...]
    goals_own_words: str
    referrals: tuple[PlanReferral, ...]
    guides: tuple[PlanGuide, ...]
    come_back: tuple[str, ...]


def _where(location) -> str:
    return ", ".join(p.strip() for p in (location.name, *location.address.splitlines(), location.postcode) if p.strip())


def _contact(service) -> tuple[str, ...]:
    phone = service.phone or service.organisation_phone or service.referral_phone
    email = service.email or service.organisation_email or service.referral_email
    url = service.url or service.organisation_url
    return tuple(x for x in (f"Phone: {phone}" if phone else "", f"Email: {email}" if email else "", url) if x)


def _referrals(services, actor: Actor, resident_id: int) -> tuple[PlanReferral, ...]:
    """Open referrals that have gone to the partner (not drafts), newest first."""
    if not actor.may(Permission.REFER_TO_PARTNERS):
        return ()
    out = []
    for referral in services.referrals.for_resident(actor, resident_id):
        if not referral.is_open or referral.status.value == "draft":
            continue
        service = services.partners.get_service(actor, referral.service_id)
        out.append(PlanReferral(referral.reference, referral.service_name, referral.organisation_name,
                                referral.status.label, tuple(_where(loc) for loc in service.locations),
                                tuple(t for t in (s.in_words() for s in service.schedules) if t),
                                _contact(service)))
    return tuple(out)


def matching_guides(library: GuideLibrary, areas: list[str], goals: list[Goal], language: str) -> tuple[Guide, ...]:
    """At most MAX_GUIDES guides for the next things to learn: the best guide for each area in
    the order the tasks come, then for each goal; none twice."""
    queries = [_AREA_WORDS.get(area, area) for area in dict.fromkeys(areas)]
    queries += [_GOAL_WORDS[goal] for goal in goals if goal in _GOAL_WORDS]
    chosen: dict[str, Guide] = {}
    for words in queries:
        for guide in library.search(words, language or "en"):
            if guide.slug not in chosen:
                chosen[guide.slug] = guide
                break
        if len(chosen) >= MAX_GUIDES:
            break
    return tuple(chosen.values())


def plan_for(services, actor: Actor, resident_id: int, *, library: GuideLibrary | None = None) -> PlanContent:
    """The plan from the resident's latest completed assessment, their open referrals (for staff
    who may read referrals), up to three matching guides in their language where translated,
    and how to come back. Refuses without print-guides or record-skills, an unknown resident,
    and a resident with no completed assessment (saying to finish one first)."""
    require(actor, Permission.PRINT_GUIDES)
    require(actor, Permission.RECORD_SKILLS)
    resident = services.residents.get(actor, resident_id)
    record = services.skills.latest_result(actor, resident_id)
    if record is None:
        raise ValidationError(f"{resident.name} has no completed skills assessment yet, so there is no plan to "
                              "print. Complete an assessment with them first.", field="assessment")
    result = record.result
    levels = tuple(status.level.label for status in result.overall if status.status is Reached.REACHED)
    can_do = tuple(s.sentence for s in record.statements
                   if (given := record.answers.get(s.code)) is not None and given.answer is Answer.ON_MY_OWN)
    tasks = result.next_tasks
    next_tasks = tuple(PlanTask(t.sentence, t.area_title, tuple(g.label for g in t.for_goals))
                       for t in tasks[:MAX_NEXT_TASKS])
    guides = matching_guides(library or GuideLibrary(), [t.area for t in tasks[:MAX_NEXT_TASKS]],
                             list(record.goals), resident.preferred_language)
    staff = first_name(actor.display_name)
    site = actor.site_name
    come_back = (
        (f"Come back to {site}" if site else "Come back to the help desk")
        + (f" and ask for {staff}" if staff else "") + ": we will go through your plan with you.",
        "Any library help desk can help you too. Bring this plan with you.",
    )
    return PlanContent(resident.name, london_day(services.clock.now()), london_day(record.summary.completed_at),
                       staff, site, levels, can_do, next_tasks, max(0, len(tasks) - MAX_NEXT_TASKS),
                       tuple(g.label for g in record.goals), record.goals_own_words,
                       _referrals(services, actor, resident_id),
                       tuple(PlanGuide(g.slug, g.language, g.title, g.short_url or g.service_url) for g in guides),
                       come_back)


# ---- on paper ------------------------------------------------------------------------------------


def _text(text: str, style: PageStyle, *, bold: bool = False, after: float = 0.0) -> TextBlock:
    return TextBlock(text, style.body_size, style.body_leading, bold=bold, space_after=after)


def _level_words(levels: tuple[str, ...]) -> str:
    if not levels:
        return "You are starting out: every step below moves you on."
    names = {Level.FOUNDATION.label: "the foundation level", Level.LIFE.label: "the level for everyday life",
             Level.WORK.label: "the level for work"}
    return "You have reached " + " and ".join(names.get(level, level) for level in levels) + "."


def plan_story(plan: PlanContent, fmt: PrintFormat) -> list[Flowable]:
    style = page_style(fmt)
    width = style.content_width
    story: list[Flowable] = [
        TextBlock("My digital skills plan", style.title_size, style.title_size * 1.2, bold=True,
                  space_after=style.space_after),
        TextBlock(plan.resident_name, style.heading_size * 1.2, style.heading_size * 1.5, bold=True),
        _text(f"Made with {plan.staff_first_name or 'the desk'}" + (f" at {plan.site_name}" if plan.site_name else "")
              + f" on {long_date(plan.printed_on)}, after the skills check on {long_date(plan.assessed_on)}.",
              style, after=style.space_after),
        HRFlowable(width="100%", thickness=style.rule_width * 2, color=colors.black, spaceAfter=style.space_after),
    ]
    if plan.goals or plan.goals_own_words:
        story += _heading("What I want to do", style, width) + _items(plan.goals, style, width)
        if plan.goals_own_words:
            story.append(_text(f"In my words: {plan.goals_own_words}", style, after=style.space_after))
    story += _heading("What I can already do", style, width)
    story.append(_text(_level_words(plan.levels_reached), style, after=style.space_after))
    story += _items(plan.can_do, style, width)
    story += _heading("What I will learn next", style, width)
    if plan.next_tasks:
        for task in plan.next_tasks:
            why = f" — for: {', '.join(task.for_goals)}" if task.for_goals else ""
            story += _items((f"{task.sentence} ({task.area_title}){why}",), style, width)
        if plan.more_tasks:
            story.append(_text(f"Then {plan.more_tasks} more, which we will look at next time.", style))
    else:
        story.append(_text("Nothing new for now: keep practising what you can do.", style))
    if plan.referrals:
        story += _heading("Where I have been referred", style, width)
        for referral in plan.referrals:
            block: list[Flowable] = [
                _text(f"{referral.service_name} — {referral.organisation_name}", style, bold=True),
                _text(f"Reference {referral.reference} · {referral.status}", style, after=style.space_after / 2)]
            rows = [(label if n == 0 else "", line)
                    for label, lines in (("Where", referral.where), ("When", referral.when),
                                         ("Contact", referral.contact)) for n, line in enumerate(lines)]
            block += reference_rows(rows, style, width)
            block.append(Spacer(1, style.space_after))
            story.append(KeepTogether(block))
    if plan.guides:
        story += _heading("Guides for me", style, width)
        story += _items(tuple(f"{g.title}" + (f" — {g.address}" if g.address else "") for g in plan.guides),
                        style, width)
    story += _heading("Coming back to the desk", style, width) + _items(plan.come_back, style, width)
    return story


def render_plan(plan: PlanContent, fmt: PrintFormat, out: str | os.PathLike | BinaryIO) -> RenderResult:
    """Render the plan to PDF at `out` (a path, written whole or not at all, or a binary file
    object). Raises RenderProblem when the file cannot be written."""
    register_fonts()
    style = page_style(fmt)
    target = out if hasattr(out, "write") else io.BytesIO()
    doc = new_document(target, style, title=f"Digital skills plan for {plan.resident_name}", language="en")
    on_page = _page_number(style)
    build_document(doc, plan_story(plan, fmt), on_page)
    if hasattr(out, "write"):
        return RenderResult(doc.page, None)
    path = Path(out)
    _write_whole(path, target.getvalue())
    return RenderResult(doc.page, path)


__all__ = ["MAX_GUIDES", "MAX_NEXT_TASKS", "PlanContent", "PlanGuide", "PlanReferral", "PlanTask",
           "matching_guides", "plan_for", "plan_story", "render_plan"]
