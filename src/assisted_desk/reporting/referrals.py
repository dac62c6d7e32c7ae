"""Referral outcomes: how many referrals were made, how far they got (sent, accepted, attended a
first session, completed), why they ended early, how long partners took, by partner, service,
site, team and need, repeats, and what is still waiting for news.

The cohort is the referrals *made* in the period (created on a London day from `since` to
`until`), except drafts withdrawn before they were ever sent: those were discarded, not made. A
draft not sent yet is made but not sent. Each referral is followed to today, whenever its steps
happened. A referral belongs to one service, so a re-routed one counts at the steps it reached
with its first service and ends there; the referral it was re-routed to is a new referral made,
on the day it was made, to the other service (so a partner's figures are its own). The repeats
table says how many of those made were re-routings, and they are not counted as repeat referrals.

Everything is counted by the database: one grouped statement per table (conditional SUMs).
Each count names the figure it is (`fact`: "all/made" in the funnel and every total row,
"partner:4/sent", "service:12/sent") and the report states the sums across tables (a partner's
figures are its services'; made = sent + drafts not sent yet; made = first referrals +
re-routings), so disclosure control protects the report as a whole."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Numeric, and_, case, cast, exists, func, literal_column, not_, or_, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from ..core.clock import LONDON, as_utc
from ..core.errors import NotFound
from ..core.models import Staff
from ..core.security import Permission, Role
from ..desk.models import Resident, ResidentEquality
from ..inclusion.framework import shipped_frameworks
from ..inclusion.partner_models import PartnerOrganisation, PartnerService
from ..inclusion.referral_measures import AWAITING, follow_up_days
from ..inclusion.referral_models import Referral, ReferralEvent
from ..inclusion.referral_vocab import ReferralStatus, ServiceOffer
from .model import (NOT_RECORDED, Cell, Chart, ChartKind, Column, Dimension, DrillList, Measure, Relation,
                    ReportKind, Row, Table)
from .sql import days_between, equality_group, london_midnight, percentile

if TYPE_CHECKING:
    from .service import ReportContext

_S = ReferralStatus
DRILL_LIMIT = 500
STEPS = (("made", "Referrals made"), ("sent", "Sent to the partner"), ("accepted", "Accepted by the partner"),
         ("attended", "Attended a first session"), ("completed", "Completed"))
NONE_KEY = "none"  # the row of referrals with no site, staff member... recorded
WORDS_ONLY = "words_only"  # no need from the lists in use: described in words (or with retired codes)
ALL = "all"  # the fact scope of the whole cohort: "all/made"
FACT_SCOPES = {"by_partner": "partner", "by_service": "service"}  # tables whose rows' counts are shown elsewhere
REASON = "reason:"  # declines and stops: row key = REASON + the reason as recorded
OPEN = (_S.DRAFT, _S.SENT, _S.ACCEPTED, _S.DID_NOT_ATTEND, _S.ATTENDED_FIRST_SESSION)
COHORT_NOTE = ("Referrals made from the first to the last day of the period (London time), not counting drafts "
               "withdrawn before they were sent; each is followed to today.")


def _step(key: str) -> ColumnElement[bool]:
    return {"made": true(), "sent": Referral.sent_at.is_not(None), "accepted": Referral.accepted_at.is_not(None),
            "attended": Referral.first_session_at.is_not(None),
            "completed": Referral.status == _S.COMPLETED.value}[key]


def _counted(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _step_counts() -> list:
    return [func.count(Referral.id), *[_counted(_step(k)) for k, _l in STEPS[1:]]]


def _percent(part: int, whole: int, numerator: str) -> Cell:
    return Cell(100.0 * part / whole if whole else None, Measure.PERCENT, base=whole, numerator=numerator)


def _needs() -> list[tuple[str, str]]:
    return ([(area.code, area.title) for area in shipped_frameworks().current().areas]
            + [(offer.value, offer.label) for offer in ServiceOffer])


def _need(code: str) -> ColumnElement[bool]:
    if code == WORDS_ONLY:  # the figure's rule (_named_needs), in SQL
        return not_(or_(*[_need(known) for known, _l in _needs()]))
    return Referral.need_areas.contains(f'"{code}"', autoescape=True)


def _named_needs(text: str | None, codes) -> set[str]:
    """The codes of `codes` a referral's need list names, found as _need finds them in SQL (so a
    figure and its drill-down list agree); {WORDS_ONLY} when it names none of them."""
    return {code for code in codes if f'"{code}"' in (text or "")} or {WORDS_ONLY}


class ReferralReport:
    kind = ReportKind.REFERRALS
    title = ReportKind.REFERRALS.label
    drill_permission = Permission.REFER_TO_PARTNERS

    # ---- the cohort and its groupings -----------------------------------------------------------

    @staticmethod
    def _cohort(context: ReportContext) -> list[ColumnElement[bool]]:
        request = context.request
        made = [Referral.created_at >= london_midnight(request.since),
                Referral.created_at < london_midnight(request.until + timedelta(days=1)),
                not_(and_(Referral.sent_at.is_(None), Referral.status == _S.WITHDRAWN.value))]
        if request.site_ids:
            made.append(Referral.site_id.in_(request.site_ids))
        if request.partner_ids:
            made.append(PartnerService.organisation_id.in_(request.partner_ids))
        return made

    def _select(self, context: ReportContext, *columns):
        return (select(*columns).select_from(Referral)
                .join(PartnerService, PartnerService.id == Referral.service_id).where(*self._cohort(context)))

    # ---- building ---------------------------------------------------------------------------------

    def build(self, session: Session, context: ReportContext) -> Iterator[str | Table | Relation]:
        yield "Counting the funnel…"
        days = follow_up_days(context.settings)
        # One pass grouped by status and need list (a few hundred groups) feeds the funnel, the
        # needs and the waiting list; one grouped by service, site and team feeds those four tables.
        by_status = [(status, needs, [int(v) for v in counts]) for status, needs, *counts in session.execute(
            self._select(context, Referral.status, Referral.need_areas, *_step_counts(),
                         _counted(Referral.last_update_at < context.now - timedelta(days=days)),
                         _counted(Referral.rerouted_from_id.is_not(None)))
            .group_by(Referral.status, Referral.need_areas)).all()]
        yield self._funnel(by_status)
        yield "Counting declines and stops by reason…"
        yield from self._reasons(session, context)
        yield "Measuring days to acceptance and first session…"
        yield self._timing(session, context)
        yield "Counting referrals by partner, service, site and team…"
        yield from self._by_groups(session, context)
        yield "Counting referrals by need…"
        yield self._by_need(by_status)
        yield "Counting repeat referrals…"
        yield self._repeats(session, context, sum(c[-1] for _s, _n, c in by_status))
        yield Relation((_fact(ALL, "first_made"), _fact(ALL, "rerouted")), _fact(ALL, "made"))
        yield "Finding referrals still waiting for an update…"
        yield self._waiting(by_status, days)
        yield from self._unsent_relation(by_status)
        if context.request.breakdown is not None:
            yield f"Counting referrals by {context.request.breakdown.label.lower()}…"
            group = equality_group(context.request.breakdown)
            found = {value: [int(v) for v in counts] for value, *counts in session.execute(
                self._select(context, group, *_step_counts())
                .outerjoin(ResidentEquality, ResidentEquality.resident_id == Referral.resident_id)
                .group_by(group)).all()}
            yield self._group_table(f"equality_{context.request.breakdown.value}", found, {v: v for v in found})

    def _funnel(self, by_status: list) -> Table:
        counts = [sum(c[n] for _s, _n, c in by_status) for n in range(len(STEPS))]
        rows = []
        for n, (key, label) in enumerate(STEPS):
            rows.append(Row(key, label, {
                "count": Cell(counts[n], drill=True, fact=_fact(ALL, key)),
                "conversion": (_percent(counts[n], counts[n - 1], "count") if n
                               else Cell(None, Measure.PERCENT)),
                "of_made": _percent(counts[n], counts[0], "count")}))
        columns = (Column("count", "Referrals", chart=True),
                   Column("conversion", "From the step before", Measure.PERCENT),
                   Column("of_made", "Of referrals made", Measure.PERCENT))
        note = (f"{COHORT_NOTE} Each step counts the referrals that reached it; the percentage from the step "
                "before is this step's count over the one above. A referral re-routed to another service counts at "
                "the steps it reached before it was re-routed; the new referral counts as made on the day it was "
                "made. How many of the referrals made were re-routings is in the repeat referrals table.")
        return Table("funnel", "From referral to completion", "Step", columns, rows, note=note,
                     chart=Chart(ChartKind.FUNNEL, "Referrals at each step", ("count",)))

    def _reasons(self, session: Session, context: ReportContext) -> Iterator[Table]:
        reason = func.trim(ReferralEvent.reason)
        found = session.execute(
            self._select(context, ReferralEvent.to_status, reason, func.count(Referral.id))
            .join(ReferralEvent, and_(ReferralEvent.referral_id == Referral.id,
                                      ReferralEvent.to_status.in_([_S.DECLINED.value, _S.STOPPED.value])))
            .group_by(ReferralEvent.to_status, reason)).all()
        for key, status, title, note in (
                ("declines", _S.DECLINED, "Declines by reason",
                 "Referrals made in the period that the partner declined, by the reason recorded."),
                ("stops", _S.STOPPED, "Stops by reason",
                 "Referrals made in the period that stopped after acceptance (the place given up after a missed or "
                 "attended session), by the reason recorded. Withdrawals are not counted here.")):
            mine = sorted(((text or "", int(n)) for to, text, n in found if to == status.value),
                          key=lambda pair: (-pair[1], pair[0].casefold()))
            rows = [Row(REASON + text, text or "No reason recorded", {"count": Cell(n, drill=True)})
                    for text, n in mine]
            total = Row("total", "Total", {"count": Cell(sum(n for _t, n in mine), drill=True)})
            yield Table(key, title, "Reason", (Column("count", "Referrals"),), rows, total=total,
                        rows_partition=True, note=f"{note} {COHORT_NOTE}")

    def _timing(self, session: Session, context: ReportContext) -> Table:
        rows = []
        for key, label, moment in (("to_acceptance", "Sent to accepted", Referral.accepted_at),
                                   ("to_first_session", "Sent to first session", Referral.first_session_at)):
            days = func.round(cast(days_between(moment, Referral.sent_at), Numeric), literal_column("1"))
            histogram = [(max(0.0, float(value)), int(n)) for value, n in session.execute(
                self._select(context, days, func.count(Referral.id))
                .where(moment.is_not(None), Referral.sent_at.is_not(None)).group_by(days)).all()
                if value is not None]
            measured = sum(n for _v, n in histogram)
            median, p90 = percentile(histogram, 0.5), percentile(histogram, 0.9)
            rows.append(Row(key, label, {
                "measured": Cell(measured),
                "median": Cell(None if median is None else round(median, 1), Measure.DAYS, base=measured),
                "p90": Cell(None if p90 is None else round(p90, 1), Measure.DAYS, base=measured)}))
        columns = (Column("measured", "Referrals measured"), Column("median", "Median", Measure.DAYS),
                   Column("p90", "90th percentile", Measure.DAYS))
        return Table("timing", "Days from sending to acceptance and first session", "Measure", columns, rows,
                     note=("Days from the moment a referral was sent to the partner, for the referrals made in the "
                           "period that were accepted (or attended a first session) by today, each rounded to a "
                           "tenth of a day. The 90th percentile: nine in ten took this long or less. "
                           + COHORT_NOTE))

    def _by_groups(self, session: Session, context: ReportContext) -> Iterator[Table]:
        found = [(service, site, role, [int(v) for v in counts]) for service, site, role, *counts in session.execute(
            self._select(context, Referral.service_id, Referral.site_id, Staff.role, *_step_counts())
            .outerjoin(Staff, Staff.id == Referral.staff_id)
            .group_by(Referral.service_id, Referral.site_id, Staff.role)).all()]
        services = {sid: (name, org, org_name) for sid, name, org, org_name in session.execute(
            select(PartnerService.id, PartnerService.name, PartnerService.organisation_id, PartnerOrganisation.name)
            .join(PartnerOrganisation, PartnerOrganisation.id == PartnerService.organisation_id)
            .where(PartnerService.id.in_({f[0] for f in found}))).all()} if found else {}
        for key, pick, labels in (
                ("by_partner", lambda f: services[f[0]][1], {s[1]: s[2] for s in services.values()}),
                ("by_service", lambda f: f[0], {sid: f"{s[0]} ({s[2]})" for sid, s in services.items()}),
                ("by_site", lambda f: f[1], context.site_names),
                ("by_team", lambda f: f[2], {r.value: r.label for r in Role})):
            groups: dict = {}
            for row in found:
                into = groups.setdefault(pick(row), [0] * len(STEPS))
                for n, value in enumerate(row[3][:len(STEPS)]):
                    into[n] += value
            yield self._group_table(key, groups, labels)
        by_partner: dict[int, list[int]] = {}
        for service, (_name, partner, _partner_name) in services.items():
            by_partner.setdefault(partner, []).append(service)
        for partner, own in sorted(by_partner.items()):  # a partner's counts are the sum of its services'
            for step, _label in STEPS:
                yield Relation(tuple(_fact(f"service:{s}", step) for s in sorted(own)), _fact(f"partner:{partner}", step))

    def _group_table(self, key: str, found: dict, labels: dict) -> Table:
        equality = key.startswith("equality")
        roles = [r.value for r in Role]

        def order(item):
            value, counts = item
            if key == "by_team":
                return (value is None, roles.index(value) if value in roles else len(roles))
            if key in ("by_partner", "by_service"):
                return (value is None, -counts[0], str(labels.get(value, value)).casefold())
            return (value is None or value == NOT_RECORDED, str(labels.get(value, value)).casefold())

        scope = FACT_SCOPES.get(key)
        rows = [self._counts_row(NONE_KEY if value is None else str(value),
                                 NOT_RECORDED if value is None else str(labels.get(value, value)), counts, not equality,
                                 f"{scope}:{value}" if scope and value is not None else "")
                for value, counts in sorted(found.items(), key=order)]
        totals = [sum(c[n] for c in found.values()) for n in range(len(STEPS))]
        title, heading, note = {
            "by_partner": ("Referrals by partner", "Partner", ""),
            "by_service": ("Referrals by service", "Service", ""),
            "by_site": ("Referrals by site", "Site", "The site is where the referral was made."),
            "by_team": ("Referrals by referring staff team", "Team",
                        "The team is the role of the staff member who made the referral.")}.get(
            key, ("Referrals by equality group", "Group",
                  "Groups are the residents' own equality monitoring answers; \"Not recorded\" when they gave none "
                  "or were never asked."))
        if equality:
            dimension = Dimension(key.removeprefix("equality_"))
            title, heading = f"Referrals by {dimension.label.lower()}", dimension.label
        note = (f"{note} Acceptance is accepted over sent; attendance is attended a first session over accepted. "
                f"{COHORT_NOTE}").strip()
        return self._counts_table(key, title, heading, rows, totals, note, partition=True, drill=not equality)

    @staticmethod
    def _counts_row(key: str, label: str, counts: Sequence[int], drill: bool, scope: str = "") -> Row:
        cells = {k: Cell(counts[n], drill=drill, fact=_fact(scope, k)) for n, (k, _l) in enumerate(STEPS)}
        cells["acceptance"] = _percent(counts[2], counts[1], "accepted")
        cells["attendance"] = _percent(counts[3], counts[2], "attended")
        return Row(key, label, cells)

    def _counts_table(self, key: str, title: str, heading: str, rows: list[Row], totals: Sequence[int], note: str,
                      *, partition: bool, drill: bool) -> Table:
        columns = (*[Column(k, label.replace("Referrals made", "Made"), chart=(k == "made")) for k, label in STEPS],
                   Column("acceptance", "Acceptance", Measure.PERCENT),
                   Column("attendance", "Attendance", Measure.PERCENT))
        return Table(key, title, heading, columns, rows, total=self._counts_row("total", "Total", totals, drill, ALL),
                     rows_partition=partition, note=note,
                     chart=Chart(ChartKind.BAR, f"{title}: made", ("made",)))

    def _by_need(self, by_status: list) -> Table:
        listed = _needs()
        needs = [*listed, (WORDS_ONLY, "Described in words only (or needs no longer listed)")]
        counted = {code: [0] * len(STEPS) for code, _l in needs}
        known = [code for code, _l in listed]
        for _status, text, counts in by_status:  # a few hundred distinct need lists
            for code in _named_needs(text, known):
                counted[code] = [a + b for a, b in zip(counted[code], counts)]
        totals = [sum(c[n] for _s, _t, c in by_status) for n in range(len(STEPS))]
        rows = [self._counts_row(code, label, counted[code], True) for code, label in needs]
        return self._counts_table(
            "by_need", "Referrals by need", "Need", rows, totals,
            "A referral can name several needs (skill areas and what partners offer), so it counts in each of them "
            "and the rows do not add up to the total. A referral naming none of today's needs counts as described "
            "in words only. Acceptance is accepted over sent; attendance is attended a first session over "
            f"accepted. {COHORT_NOTE}", partition=False, drill=True)

    def _repeats(self, session: Session, context: ReportContext, rerouted: int) -> Table:
        first = Referral.rerouted_from_id.is_(None)
        per_resident = self._select(
            context, Referral.resident_id.label("resident_id"), _counted(first).label("heads"),
            func.min(case((first, Referral.created_at))).label("first_at")).group_by(Referral.resident_id).subquery()
        earlier = aliased(Referral)
        # Every head after a resident's first in the period has an earlier referral; the first one
        # has when any referral of theirs (not a discarded draft) was made before it.
        before = exists().where(earlier.resident_id == per_resident.c.resident_id,
                                earlier.created_at < per_resident.c.first_at,
                                not_(and_(earlier.sent_at.is_(None), earlier.status == _S.WITHDRAWN.value)))
        residents, made, repeats, twice = session.execute(select(
            func.count(), func.coalesce(func.sum(per_resident.c.heads), 0),
            func.coalesce(func.sum(case((per_resident.c.heads > 0, per_resident.c.heads - 1), else_=0)), 0)
            + _counted(and_(per_resident.c.heads > 0, before)),
            _counted(per_resident.c.heads >= 2)).select_from(per_resident)).one()
        residents, made, repeats, twice = int(residents), int(made), int(repeats), int(twice)
        rows = [Row("residents", "Residents referred", {"count": Cell(residents), "share": Cell(None, Measure.PERCENT)}),
                Row("repeat_residents", "Residents referred more than once in the period",
                    {"count": Cell(twice), "share": _percent(twice, residents, "count")}),
                Row("referrals", "Referrals made (re-routings not counted)",
                    {"count": Cell(made, fact=_fact(ALL, "first_made")), "share": Cell(None, Measure.PERCENT)}),
                Row("repeat_referrals", "Referrals for a resident referred before",
                    {"count": Cell(repeats), "share": _percent(repeats, made, "count")}),
                Row("rerouted", "Re-routings of an earlier referral (made, not counted above)",
                    {"count": Cell(rerouted, fact=_fact(ALL, "rerouted")), "share": Cell(None, Measure.PERCENT)})]
        return Table("repeats", "Repeat referrals", "Measure",
                     (Column("count", "Count"), Column("share", "Share", Measure.PERCENT)), rows,
                     note=("A repeat referral is one made for a resident who already had an earlier referral (to any "
                           "partner, from any site, in or before the period). A re-routing continues the referral it "
                           "replaced, so it is neither a new referral here nor a repeat; the re-routings are counted on a row "
                           "of their own. The share of residents is "
                           "over the residents referred; of referrals, over the referrals made. " + COHORT_NOTE))

    @staticmethod
    def _unsent(by_status: list) -> tuple[int, int]:
        """Referrals made but not sent (made − sent), and drafts (the waiting table's draft row)."""
        unsent = sum(c[0] - c[1] for _s, _n, c in by_status)
        return unsent, sum(c[0] for s, _n, c in by_status if s == _S.DRAFT.value)

    def _unsent_relation(self, by_status: list) -> Iterator[Relation]:
        # A referral leaves draft only by being sent or withdrawn (referral_vocab.ALLOWED), and the
        # cohort leaves out drafts withdrawn unsent: the drafts are exactly those made and not sent.
        # Only said when the counts show it (a record mended by hand could break it).
        unsent, drafts = self._unsent(by_status)
        if unsent == drafts:
            yield Relation((_fact(ALL, "sent"), _fact(ALL, "unsent")), _fact(ALL, "made"))

    def _waiting(self, by_status: list, days: int) -> Table:
        found: dict[str, list[int]] = {}
        for status, _needs_text, counts in by_status:
            into = found.setdefault(status, [0, 0])
            into[0], into[1] = into[0] + counts[0], into[1] + counts[len(STEPS)]
        unsent, drafts = self._unsent(by_status)
        named = {_S.DRAFT: _fact(ALL, "unsent")} if unsent == drafts else {}
        rows = [Row(s.value, f"{s.label}: {AWAITING[s]}",
                    {"open": Cell(found.get(s.value, [0, 0])[0], drill=True, fact=named.get(s, "")),
                     "waiting": Cell(found.get(s.value, [0, 0])[1], drill=True)})
                for s in OPEN]
        total = Row("total", "Total", {"open": Cell(sum(r.cells["open"].value for r in rows), drill=True),
                                       "waiting": Cell(sum(r.cells["waiting"].value for r in rows), drill=True)})
        columns = (Column("open", "Still open"),
                   Column("waiting", f"No update for more than {days} days"))  # some of "open", not a part
        return Table("waiting", "Referrals still waiting for an update", "Where it is", columns, rows, total=total,
                     rows_partition=True,
                     note=(f"Referrals made in the period that are still open today, by the step they wait at; those "
                           f"with no update for more than {days} days (the follow-up setting) need chasing. "
                           + COHORT_NOTE))

    # ---- drill-down ---------------------------------------------------------------------------------

    def drill(self, session: Session, context: ReportContext, table: str, row: str, column: str) -> DrillList:
        """The referrals behind one count; NotFound for a figure with no list, or none behind it."""
        try:
            conditions, what = self._drill_conditions(context, table, row, column)
        except (KeyError, ValueError):
            raise NotFound("There is no list of referrals behind that figure.") from None
        query = (self._select(context, Referral.reference, Resident.given_name, Resident.family_name,
                              PartnerService.name, PartnerOrganisation.name, Referral.status, Referral.created_at,
                              Referral.last_update_at)
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
            return [_step(row)], steps[row].lower()
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
            conditions = [_step(column)]
            if row != "total":
                conditions.append(self._group_condition(table, row))
            return conditions, f"{steps[column].lower()}, {table.removeprefix('by_')} {row}"
        raise KeyError(table)

    def _group_condition(self, table: str, row: str) -> ColumnElement[bool]:
        if table == "by_need":
            if row != WORDS_ONLY and row not in dict(_needs()):
                raise KeyError(row)
            return _need(row)
        group = {"by_partner": PartnerService.organisation_id, "by_service": Referral.service_id,
                 "by_site": Referral.site_id, "by_team": Staff.role}[table]
        if row == NONE_KEY:
            return group.is_(None)
        if table == "by_team":
            return group == Role(row).value
        return group == int(row)


def _fact(scope: str, key: str) -> str:
    """The name of a count wherever it is shown ("all/made", "partner:4/sent"); "" without a scope."""
    return f"{scope}/{key}" if scope else ""


def _day(moment) -> str:
    return f"{as_utc(moment).astimezone(LONDON):%d/%m/%Y}" if moment is not None else ""


def _moment(moment) -> str:
    return f"{as_utc(moment).astimezone(LONDON):%d/%m/%Y %H:%M}" if moment is not None else ""
