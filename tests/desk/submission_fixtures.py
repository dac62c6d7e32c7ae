"""Helpers for the submission and outbox tests: residents who can have requests made for them,
requests submitted as the desk does, and the sender run to the end."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import timedelta

from sqlalchemy import func, select

from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.representatives import london_today
from assisted_desk.desk.submission_models import Submission
from assisted_desk.desk.submissions import RequestInput, SubmissionReceipt
from assisted_desk.desk.vocab import ConsentPurpose, HelpType, SubmissionState

from .contact_fixtures import contact, register


def requester(services, actor, given: str = "Łukasz", family: str = "Żółć", *,
              services_: Sequence[str] = ("waste_recycling",), **more) -> int:
    """A resident with an address, postcode and phone, who consented to the desk acting for them
    with those services."""
    details = dict(address_line1="12 Mile End Road", town="London", postcode="E1 4NS", phone="07400 123456")
    details.update(more)
    resident_id = register(services, actor, given, family, **details)
    for code in services_:
        services.consent.record_consent(actor, resident_id, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, code, "verbal"))
    return resident_id


def missed_bin_fields(services, *, bin_type: str = "recycling", days_ago: int = 2, notes: str = "") -> dict:
    day = london_today(services.clock) - timedelta(days=days_ago)
    return {"bin_type": bin_type, "collection_date": day.isoformat(), "bin_left_at": "kerbside", "notes": notes}


def submit_missed_bin(services, actor, resident_id: int, *, attachments: Sequence[AttachmentInput] = (),
                      **fields) -> SubmissionReceipt:
    return services.submissions.submit(
        actor, contact(resident_id, "waste_recycling", help_type=HelpType.ON_BEHALF),
        RequestInput("missed_bin", missed_bin_fields(services, **fields), attachments))


def drain(run: Generator[str, None, object]) -> tuple[list[str], object]:
    """Run a sender's run_once to the end: (progress lines, summary)."""
    lines = []
    while True:
        try:
            lines.append(next(run))
        except StopIteration as done:
            return lines, done.value


def states(services) -> dict[str, int]:
    with services.db.unit_of_work() as session:
        return dict(session.execute(select(Submission.state, func.count()).group_by(Submission.state)).all())


def waiting(services) -> int:
    with services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Submission).where(
            Submission.state.in_([SubmissionState.QUEUED.value, SubmissionState.SENDING.value])))


def row(services, submission_id: int) -> Submission:
    with services.db.unit_of_work() as session:
        found = session.get(Submission, submission_id)
        session.expunge(found)
        return found
