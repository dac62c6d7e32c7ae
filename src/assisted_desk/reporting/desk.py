"""Desk performance: the service's contract indicators, overall, by month or quarter and by site,
each against the target an administrator set (targets.py), red, amber or green, with its trend
on the same length of time just before the period.

- Contacts: resolved at first contact, right first time (no avoidable contact), channels, and
  help given: assisted self-service as a share of the help with a task (assisted + done on the
  resident's behalf; information and signposting is neither).
- Walk-in wait: from arriving to being served, for tickets served in the period.
- Callbacks due in the period: made on time when done by the time promised; one still open after
  its time counts as late (the resident is still waiting); cancelled ones are not counted.
- Advocacy cases against their SLA (casework/sla_figures.py), escalations (contacts escalated to
  advocacy and cases escalated), satisfaction (good among those who rated), guides printed.

Counted by the database: one grouped statement per source (desk_counts.py) feeds all tables.
Each count names the figure it is (desk_tables.fact) and the report states its sums across
tables (desk_tables.relations), so disclosure control protects the report as a whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.clock import LONDON
from ..core.errors import NotFound
from ..core.models import Site
from ..core.security import Permission
from ..desk.models import Interaction, ServiceEntry
from ..desk.vocab import Channel, Outcome
from .desk_counts import SITE_UNKNOWN, DeskCounts, Tally, contact_condition, count_by_equality
from .desk_tables import (INDICATOR_DRILL, KEY_TITLES, channels_table, equality_table, help_types_table,
                          indicators_table, relations, wide_table)
from .disclosure import DisclosureRules, read_rules
from .model import DrillList, Relation, ReportKind, Table
from .service import ReportContext, long_day
from .sql import Period, periods
from .targets import read_targets

DRILL_LIMIT = 500
WIDE_TABLES = ("by_period", "by_site", "channels", "help_types")


def previous_span(context: ReportContext) -> Period:
    """The same number of days just before the report's period: what the trend compares with."""
    request = context.request
    days = (request.until - request.since).days + 1
    last = request.since - timedelta(days=1)
    first = request.since - timedelta(days=days)
    return Period("previous", f"{long_day(first)} to {long_day(last)}", first, last)


class DeskReport:
    kind = ReportKind.DESK
    title = ReportKind.DESK.label
    drill_permission = Permission.VIEW_RESIDENTS

    def build(self, session: Session, context: ReportContext) -> Iterator[str | Table | Relation]:
        request = context.request
        current = periods(request.since, request.until, request.grain)
        previous = previous_span(context)
        counts = DeskCounts([previous, *current], request.site_ids)
        yield "Counting contacts…"
        counts.count_contacts(session)
        yield "Counting walk-in waits and callbacks…"
        counts.count_waits(session)
        counts.count_callbacks(session, context.now)
        yield "Counting advocacy cases and guides printed…"
        counts.count_cases(session, context.today)
        counts.count_guides(session)
        targets = read_targets(context.settings)
        rules = read_rules(context.settings) if request.protect else DisclosureRules.off()
        now = counts.current
        total = counts.where(spans=now)
        yield indicators_table(total, counts.where(span=0), previous, targets, rules)
        period_rows = [(p.key, p.label, counts.where(span=n)) for n, p in enumerate(current, start=1)]
        yield wide_table("by_period", "Indicators " + request.grain.label.lower(), request.grain.label[3:].title(),
                         period_rows, total, targets, rules, chart=True, scope="period")
        site_rows = self._site_rows(session, context, counts, now)
        yield wide_table("by_site", "Indicators by site", "Site", site_rows, total, targets, rules, scope="site")
        contact_rows = [row for row in site_rows if row[0] != "none"]  # a contact always has a site
        yield channels_table(contact_rows, total)
        yield help_types_table(contact_rows, total)
        if request.breakdown is not None:
            yield f"Counting contacts by {request.breakdown.label.lower()}…"
            groups = count_by_equality(session, request.breakdown, current[0].first, current[-1].last,
                                       request.site_ids)
            yield equality_table(request.breakdown, groups, targets, rules)
        yield from relations()

    def _site_rows(self, session: Session, context: ReportContext, counts: DeskCounts,
                   now: range) -> list[tuple[str, str, Tally]]:
        chosen = list(context.request.site_ids)
        seen = counts.sites_seen(now)
        if not chosen:
            active = set(session.scalars(select(Site.id).where(Site.active.is_(True))))
            chosen = sorted((active | seen) - {SITE_UNKNOWN})
        rows = [(str(site), context.site_names[site], counts.where(spans=now, site=site))
                for site in sorted(chosen, key=lambda s: context.site_names[s].casefold())]
        if SITE_UNKNOWN in seen:  # kept without a site: the rows must still add up to the total
            rows.append(("none", "No site recorded", counts.where(spans=now, site=SITE_UNKNOWN)))
        return rows

    def drill(self, session: Session, context: ReportContext, table: str, row: str, column: str) -> DrillList:
        request = context.request
        current = periods(request.since, request.until, request.grain)
        if table == "indicators":
            key = INDICATOR_DRILL.get((row, column))
        else:
            key = column if table in WIDE_TABLES and contact_condition(column) is not None else None
        if key is None:
            raise NotFound("That figure is not a count of contacts, so no list of contacts opens from it. "
                           "Open a count of contacts (contacts, resolved, escalated, rated…) instead.")
        start, end, sites, where = current[0].start, current[-1].end, tuple(request.site_ids), "the period"
        if table == "by_period" and row != "total":
            period = next((p for p in current if p.key == row), None)
            if period is None:
                raise NotFound(f"The report has no period “{row}”. Run the report again and open the figure from it.")
            start, end, where = period.start, period.end, period.label
        elif table != "indicators" and row != "total":
            site = int(row) if row.isdigit() else None
            if site is None or site not in context.site_names or (sites and site not in sites):
                raise NotFound("No contacts are behind that figure: contacts are always recorded at a site.")
            sites, where = (site,), context.site_names[site]
        statement = (select(Interaction.reference, Interaction.occurred_at, Site.name, Interaction.channel,
                            ServiceEntry.name, Interaction.outcome)
                     .join(Site, Site.id == Interaction.site_id)
                     .join(ServiceEntry, ServiceEntry.code == Interaction.service_code)
                     .where(Interaction.occurred_at >= start, Interaction.occurred_at < end,
                            contact_condition(key), *([Interaction.site_id.in_(sites)] if sites else []))
                     .order_by(Interaction.occurred_at, Interaction.id).limit(DRILL_LIMIT + 1))
        found = session.execute(statement).all()
        if not found:
            raise NotFound(f"No contacts are behind that figure ({KEY_TITLES[key].lower()}, {where}).")
        listed = found[:DRILL_LIMIT]
        rows = tuple((reference, when.astimezone(LONDON).strftime("%d/%m/%Y %H:%M"), site_name,
                      _label(Channel, channel), service, _label(Outcome, outcome))
                     for reference, when, site_name, channel, service, outcome in listed)
        return DrillList(title=f"{KEY_TITLES[key]}: {where}",
                         columns=("Reference", "When", "Site", "Channel", "Service", "Outcome"),
                         rows=rows, references=tuple(r[0] for r in listed), truncated=len(found) > DRILL_LIMIT)


def _label(choice, value: str) -> str:
    try:
        return choice(value).label
    except ValueError:  # a value from a newer version of the desk
        return value

