"""Helpers for the erasure and retention tests: a resident with something in every table (the
subject access world), made erasable; every report's figures; every text the database holds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import String, Text, func, select

from assisted_desk.casework.models import Case
from assisted_desk.casework.vocab import CaseOutcome
from assisted_desk.core.db import Base
from assisted_desk.desk.models import Callback, QueueTicket
from assisted_desk.desk.submission_models import Submission
from assisted_desk.inclusion.models import SkillsAssessment
from assisted_desk.inclusion.referral_models import Referral
from assisted_desk.inclusion.referral_vocab import ReferralStatus
from assisted_desk.inclusion.skills_vocab import Answer, Evidence
from assisted_desk.reporting.model import Dimension, ReportKind, ReportRequest
from tests.privacy.subject_access_world import World, build_world

# Things only the erased resident (or their representative) said or is: none may survive erasure.
PERSONAL = ("Łukasz", "Żółć", "Lukasz", "Zolc", "Mile End", "07400 123456", "+447400123456", "lukasz@example.org",
            "Large print", "પ્રિયા", "priya@example.org", "Prefers email", "Asked about council tax", "scan ż.png",
            "letter.pdf", "Blue bin", "Ring back about the bin", "Damp in the flat", "Rang Łukasz",
            "Jan Kowalski", "Piotr Nowak", "Worried about scams", "Help with online forms", "Logged on the duplicate",
            "LIB123", "Your digital skills plan", "Moved away", "E1 6AN", "E16AN")


def erasable_world(services, admin) -> World:
    """The subject access world with every assessment completed, the referral taken to a declined
    outcome (the report counts reasons), the case closed, the request cancelled, the queue ticket
    ended as a no-show and the callback cancelled."""
    world = build_world(services, admin)
    with services.db.unit_of_work() as session:
        assessment_id = session.scalar(select(SkillsAssessment.id).where(
            SkillsAssessment.resident_id == world.resident_id))
        referral_id = session.scalar(select(Referral.id).where(Referral.reference == world.referral_reference))
        case_id = session.scalar(select(Case.id).where(Case.reference == world.case_reference))
        submission_id = session.scalar(select(Submission.id).where(
            Submission.reference == world.submission_reference))
    record = services.skills.get(world.coordinator, assessment_id)
    for statement in record.unanswered:
        services.skills.record_answer(world.coordinator, assessment_id, statement.code, Answer.ON_MY_OWN, Evidence.SAID)
    services.skills.complete(world.coordinator, assessment_id)
    sent = services.referrals.send(world.coordinator, referral_id, None)
    services.referrals.record_update(world.coordinator, referral_id, ReferralStatus.DECLINED,
                                     expected_version=sent.referral.version,
                                     reason="No places", note="Moved away, says Łukasz")
    case = services.cases.get_case(world.advocate, case_id)
    services.cases.close_case(world.advocate, case_id, CaseOutcome.RESOLVED, "", case.version)
    services.submissions.cancel(world.desk, submission_id, "Resident rang to say Blue bin was emptied")
    with services.db.unit_of_work() as session:
        ticket_id = session.scalar(select(QueueTicket.id).where(QueueTicket.resident_id == world.resident_id))
        callback_id = session.scalar(select(Callback.id).where(Callback.resident_id == world.resident_id))
    services.queue.mark_no_show(world.desk, ticket_id)
    services.callbacks.cancel(world.desk, callback_id, "Rang Łukasz from the desk instead")
    services.clock.advance(minutes=5)
    return world


def all_figures(services, actor) -> dict:
    """Every figure of every report, plain and broken down by every equality question."""
    today = services.clock.now().date()
    figures = {}
    for kind in ReportKind:
        for dimension in (None, *Dimension):
            request = ReportRequest(kind, today - timedelta(days=365), today, breakdown=dimension, protect=False)
            report = services.reports.run_now(actor, request)
            for table in report.tables:
                for row in [*table.rows, *([table.total] if table.total else [])]:
                    for column, cell in row.cells.items():
                        figures[(kind.value, dimension, table.key, row.key, column)] = cell.value
    return figures


def every_text(services) -> list[str]:
    """Every string and text value in every table (and the attachments' bytes, as text)."""
    found = []
    with services.db.unit_of_work() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_event":
                continue  # names fields and record numbers, never values (checked separately)
            columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
            if columns:
                for row in session.execute(select(*columns)):
                    found.extend(f"{table.name}.{c.name}={v}" for c, v in zip(columns, row) if v)
        data = session.execute(select(func.count()).select_from(Base.metadata.tables["attachment_content"])).scalar()
        found.append(f"attachment_content rows={data}")
    return found


def row_counts(services) -> dict[str, int]:
    with services.db.unit_of_work() as session:
        return {table.name: session.execute(select(func.count()).select_from(table)).scalar()
                for table in Base.metadata.sorted_tables}
