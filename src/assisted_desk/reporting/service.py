"""Running a report: check who asks, count in the database, protect the figures, say how.

Each report is a builder (referrals.py, skills.py, desk.py) that yields progress lines,
`Table`s and `Relation`s (sums across tables) from one read-only session. This service checks the
request, runs the builder step by step (stopping between steps when cancelled), applies
disclosure control to the report as a whole, states the rules, and audits that the report was
run. Drill-down lists go through here too, so the permission each needs is checked in one place,
a hidden figure never opens its list, and every list opened is audited."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import LONDON, Clock
from ..core.db import Database
from ..core.errors import DeskError, NotFound, ValidationError
from ..core.models import Site
from ..core.security import Actor, Permission, PermissionDenied, require
from ..core.settings import SettingsService
from .disclosure import DisclosureRules, protect_report, read_rules, statement
from .model import DrillList, Relation, Report, ReportKind, ReportRequest, Table


@dataclass(frozen=True)
class PartnerChoice:
    id: int
    name: str
    gone: bool  # no longer in the directory: its past referrals still count


class Cancelled(DeskError):
    """The person stopped the report before it finished; nothing was produced."""

    def __init__(self) -> None:
        super().__init__("The report was cancelled.")


@dataclass(frozen=True)
class ReportContext:
    """What a builder needs besides its session."""

    actor: Actor
    request: ReportRequest
    now: datetime
    today: date  # London
    site_names: dict[int, str]  # every site, active or not
    settings: SettingsService


class Builder(Protocol):
    kind: ReportKind
    title: str
    drill_permission: Permission  # besides VIEW_REPORTS, to open the records behind a figure

    def build(self, session: Session, context: ReportContext) -> Iterator[str | Table | Relation]:
        """Progress lines (str) and the report's tables, in order, with the sums that hold between
        figures of different tables (Relation), so disclosure control protects them together."""
        ...

    def drill(self, session: Session, context: ReportContext, table: str, row: str, column: str) -> DrillList:
        """The records behind one figure; NotFound when that figure has none behind it."""
        ...


def long_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class ReportService:
    def __init__(self, db: Database, clock: Clock, settings: SettingsService, builders: list[Builder]) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.builders = {b.kind: b for b in builders}

    def kinds(self, actor: Actor) -> tuple[ReportKind, ...]:
        """The reports this person may run (all of them, with view-reports; else none)."""
        return tuple(self.builders) if actor.may(Permission.VIEW_REPORTS) else ()

    def rules(self) -> DisclosureRules:
        return read_rules(self.settings)

    def partner_choices(self, actor: Actor) -> tuple[PartnerChoice, ...]:
        """The partner organisations a referral report can be narrowed to, by name, gone ones too.
        Names only: anyone who views reports may choose among them, without the directory's details."""
        require(actor, Permission.VIEW_REPORTS)
        from ..inclusion.partner_models import PartnerOrganisation

        with self.db.unit_of_work() as session:
            rows = session.execute(select(PartnerOrganisation.id, PartnerOrganisation.name, PartnerOrganisation.gone_at)
                                   .order_by(PartnerOrganisation.name, PartnerOrganisation.id)).all()
        return tuple(PartnerChoice(i, name, gone is not None) for i, name, gone in rows)

    def may_drill(self, actor: Actor, kind: ReportKind) -> bool:
        return actor.may(Permission.VIEW_REPORTS) and actor.may(self.builders[kind].drill_permission)

    def run(self, actor: Actor, request: ReportRequest,
            cancelled: Callable[[], bool] = lambda: False) -> Generator[str, None, Report]:
        """Yields progress lines; returns the protected report. Refuses without view-reports, and
        unprotected figures to anyone but an administrator. Raises Cancelled when `cancelled()`
        turns true between steps."""
        require(actor, Permission.VIEW_REPORTS)
        request = request.checked()
        if not request.protect:
            require(actor, Permission.MANAGE_SETTINGS)
        builder = self.builders[request.kind]
        rules = self.rules() if request.protect else DisclosureRules.off()
        yield f"Counting {builder.title.lower()}…"
        tables: list[Table] = []
        relations: list[Relation] = []
        with self.db.unit_of_work() as session:
            context = self._context(session, actor, request)
            yield from self._build(builder, session, context, tables, relations, cancelled)
            if cancelled():
                raise Cancelled()
            yield "Applying disclosure control…"
            protect_report(tables, relations, rules)
            record_audit(session, self.clock, actor, "report.run", "report", request.kind.value,
                         f"{request.since.isoformat()} to {request.until.isoformat()}"
                         f"{'' if request.protect else ', disclosure control off'}")
            return Report(
                request=request, title=builder.title,
                period=f"{long_day(request.since)} to {long_day(request.until)}",
                scope=self._scope(context, request, session),
                generated_at=context.now, generated_by=actor.display_name, tables=tables,
                rules=statement(rules))

    def run_now(self, actor: Actor, request: ReportRequest) -> Report:
        """`run` to the end, progress ignored (tests, scripts)."""
        steps = self.run(actor, request)
        while True:
            try:
                next(steps)
            except StopIteration as finished:
                return finished.value

    def drill(self, actor: Actor, request: ReportRequest, table: str, row: str, column: str) -> DrillList:
        """The records behind one figure of `request`'s report. Refuses roles that may not read
        those records, equality breakdowns (they would list residents by group) and a figure
        disclosure control hides (its list would give the hidden count away)."""
        require(actor, Permission.VIEW_REPORTS)
        request = request.checked()
        if not request.protect:
            require(actor, Permission.MANAGE_SETTINGS)
        builder = self.builders[request.kind]
        if not actor.may(builder.drill_permission):
            raise PermissionDenied(
                f"{actor.display_name} ({actor.role.label}) may see this report's figures but not the records "
                "behind them. Ask an administrator if you need to.")
        if table.startswith("equality"):
            raise PermissionDenied("Figures by equality group do not open a list of residents: that would "
                                   "single people out by their answers.")
        with self.db.unit_of_work() as session:
            context = self._context(session, actor, request)
            if self._hidden(builder, session, context, table, row, column):
                raise PermissionDenied(
                    "This figure is hidden to protect people's identity, and the list of records behind it would "
                    "give it away. Open a figure that is shown, or widen the period or sites so it is larger.")
            listing = builder.drill(session, context, table, row, column)
            record_audit(session, self.clock, actor, "report.drilled", "report", request.kind.value,
                         f"{table}/{row}/{column}: {len(listing.rows)} records listed")
            return listing

    def _hidden(self, builder: Builder, session: Session, context: ReportContext,
                table: str, row: str, column: str) -> bool:
        """Whether the figure at table/row/column is hidden in the protected report, counted again
        now (a report is never kept, so this is the figure the person was shown)."""
        tables: list[Table] = []
        relations: list[Relation] = []
        for _line in self._build(builder, session, context, tables, relations, lambda: False):
            pass
        rules = self.rules() if context.request.protect else DisclosureRules.off()
        protect_report(tables, relations, rules)
        try:
            cell = next(t for t in tables if t.key == table).row(row).cell(column)
        except (StopIteration, KeyError):
            return False  # no such figure in the report: the builder says what is behind it, if anything
        return cell is not None and cell.suppressed

    @staticmethod
    def _build(builder: Builder, session: Session, context: ReportContext, tables: list[Table],
               relations: list[Relation], cancelled: Callable[[], bool]) -> Iterator[str]:
        """Run `builder`, yielding its progress lines and collecting its tables and relations."""
        for step in builder.build(session, context):
            if cancelled():
                raise Cancelled()
            if isinstance(step, str):
                yield step
            elif isinstance(step, Relation):
                relations.append(step)
            else:
                tables.append(step)

    def _context(self, session: Session, actor: Actor, request: ReportRequest) -> ReportContext:
        names = {site_id: name for site_id, name in session.execute(select(Site.id, Site.name)).all()}
        unknown = [i for i in request.site_ids if i not in names]
        if unknown:
            raise NotFound("A site chosen for the report no longer exists. Choose the sites again.")
        now = self.clock.now()
        return ReportContext(actor, request, now, now.astimezone(LONDON).date(), names, self.settings)

    def _scope(self, context: ReportContext, request: ReportRequest, session: Session) -> str:
        sites = ("All sites" if not request.site_ids
                 else ", ".join(sorted(context.site_names[i] for i in request.site_ids)))
        if request.partner_ids:
            from ..inclusion.partner_models import PartnerOrganisation

            partners = session.scalars(select(PartnerOrganisation.name).where(
                PartnerOrganisation.id.in_(request.partner_ids)).order_by(PartnerOrganisation.name)).all()
            if len(partners) != len(set(request.partner_ids)):
                raise ValidationError("A partner chosen for the report no longer exists. Choose the partners again.",
                                      field="partner_ids")
            sites += "; partners: " + ", ".join(partners)
        return sites
