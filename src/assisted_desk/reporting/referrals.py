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

Everything is counted by the database, in one statement (referrals_counts.py): the cohort is
read once and grouped as each table shows it. Each count names the figure it is (`fact`: "all/made"
in the funnel and every total row, "partner:4/sent", "service:12/sent") and the report states the
sums across tables (a partner's figures are its services'; made = sent + drafts not sent yet; made
= first referrals + re-routings), so disclosure control protects the report as a whole. The
drill-down is in referrals_drill.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.security import Permission, Role
from ..inclusion.partner_models import PartnerOrganisation, PartnerService
from ..inclusion.referral_measures import AWAITING, follow_up_days
from ..inclusion.referral_vocab import ReferralStatus
from .model import NOT_RECORDED, Cell, Chart, ChartKind, Column, Dimension, Measure, Relation, ReportKind, Row, Table
from .referrals_counts import NONE_KEY, OPEN, REASON, STEPS, TIMINGS, WORDS_ONLY, Counts, count, named_needs, needs
from .referrals_drill import DRILL_LIMIT, ReferralDrill
from .sql import percentile

if TYPE_CHECKING:
    from .service import ReportContext

__all__ = ["DRILL_LIMIT", "ReferralReport"]

_S = ReferralStatus
ALL = "all"  # the fact scope of the whole cohort: "all/made"
FACT_SCOPES = {"by_partner": "partner", "by_service": "service"}  # tables whose rows' counts are shown elsewhere
COHORT_NOTE = ("Referrals made from the first to the last day of the period (London time), not counting drafts "
               "withdrawn before they were sent; each is followed to today.")


def _percent(part: int, whole: int, numerator: str) -> Cell:
    return Cell(100.0 * part / whole if whole else None, Measure.PERCENT, base=whole, numerator=numerator)


class ReferralReport(ReferralDrill):
    kind = ReportKind.REFERRALS
    title = ReportKind.REFERRALS.label
    drill_permission = Permission.REFER_TO_PARTNERS

    # ---- building ---------------------------------------------------------------------------------

    def build(self, session: Session, context: ReportContext) -> Iterator[str | Table | Relation]:
        yield "Counting the funnel…"
        days = follow_up_days(context.settings)
        counts = count(session, context, days)  # every table's counts, from one statement: the rest is quick
        yield self._funnel(counts)
        yield "Counting declines and stops by reason…"
        yield from self._reasons(counts)
        yield "Measuring days to acceptance and first session…"
        yield self._timing(counts)
        yield "Counting referrals by partner, service, site and team…"
        yield from self._by_groups(session, context, counts)
        yield "Counting referrals by need…"
        yield self._by_need(counts)
        yield "Counting repeat referrals…"
        yield self._repeats(counts)
        yield Relation((_fact(ALL, "first_made"), _fact(ALL, "rerouted")), _fact(ALL, "made"))
        yield "Finding referrals still waiting for an update…"
        yield self._waiting(counts, days)
        yield from self._unsent_relation(counts)
        if context.request.breakdown is not None:
            yield f"Counting referrals by {context.request.breakdown.label.lower()}…"
            found = counts.equality
            yield self._group_table(f"equality_{context.request.breakdown.value}", found, {v: v for v in found})

    def _funnel(self, found: Counts) -> Table:
        counts = found.funnel
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

    def _reasons(self, counts: Counts) -> Iterator[Table]:
        for key, status, title, note in (
                ("declines", _S.DECLINED, "Declines by reason",
                 "Referrals made in the period that the partner declined, by the reason recorded."),
                ("stops", _S.STOPPED, "Stops by reason",
                 "Referrals made in the period that stopped after acceptance (the place given up after a missed or "
                 "attended session), by the reason recorded. Withdrawals are not counted here.")):
            mine = sorted(counts.reasons.get(status.value, []), key=lambda pair: (-pair[1], pair[0].casefold()))
            rows = [Row(REASON + text, text or "No reason recorded", {"count": Cell(n, drill=True)})
                    for text, n in mine]
            total = Row("total", "Total", {"count": Cell(sum(n for _t, n in mine), drill=True)})
            yield Table(key, title, "Reason", (Column("count", "Referrals"),), rows, total=total,
                        rows_partition=True, note=f"{note} {COHORT_NOTE}")

    def _timing(self, counts: Counts) -> Table:
        rows = []
        for key, label in zip(TIMINGS, ("Sent to accepted", "Sent to first session")):
            histogram = counts.timing.get(key, [])  # each to a tenth of a day, none below 0
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

    def _by_groups(self, session: Session, context: ReportContext, counts: Counts) -> Iterator[Table]:
        found = counts.by_service
        services = {sid: (name, org, org_name) for sid, name, org, org_name in session.execute(
            select(PartnerService.id, PartnerService.name, PartnerService.organisation_id, PartnerOrganisation.name)
            .join(PartnerOrganisation, PartnerOrganisation.id == PartnerService.organisation_id)
            .where(PartnerService.id.in_(list(found)))).all()} if found else {}
        by_partner: dict[int, list[int]] = {}  # a partner's counts are the sum of its services'
        services_of: dict[int, list[int]] = {}
        for service, service_counts in found.items():
            partner = services[service][1]
            services_of.setdefault(partner, []).append(service)
            into = by_partner.setdefault(partner, [0] * len(STEPS))
            into[:] = [a + b for a, b in zip(into, service_counts)]
        for key, groups, labels in (
                ("by_partner", by_partner, {s[1]: s[2] for s in services.values()}),
                ("by_service", found, {sid: f"{s[0]} ({s[2]})" for sid, s in services.items()}),
                ("by_site", counts.by_site, context.site_names),
                ("by_team", counts.by_team, {r.value: r.label for r in Role})):
            yield self._group_table(key, groups, labels)
        for partner, own in sorted(services_of.items()):
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

    def _by_need(self, found: Counts) -> Table:
        listed = needs()
        rows_of = [*listed, (WORDS_ONLY, "Described in words only (or needs no longer listed)")]
        counted = {code: [0] * len(STEPS) for code, _l in rows_of}
        known = [code for code, _l in listed]
        for text, counts in found.by_needs:  # a few hundred distinct need lists
            for code in named_needs(text, known):
                counted[code] = [a + b for a, b in zip(counted[code], counts)]
        totals = found.funnel
        rows = [self._counts_row(code, label, counted[code], True) for code, label in rows_of]
        return self._counts_table(
            "by_need", "Referrals by need", "Need", rows, totals,
            "A referral can name several needs (skill areas and what partners offer), so it counts in each of them "
            "and the rows do not add up to the total. A referral naming none of today's needs counts as described "
            "in words only. Acceptance is accepted over sent; attendance is attended a first session over "
            f"accepted. {COHORT_NOTE}", partition=False, drill=True)

    def _repeats(self, counts: Counts) -> Table:
        residents, made, repeats, twice = counts.repeats
        rerouted = sum(c[-1] for c in counts.by_status.values())
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
    def _unsent(counts: Counts) -> tuple[int, int]:
        """Referrals made but not sent (made − sent), and drafts (the waiting table's draft row)."""
        unsent = sum(c[0] - c[1] for c in counts.by_status.values())
        return unsent, counts.by_status.get(_S.DRAFT.value, [0])[0]

    def _unsent_relation(self, counts: Counts) -> Iterator[Relation]:
        # A referral leaves draft only by being sent or withdrawn (referral_vocab.ALLOWED), and the
        # cohort leaves out drafts withdrawn unsent: the drafts are exactly those made and not sent.
        # Only said when the counts show it (a record mended by hand could break it).
        unsent, drafts = self._unsent(counts)
        if unsent == drafts:
            yield Relation((_fact(ALL, "sent"), _fact(ALL, "unsent")), _fact(ALL, "made"))

    def _waiting(self, counts: Counts, days: int) -> Table:
        found = {status: [c[0], c[len(STEPS)]] for status, c in counts.by_status.items()}  # made; no news since
        unsent, drafts = self._unsent(counts)
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


def _fact(scope: str, key: str) -> str:
    """The name of a count wherever it is shown ("all/made", "partner:4/sent"); "" without a scope."""
    return f"{scope}/{key}" if scope else ""
