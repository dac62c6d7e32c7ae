"""Demo back-office requests in every state, so a new user sees what following a request looks
like before a back office is set up: some accepted and progressing, one refused and waiting for
a fix, some still waiting to be sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from .core.clock import Clock
from .core.security import Actor
from .desk.consent import ConsentInput
from .desk.interactions import ContactInput, InteractionService
from .desk.submission_models import Submission
from .desk.submissions import RequestInput, SubmissionService, add_event
from .desk.vocab import SubmissionEventKind, SubmissionState
from .services import Services

_REQUESTS = [
    # (request type, its service, fields, what happened: accepted statuses, or "refused", or "")
    ("missed_bin", "waste_recycling", {"bin_type": "recycling", "collection_date": -3, "bin_left_at": "kerbside"},
     ["received", "in_progress", "completed"]),
    ("street_problem", "street_issues", {"problem": "street_light", "location": "Outside 40 Cable Street",
                                         "description": "Light flickers and goes out at night", "dangerous": True},
     ["received", "in_progress"]),
    ("new_bin", "waste_recycling", {"bin_type": "food", "reason": "damaged"}, ["received"]),
    ("missed_bin", "waste_recycling", {"bin_type": "general", "collection_date": -1, "bin_left_at": "back_lane"},
     "refused"),
    ("street_problem", "street_issues", {"problem": "fly_tipping", "location": "Alley behind 2 Watney Market",
                                         "description": "Mattress and bags of rubbish"}, ""),
    ("new_bin", "waste_recycling", {"bin_type": "recycling", "reason": "lost"}, ""),
]


class _At(Clock):
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def load_demo_requests(services: Services, desk: Actor, residents: list[int], now: datetime) -> int:
    clock = _At(now - timedelta(days=6))
    contacts = InteractionService(services.db, clock, services.consent, services.catalogue, services.attachments)
    submissions = SubmissionService(services.db, clock, contacts, services.attachments)
    for n, (code, service, fields, fate) in enumerate(_REQUESTS):
        resident = residents[(4 + n * 3) % len(residents)]
        clock.moment = now - timedelta(days=6 - n, hours=2)
        services.consent.record_consent(desk, resident, ConsentInput("act_on_behalf", service, "verbal"))
        values = {k: (clock.moment + timedelta(days=v)).strftime("%d/%m/%Y") if k == "collection_date" else v
                  for k, v in fields.items()}
        receipt = submissions.submit(desk, ContactInput(resident, "face_to_face", service, "on_behalf", "resolved",
                                                        minutes=8), RequestInput(code, values))
        _what_happened(services, receipt.submission_id, fate, clock.moment, n)
    return len(_REQUESTS)


def _what_happened(services: Services, submission_id: int, fate, sent_at: datetime, n: int) -> None:
    with services.db.unit_of_work() as session:
        if fate == "refused":
            message = ("Refused (HTTP 422): This address has no general rubbish collection on that day; check the "
                       "collection day and the bin type.")
            session.execute(update(Submission).where(Submission.id == submission_id).values(
                state=SubmissionState.NEEDS_ATTENTION.value, attempts=1, last_attempt_at=sent_at,
                last_error=message))
            add_event(session, submission_id, sent_at + timedelta(minutes=1), SubmissionEventKind.REFUSED, "demo",
                      message)
            return
        if not fate:
            return
        reference = f"BO-26-{40_000 + n * 137}"
        accepted = sent_at + timedelta(minutes=1)
        session.execute(update(Submission).where(Submission.id == submission_id).values(
            state=SubmissionState.ACCEPTED.value, attempts=1, last_attempt_at=sent_at, accepted_at=accepted,
            back_office_reference=reference))
        add_event(session, submission_id, accepted, SubmissionEventKind.ACCEPTED, "demo",
                  f"Back-office reference {reference}")
        messages = {"received": "", "in_progress": "Passed to the crew for the next round",
                    "completed": "Collected on the next working day"}
        for step, status in enumerate(fate):
            at = accepted + timedelta(days=step, hours=1)
            add_event(session, submission_id, at, SubmissionEventKind.STATUS_CHANGED, "back office",
                      messages[status], status, change_id=f"demo-{submission_id}-{step}")
            session.execute(update(Submission).where(Submission.id == submission_id).values(
                back_office_status=status, back_office_status_at=at, back_office_message=messages[status]))


__all__ = ["load_demo_requests"]
