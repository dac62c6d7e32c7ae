"""Demo advocacy cases: thirty cases of every type across the two demo advocates and the service
manager, in every state a caseload shows: new today, answered and moving, waiting too long for a
first response or past their resolution date, tasks due today and this week, a restricted
safeguarding case, an escalated complaint, closed ones with each outcome and one reopened.

Made through the case service itself, on a clock set back to when each thing happened, so the
cases obey every rule and their SLA dates are the clock's own."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from .casework.caseload import Caseload, CaseloadScope, week_end
from .casework.cases import CaseService
from .casework.records import CaseInput
from .core.clock import Clock
from .core.security import Actor
from .desk.interactions import ContactInput, InteractionService
from .desk.models import Resident
from .desk.references import find_reference
from .desk.representatives import london_today
from .services import Services

# (type, owner: a/b advocates or m the manager, priority, opened days ago, what happened).
# What happened, in the order it happened (each step has its moment after opening, below): call / late_call (the first contact, in time or days late), letter,
# email, meeting, note, internal (an internal note), status:<code>, task_today, task_week,
# task_later, task_done, team (the other advocate joins), escalate, link_desk (a later desk
# contact linked), close:<outcome>@<days after opening>, reopen@<days>. "from_desk" opens the
# case from a desk contact; "restricted" opens it restricted.
_CASES = (
    ("housing", "a", "normal", 2, "call task_today status:in_progress"),
    ("benefits", "a", "high", 9, "call task_week status:assessing letter"),
    ("social_care", "a", "urgent", 4, "restricted call team meeting internal"),
    ("complaint", "a", "normal", 30, "call status:submitted letter escalate"),
    ("housing", "a", "normal", 6, ""),
    ("multiple_needs", "a", "high", 1, "from_desk"),
    ("benefits", "b", "normal", 8, ""),
    ("housing", "b", "normal", 45, "call status:in_progress note"),
    ("complaint", "b", "low", 3, "call task_week status:submitted"),
    ("social_care", "b", "normal", 12, "status:assessing email late_call"),
    ("multiple_needs", "m", "urgent", 15, "call task_today team meeting internal"),
    ("housing", "m", "normal", 20, "call status:in_progress letter link_desk"),
    ("benefits", "a", "normal", 0, ""),
    ("housing", "b", "high", 0, "call"),
    ("complaint", "m", "normal", 5, "call status:submitted"),
    ("benefits", "a", "low", 25, "call task_later status:in_progress"),
    ("social_care", "m", "normal", 35, "call status:in_progress note"),
    ("housing", "a", "normal", 11, "call task_week status:assessing email"),
    ("multiple_needs", "b", "normal", 18, "call meeting"),
    ("benefits", "b", "urgent", 2, "call task_today"),
    ("housing", "a", "normal", 90, "call task_done close:resolved@20"),
    ("benefits", "b", "normal", 80, "call close:partly_resolved@25"),
    ("complaint", "m", "normal", 70, "call status:submitted close:not_resolved@12"),
    ("social_care", "a", "normal", 60, "late_call close:withdrawn@6"),
    ("multiple_needs", "b", "normal", 100, "call meeting close:resolved@40"),
    ("housing", "m", "normal", 50, "call internal close:resolved@10 reopen@25"),
    ("benefits", "a", "normal", 40, "call close:resolved@15"),
    ("complaint", "b", "high", 16, "call status:submitted status:awaiting_response"),
    ("housing", "a", "normal", 7, "call internal note"),
    ("social_care", "b", "normal", 3, ""),
)

_SUMMARIES = {
    "housing": ("Damp and mould in the flat; repairs reported three times and not booked",
                "Notice to quit from a private landlord; needs advice before the hearing",
                "Overcrowded: family of five in a one-bedroom flat, on the housing register"),
    "benefits": ("Universal Credit sanction appeal; missed appointment while in hospital",
                 "PIP refused at assessment; mandatory reconsideration needed",
                 "Council Tax Reduction stopped after a change of address"),
    "social_care": ("Care package cut after review; daughter cannot cover the gap",
                    "Needs an assessment for adaptations at home"),
    "complaint": ("Complaint about repeated missed bin collections and the way calls were handled",
                  "Complaint about a parking fine issued while the blue badge was displayed"),
    "multiple_needs": ("Rent arrears, a benefits stop and a housing disrepair claim all at once",
                       "Recently out of hospital: housing, benefits and care needs together"),
}
_CONTACT_TEXT = {
    "call": "Rang the resident: went through what has happened and what they want to achieve.",
    "letter": "Wrote to the service on the resident's behalf, with their consent; copy sent to them.",
    "email": "Emailed the caseworker at the council for an update.",
    "meeting": "Met the resident at the library with an interpreter.",
    "note": "Read the file and the letters the resident brought in.",
    "internal": "Manager's view: keep the resident's brother out of calls unless they ask otherwise.",
}
_OUTCOME_REASONS = {"not_resolved": "The service upheld its decision; the resident was told about the Ombudsman."}


class _MovableClock(Clock):
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def load_cases_demo(services: Services, desk: Actor, advocate: Actor, other_advocate: Actor, manager: Actor,
                    seed: int = 8) -> Iterator[str]:
    """Thirty demo cases for the demo residents (the first ones have several)."""
    rng = random.Random(seed)
    now = services.clock.now()
    today = london_today(services.clock)
    clock = _MovableClock(now)
    cases = CaseService(services.db, clock, services.attachments)
    contacts = InteractionService(services.db, clock, services.consent, services.catalogue, services.attachments)
    service_code = services.catalogue.entries(desk)[0].code
    owners = {"a": advocate, "b": other_advocate, "m": manager}
    types = {t.code: t.id for t in services.case_types.list(manager)}
    with services.db.unit_of_work() as session:
        residents = list(session.scalars(select(Resident.id).where(Resident.merged_into_id.is_(None))
                                         .order_by(Resident.id).limit(len(_CASES))))

    def desk_contact(resident_id: int, outcome: str, notes: str) -> int:
        reference = contacts.log_interaction(desk, ContactInput(
            resident_id=resident_id, channel="face_to_face", service_code=service_code, help_type="information",
            outcome=outcome, minutes=rng.randint(10, 30), notes=notes))
        with services.db.unit_of_work() as session:
            return find_reference(session, reference).record_id

    for n, (code, owner_key, priority, days_ago, story) in enumerate(_CASES):
        owner = owners[owner_key]
        other = other_advocate if owner is advocate else advocate
        resident_id = residents[n % len(residents)]
        opened = now - timedelta(days=days_ago, hours=rng.uniform(1, 4))

        def at(days: float) -> datetime:
            clock.moment = min(opened + timedelta(days=days), now)
            return clock.moment

        at(0)
        steps = story.split()
        restricted = "restricted" in steps
        item = CaseInput(
            resident_id=resident_id, case_type_id=types[code], summary=rng.choice(_SUMMARIES[code]),
            priority=priority, owner_id=owner.staff_id, restricted=restricted,
            restricted_reason="Safeguarding: the resident's partner must not learn of this case" if restricted else "")
        if "from_desk" in steps:
            contact = desk_contact(resident_id, "escalated", "Came in about several problems at once; needs an advocate.")
            item = replace(item, from_interaction_id=contact)
            case_id = cases.open_case(desk, item).id
        else:
            case_id = cases.open_case(owner, item).id
        record = cases.get_case(owner, case_id)
        for step in steps:
            word, _, detail = step.partition(":")
            if word in ("call", "letter", "email", "meeting", "note"):
                at(0.15 if word == "call" else 1.5)
                record = cases.record_activity(owner, case_id, word, _CONTACT_TEXT[word])
            elif word == "late_call":
                at(5)
                record = cases.record_activity(owner, case_id, "call", _CONTACT_TEXT["call"])
            elif word == "internal":
                at(2)
                record = cases.record_activity(owner, case_id, "note", _CONTACT_TEXT["internal"], internal=True)
            elif word == "status":
                at(1)
                record = cases.change_status(owner, case_id, detail, "", record.version)
            elif word.startswith("task_"):
                at(0.5)
                due = {"task_today": today, "task_week": min(today + timedelta(days=3), week_end(today)),
                       "task_later": today + timedelta(days=14),
                       "task_done": (opened + timedelta(days=5)).date()}[word]
                record = cases.add_task(owner, case_id, "Chase the service for a decision", due)
                if word == "task_done":
                    at(5)
                    record = cases.complete_task(owner, record.open_tasks[-1].id, note="Decision received")
            elif word == "team":
                at(1)
                record = cases.add_team_member(owner, case_id, other.staff_id)
            elif word == "escalate":
                at(16)
                record = cases.escalate(owner, case_id, 2, "No reply from the service in 15 working days",
                                        record.version)
            elif word == "link_desk":
                at(3)
                record = cases.link_interaction(owner, case_id, desk_contact(
                    resident_id, "follow_up", "Brought in a new letter for the advocate."))
            elif word == "close":
                outcome, _, after = detail.partition("@")
                at(int(after))
                record = cases.close_case(owner, case_id, outcome, _OUTCOME_REASONS.get(outcome, ""),
                                          record.version)
            elif word.startswith("reopen@"):
                at(int(word.partition("@")[2]))
                record = cases.reopen_case(owner, case_id, "The resident rang: the problem has come back.",
                                           record.version)
    clock.moment = now
    counts = Caseload(services.db, services.clock).for_actor(manager, CaseloadScope.TEAM).counts
    closed = sum(1 for *_rest, story in _CASES if "close:" in story and "reopen" not in story)
    overdue = counts.overdue_first_response + counts.overdue_resolution
    yield (f"{len(_CASES)} advocacy cases: {counts.open} open ({overdue} past an SLA date, "
           f"{counts.due_this_week} due this week, one restricted, {counts.escalated} escalated), "
           f"{closed} closed with each outcome, one reopened")
