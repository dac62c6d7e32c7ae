"""Referrals on the resident's timeline: each referral with where it is now, and each step of its
closed loop (sent, accepted, attended...) with who recorded it and where the news came from.

Reasons, notes and the need can hold health and personal circumstances, so only staff who may
refer to partners see them; everyone else (desk staff, advocates) sees one line per referral:
"Referral to <organisation>: <status>"."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..core.security import Permission
from ..desk.timeline import TimelineContext, TimelineItem, register_timeline_source
from .partner_models import PartnerOrganisation, PartnerService
from .referral_models import Referral, ReferralEvent
from .referral_vocab import ReferralStatus, UpdateSource

REFERRAL = "referral"
REFERRAL_STATUS = "referral_status"
OPEN_REFERRAL = "referral"


def _join(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _referrals(context: TimelineContext) -> Iterable[TimelineItem]:
    session = context.session
    rows = session.scalars(select(Referral).where(Referral.resident_id == context.resident_id)).all()
    if not rows:
        return
    names = {sid: (service, organisation) for sid, service, organisation in session.execute(
        select(PartnerService.id, PartnerService.name, PartnerOrganisation.name)
        .join(PartnerOrganisation, PartnerOrganisation.id == PartnerService.organisation_id)
        .where(PartnerService.id.in_({r.service_id for r in rows}))).all()}
    by_id = {row.id: row for row in rows}
    actor = context.actor
    if actor is None or not actor.may(Permission.REFER_TO_PARTNERS):
        for row in rows:
            _service, organisation = names[row.service_id]
            yield TimelineItem(REFERRAL, row.created_at,
                               f"Referral to {organisation}: {ReferralStatus(row.status).label.lower()}", "",
                               row.reference, OPEN_REFERRAL, row.id)
        return
    for row in rows:
        service, organisation = names[row.service_id]
        status = ReferralStatus(row.status)
        now = status.label.lower() + (f" — {row.status_reason}" if row.status_reason else "")
        yield TimelineItem(REFERRAL, row.created_at, f"Referral: {service} ({organisation})",
                           f"now: {now} · by {row.created_by}", row.reference, OPEN_REFERRAL, row.id)
    events = session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id.in_(list(by_id)),
                                                         ReferralEvent.from_status != "")).all()
    for event in events:
        row = by_id[event.referral_id]
        service, organisation = names[row.service_id]
        status = ReferralStatus(event.to_status)
        yield TimelineItem(REFERRAL_STATUS, event.happened_at,
                           f"Referral {status.label.lower()}: {service} ({organisation})",
                           _join(UpdateSource(event.source).label, f"by {event.recorded_by}", event.reason,
                                 event.note),
                           row.reference, OPEN_REFERRAL, row.id)


register_timeline_source("referrals", _referrals)

__all__ = ["OPEN_REFERRAL", "REFERRAL", "REFERRAL_STATUS"]
