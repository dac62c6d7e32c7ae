"""Following referrals up, and how partners answer them: the coordinator's follow-up list (no news
for too long, or refused by a partner's system) and each partner's measured responsiveness,
counted from our own referral rows. ReferralService's methods of the same names use these."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..core.clock import as_utc
from ..core.settings import SettingsService
from ..desk.contact_details import show_phone
from .partner_models import PartnerOrganisation, PartnerService
from .referral_content import partner_address
from .referral_models import Referral, ReferralEvent
from .referral_vocab import DeliveryState, ReferralMethod, ReferralStatus

if TYPE_CHECKING:
    from .referrals import ReferralRecord

__all__ = [
    "AWAITING", "DEFAULT_FOLLOW_UP_DAYS", "FOLLOW_UP_DAYS", "MAX_FOLLOW_UP_DAYS", "FollowUp", "Responsiveness",
    "follow_up_days", "follow_ups", "grouped_responsiveness", "measure", "measured_rows",
]

FOLLOW_UP_DAYS = "referral_follow_up_days"  # shared setting: days without news before a referral is chased
DEFAULT_FOLLOW_UP_DAYS = 14
DRAFT_FOLLOW_UP = timedelta(days=1)  # a draft left unsent this long (a consent refusal...) is chased
MAX_FOLLOW_UP_DAYS = 180

AWAITING = {
    ReferralStatus.DRAFT: "draft not sent yet",
    ReferralStatus.SENT: "waiting for the partner to accept",
    ReferralStatus.ACCEPTED: "waiting to hear if they attended",
    ReferralStatus.DID_NOT_ATTEND: "waiting to hear if they rebooked or gave up the place",
    ReferralStatus.ATTENDED_FIRST_SESSION: "waiting to hear if they completed",
}


@dataclass(frozen=True)
class FollowUp:
    """A referral someone should chase: no news for too long, or refused by the partner's system."""

    referral: ReferralRecord
    days_waiting: int  # whole days since the last update
    awaiting: str  # "waiting for the partner to accept", or what went wrong
    refused_by_system: bool  # the partner's API refused it: staff must send it another way or re-route
    partner_phone: str = ""  # the partner's number for referrals, as shown ("020 7946 0123"), or ""
    partner_email: str = ""  # the partner's email address for referrals, or ""


@dataclass(frozen=True)
class Responsiveness:
    """How a partner answers referrals, measured from our own referral rows. Each figure comes with
    the counts behind it: None means no data yet, which is not the same as 0%."""

    referrals_sent: int
    median_days_to_accept: float | None  # from sent to accepted, over `accepted_with_dates` referrals
    accepted_with_dates: int
    accepted: int
    declined: int
    attended: int  # attended a first session
    did_not_attend: int  # missed the first session and never attended

    @property
    def acceptance_rate(self) -> float | None:
        decided = self.accepted + self.declined
        return self.accepted / decided if decided else None

    @property
    def attendance_rate(self) -> float | None:
        known = self.attended + self.did_not_attend
        return self.attended / known if known else None


def follow_up_days(settings: SettingsService) -> int:
    """Days without news after which an open referral appears on the follow-up list (default 14)."""
    value = settings.read(FOLLOW_UP_DAYS)
    try:
        days = int(value) if value is not None else DEFAULT_FOLLOW_UP_DAYS
    except ValueError:
        return DEFAULT_FOLLOW_UP_DAYS
    return days if 1 <= days <= MAX_FOLLOW_UP_DAYS else DEFAULT_FOLLOW_UP_DAYS


def follow_ups(session: Session, now: datetime, days: int,
               records: Callable[[Session, Sequence[Referral]], Sequence[ReferralRecord]]) -> tuple[FollowUp, ...]:
    """Open referrals with no update for more than `days`, drafts left unsent for more than a day,
    and referrals a partner's system refused, refused first, then longest waiting, each with the
    partner's phone and email; `records` turns rows into read models."""
    cutoff = now - timedelta(days=days)
    open_statuses = [s.value for s in ReferralStatus if not s.is_closed]
    stale = session.scalars(select(Referral).where(or_(
        and_(Referral.status.in_(open_statuses), Referral.last_update_at < cutoff),
        and_(Referral.status == ReferralStatus.DRAFT.value, Referral.last_update_at < now - DRAFT_FOLLOW_UP)))).all()
    refused = session.scalars(select(Referral).where(Referral.delivery_state == DeliveryState.REFUSED.value,
                                                     Referral.status == ReferralStatus.SENT.value)).all()
    rows = list({row.id: row for row in [*stale, *refused]}.values())
    services = {s.id: s for s in session.scalars(select(PartnerService).where(
        PartnerService.id.in_({row.service_id for row in rows})))} if rows else {}
    organisations = {o.id: o for o in session.scalars(select(PartnerOrganisation).where(
        PartnerOrganisation.id.in_({s.organisation_id for s in services.values()})))} if services else {}
    items = []
    for record in records(session, rows):
        refused_now = record.delivery_state == DeliveryState.REFUSED and record.status == ReferralStatus.SENT
        if refused_now:
            awaiting = (f"the partner's system refused it ({record.last_error or 'no reason given'}): send it "
                        "another way, or re-route it")
        else:
            awaiting = AWAITING[record.status]
        service = services[record.service_id]
        organisation = organisations[service.organisation_id]
        items.append(FollowUp(record, max(0, (now - as_utc(record.last_update_at)).days), awaiting, refused_now,
                              show_phone(partner_address(ReferralMethod.PHONE, service, organisation)),
                              partner_address(ReferralMethod.EMAIL, service, organisation)))
    items.sort(key=lambda f: (not f.refused_by_system, -f.days_waiting, f.referral.id))
    return tuple(items)


def measured_rows(session: Session, *, service_id: int | None = None,
                  organisation_id: int | None = None) -> list[tuple]:
    """One tuple per sent referral: (id, service id, organisation id, sent, accepted, declined,
    first session, ever missed a first session)."""
    query = (select(Referral.id, Referral.service_id, PartnerService.organisation_id, Referral.sent_at,
                    Referral.accepted_at, Referral.declined_at, Referral.first_session_at)
             .join(PartnerService, PartnerService.id == Referral.service_id)
             .where(Referral.sent_at.is_not(None)))
    if service_id is not None:
        query = query.where(Referral.service_id == service_id)
    if organisation_id is not None:
        query = query.where(PartnerService.organisation_id == organisation_id)
    rows = [tuple(r) for r in session.execute(query).all()]
    missed = set(session.scalars(select(ReferralEvent.referral_id).where(
        ReferralEvent.to_status == ReferralStatus.DID_NOT_ATTEND.value)).all())
    return [(*row, row[0] in missed) for row in rows]


def measure(rows: Sequence[tuple]) -> Responsiveness:
    days = [(as_utc(accepted) - as_utc(sent)).total_seconds() / 86400
            for _id, _s, _o, sent, accepted, _d, _f, _m in rows if accepted is not None and sent is not None]
    accepted = sum(1 for row in rows if row[4] is not None)
    declined = sum(1 for row in rows if row[5] is not None and row[4] is None)
    attended = sum(1 for row in rows if row[6] is not None)
    missed = sum(1 for row in rows if row[7] and row[6] is None)
    median = round(max(0.0, statistics.median(days)), 1) if days else None
    return Responsiveness(len(rows), median, len(days), accepted, declined, attended, missed)


def grouped_responsiveness(rows: Sequence[tuple], key: int) -> dict[int, Responsiveness]:
    """Responsiveness per service (key 1) or per organisation (key 2)."""
    groups: dict[int, list[tuple]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return {k: measure(v) for k, v in groups.items()}
