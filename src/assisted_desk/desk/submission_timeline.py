"""Requests on the resident's timeline: when each was made, when the back office accepted it,
and every status change it reported, so staff can answer "what happened to my report?" without
a phone call."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..core.clock import local_text
from .request_forms import shipped_declarations
from .submission_models import Submission, SubmissionEvent
from .timeline import TimelineContext, TimelineItem, register_timeline_source
from .vocab import BackOfficeStatus, SubmissionEventKind, SubmissionState

SUBMISSION = "submission"
SUBMISSION_ACCEPTED = "submission_accepted"
SUBMISSION_STATUS = "submission_status"
OPEN_SUBMISSION = "submission"


def _name(code: str) -> str:
    for kind in shipped_declarations().types:
        if kind.code == code:
            return kind.name
    return code


def _submissions(context: TimelineContext) -> Iterable[TimelineItem]:
    session = context.session
    rows = session.scalars(select(Submission).where(Submission.resident_id == context.resident_id)).all()
    if not rows:
        return
    events = session.scalars(select(SubmissionEvent).where(
        SubmissionEvent.submission_id.in_([r.id for r in rows]),
        SubmissionEvent.kind.in_([SubmissionEventKind.STATUS_CHANGED.value, SubmissionEventKind.REFUSED.value,
                                  SubmissionEventKind.CANCELLED.value]))).all()
    for row in rows:
        name = _name(row.request_type)
        state = SubmissionState(row.state)
        now_text = state.label
        if state == SubmissionState.ACCEPTED and row.back_office_status:
            now_text = f"{BackOfficeStatus(row.back_office_status).label} ({row.back_office_reference})"
        elif state == SubmissionState.QUEUED and row.attempts:
            now_text = f"waiting to send (tried {row.attempts} time{'s' if row.attempts != 1 else ''})"
        yield TimelineItem(SUBMISSION, row.created_at, f"Request: {name}",
                           f"now: {now_text} · by {row.created_by}", row.reference, OPEN_SUBMISSION, row.id)
        if row.accepted_at is not None:
            yield TimelineItem(SUBMISSION_ACCEPTED, row.accepted_at, f"Request accepted: {name}",
                               f"back-office reference {row.back_office_reference}", row.reference,
                               OPEN_SUBMISSION, row.id)
    by_id = {r.id: r for r in rows}
    for event in events:
        row = by_id[event.submission_id]
        name = _name(row.request_type)
        kind = SubmissionEventKind(event.kind)
        if kind == SubmissionEventKind.STATUS_CHANGED and event.status:
            title = f"Request update: {name} — {BackOfficeStatus(event.status).label.lower()}"
        elif kind == SubmissionEventKind.REFUSED:
            title = f"Request refused by the back office: {name}"
        else:
            title = f"Request cancelled: {name}"
        detail = event.message or f"at {local_text(event.at)}"
        yield TimelineItem(SUBMISSION_STATUS, event.at, title, detail, row.reference, OPEN_SUBMISSION, row.id)


register_timeline_source("submissions", _submissions)

__all__ = ["OPEN_SUBMISSION", "SUBMISSION", "SUBMISSION_ACCEPTED", "SUBMISSION_STATUS"]
