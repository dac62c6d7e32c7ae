"""The referral report's drill-down: the referrals behind one of its figures, found by the same
rules in SQL that counted them (referrals_counts.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..core.clock import LONDON, as_utc
from ..core.errors import NotFound
from ..core.models import Staff
from ..core.security import Role
from ..desk.models import Resident
from ..inclusion.partner_models import PartnerOrganisation, PartnerService
from ..inclusion.referral_measures import follow_up_days
from ..inclusion.referral_models import Referral, ReferralEvent
from ..inclusion.referral_vocab import ReferralStatus
from .model import DrillList
from .referrals_counts import NONE_KEY, OPEN, REASON, STEPS, WORDS_ONLY, cohort, need, needs, step

if TYPE_CHECKING:
    from .service import ReportContext

_S = ReferralStatus
DRILL_LIMIT = 500


class ReferralDrill:
    """The drill-down half of ReferralReport."""

    def drill(self, session: Session, context: ReportContext, table: str, row: str, column: str) -> DrillList:
        """The referrals behind one count; NotFound for a figure with no list, or none behind it."""
        try:
            conditions, what = self._drill_conditions(context, table, row, column)
        except (KeyError, ValueError):
            raise NotFound("There is no list of referrals behind that figure.") from None
        query = (select(Referral.reference, Resident.given_name, Resident.family_name, PartnerService.name,
                        PartnerOrganisation.name, Referral.status, Referral.created_at, Referral.last_update_at)
                 .select_from(Referral).join(PartnerService, PartnerService.id == Referral.service_id)
                 .where(*cohort(context))
                 .join(Resident, Resident.id == Referral.resident_id)
                 .join(PartnerOrganisation, PartnerOrganisation.id == PartnerService.organisation_id)
                 .where(*conditions).order_by(Referral.created_at, Referral.id).limit(DRILL_LIMIT + 1))
        if table == "by_team":
            query = query.outerjoin(Staff, Staff.id == Referral.staff_id)
        found = session.execute(query).all()
        if not found:
            raise NotFound(f"No referrals are behind that figure ({what}).")
        rows = tuple((reference, f"{given} {family}".strip(), f"{service} ({organisation})", _S(status).label,
                      _day(made), _moment(updated))
                     for reference, given, family, service, organisation, status, made, updated in found[:DRILL_LIMIT])
        return DrillList(f"Referrals: {what}",
                         ("Reference", "Resident", "Partner service", "Status", "Made on", "Last update"),
                         rows, tuple(r[0] for r in rows), truncated=len(found) > DRILL_LIMIT)

    def _drill_conditions(self, context: ReportContext, table: str, row: str, column: str):
        steps = dict(STEPS)
        if table == "funnel" and column == "count":
            return [step(row)], steps[row].lower()
        if table in ("declines", "stops") and column == "count":
            status = _S.DECLINED if table == "declines" else _S.STOPPED
            event = [ReferralEvent.to_status == status.value]
            if row != "total":
                if not row.startswith(REASON):
                    raise KeyError(row)
                event.append(func.trim(ReferralEvent.reason) == row.removeprefix(REASON))
            reason = row.removeprefix(REASON) if row != "total" else "any reason"
            return ([Referral.id.in_(select(ReferralEvent.referral_id).where(*event))],
                    f"{status.label.lower()}, {reason or 'no reason recorded'}")
        if table == "waiting" and column in ("open", "waiting"):
            statuses = [s.value for s in OPEN] if row == "total" else [_S(row).value]
            if row != "total" and _S(row) not in OPEN:
                raise KeyError(row)
            conditions = [Referral.status.in_(statuses)]
            if column == "waiting":
                days = follow_up_days(context.settings)
                conditions.append(Referral.last_update_at < context.now - timedelta(days=days))
            return conditions, f"still open{', no recent update' if column == 'waiting' else ''}"
        if (table.startswith("by_") and not table.startswith("equality")) and column in steps:
            conditions = [step(column)]
            if row != "total":
                conditions.append(self._group_condition(table, row))
            return conditions, f"{steps[column].lower()}, {table.removeprefix('by_')} {row}"
        raise KeyError(table)

    def _group_condition(self, table: str, row: str) -> ColumnElement[bool]:
        if table == "by_need":
            if row != WORDS_ONLY and row not in dict(needs()):
                raise KeyError(row)
            return need(row)
        group = {"by_partner": PartnerService.organisation_id, "by_service": Referral.service_id,
                 "by_site": Referral.site_id, "by_team": Staff.role}[table]
        if row == NONE_KEY:
            return group.is_(None)
        if table == "by_team":
            return group == Role(row).value
        return group == int(row)


def _day(moment) -> str:
    return f"{as_utc(moment).astimezone(LONDON):%d/%m/%Y}" if moment is not None else ""


def _moment(moment) -> str:
    return f"{as_utc(moment).astimezone(LONDON):%d/%m/%Y %H:%M}" if moment is not None else ""
