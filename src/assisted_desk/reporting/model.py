"""What a report is, whatever it is shown on: a request (what to count), and the result as
tables of cells. The screen, the PDF, CSV and XLSX all draw the same `Report`, so they agree.

Every figure is a `Cell` that knows its measure. Disclosure control (disclosure.py) reads the
measures to decide what to hide: COUNT cells are the counts of people or records; a derived
figure (PERCENT, DAYS, MINUTES) carries the count it was worked out from (`base`) and, for a
percentage, which count in its row is its numerator, so hiding a count hides what would give it
away."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from ..core.errors import ValidationError
from ..desk.contact_days import NOT_RECORDED as _NOT_RECORDED

MAX_YEARS = 6  # the longest period one report covers
EARLIEST = date(2000, 1, 1)  # the first day a report may cover: long before any record this desk keeps
LATEST = date(2099, 12, 31)  # the last: periods before and after a report's must still be real dates


class ReportKind(str, enum.Enum):
    REFERRALS = "referrals"
    SKILLS = "skills"
    DESK = "desk"

    @property
    def label(self) -> str:
        return {ReportKind.REFERRALS: "Referral outcomes", ReportKind.SKILLS: "Skills progress",
                ReportKind.DESK: "Desk performance"}[self]


class Dimension(str, enum.Enum):
    """Equality monitoring: who is being left behind. Columns of `resident_equality`."""

    AGE_BAND = "age_band"
    SEX = "sex"
    ETHNICITY = "ethnicity"
    DISABILITY = "disability"
    FIRST_LANGUAGE = "first_language"

    @property
    def label(self) -> str:
        return {Dimension.AGE_BAND: "Age band", Dimension.SEX: "Sex", Dimension.ETHNICITY: "Ethnicity",
                Dimension.DISABILITY: "Disability", Dimension.FIRST_LANGUAGE: "First language"}[self]


# The equality group of a resident who gave no answer (or was never asked), or of an anonymous contact.
NOT_RECORDED = _NOT_RECORDED


class Grain(str, enum.Enum):
    MONTH = "month"
    QUARTER = "quarter"

    @property
    def label(self) -> str:
        return {Grain.MONTH: "By month", Grain.QUARTER: "By quarter"}[self]


class Measure(str, enum.Enum):
    COUNT = "count"  # people or records: disclosure-controlled
    PERCENT = "percent"  # 0 to 100
    DAYS = "days"
    MINUTES = "minutes"
    TEXT = "text"  # words (a target's RAG, a trend): never a figure about people


class Rag(str, enum.Enum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        return {Rag.RED: "Red", Rag.AMBER: "Amber", Rag.GREEN: "Green"}[self]


@dataclass(frozen=True)
class ReportRequest:
    """What to count. Dates are London days, inclusive."""

    kind: ReportKind
    since: date
    until: date
    site_ids: tuple[int, ...] = ()  # () = every site
    partner_ids: tuple[int, ...] = ()  # partner organisations, referral report only; () = every partner
    breakdown: Dimension | None = None  # add tables broken down by this equality group
    grain: Grain = Grain.MONTH  # desk performance: months or quarters
    protect: bool = True  # disclosure control; only an administrator may turn it off

    def checked(self) -> ReportRequest:
        """This request, or a ValidationError a person can act on."""
        if not isinstance(self.since, date) or not isinstance(self.until, date):
            raise ValidationError("Give both dates of the period.", field="since")
        for day, name in ((self.since, "since"), (self.until, "until")):
            if not EARLIEST <= day <= LATEST:
                raise ValidationError(
                    f"Reports cover dates from 1 January 2000 to 31 December 2099; "
                    f"{day.day:02}/{day.month:02}/{day.year:04} is outside that range. Choose a date within it.", field=name)
        if self.until < self.since:
            raise ValidationError(f"The period ends ({self.until:%d/%m/%Y}) before it starts "
                                  f"({self.since:%d/%m/%Y}).", field="until")
        if (self.until - self.since).days > MAX_YEARS * 366:
            raise ValidationError(f"One report covers at most {MAX_YEARS} years: choose a shorter period.",
                                  field="since")
        if self.partner_ids and self.kind is not ReportKind.REFERRALS:
            return replace(self, partner_ids=())
        return self


@dataclass
class Cell:
    value: int | float | str | None  # None: nothing to show (no data, not the same as 0)
    measure: Measure = Measure.COUNT
    base: int | None = None  # a derived figure: how many records it was worked out from
    numerator: str = ""  # PERCENT: the key of the COUNT column in the same row that is its numerator;
    # TEXT: the key of the figure in the same row these words are about (withheld with it)
    complement: str = ""  # PERCENT: the key of the COUNT column in the same row holding base - numerator
    fact: str = ""  # COUNT: names the figure wherever it appears ("site:3/contacts"); "" = this cell only
    rag: Rag | None = None  # against a target
    drill: bool = False  # a list of the records behind it can be opened (for permitted roles)
    suppressed: bool = False  # set by disclosure control: shown as SUPPRESSED
    rounded: int | float | None = None  # set by disclosure control: the value as published

    @property
    def published(self) -> int | float | str | None:
        """The value as it may be shown: None when suppressed, else the rounded value if rounded."""
        if self.suppressed:
            return None
        return self.rounded if self.rounded is not None else self.value


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    measure: Measure = Measure.COUNT
    part_of: str = ""  # a COUNT column that adds into another COUNT column of the same row (its total)
    chart: bool = False  # drawn on the table's chart


@dataclass
class Row:
    key: str  # stable: drill-down and tests find a row by it
    label: str
    cells: dict[str, Cell] = field(default_factory=dict)

    def cell(self, key: str) -> Cell | None:
        return self.cells.get(key)


class ChartKind(str, enum.Enum):
    BAR = "bar"  # one bar per row (grouped when several series)
    LINE = "line"  # rows are periods, in order: a trend
    FUNNEL = "funnel"  # rows are the steps of a funnel, drawn as horizontal bars


@dataclass(frozen=True)
class Relation:
    """A sum that holds between figures of different tables (or rows), by their `fact` names:
    the parts add up to the total. Builders yield these beside their tables so disclosure control
    protects the report as a whole: a count hidden in one table cannot be worked out from another."""

    parts: tuple[str, ...]
    total: str


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    title: str
    columns: tuple[str, ...]  # the column keys drawn (one series each)


@dataclass
class Table:
    key: str
    title: str
    row_title: str  # the heading of the first column ("Partner", "Month"...)
    columns: tuple[Column, ...]
    rows: list[Row]
    total: Row | None = None
    rows_partition: bool = False  # each record counts in exactly one row: the total is their sum
    note: str = ""
    chart: Chart | None = None

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    def row(self, key: str) -> Row:
        for row in [*self.rows, *([self.total] if self.total else [])]:
            if row.key == key:
                return row
        raise KeyError(key)


@dataclass
class Report:
    request: ReportRequest
    title: str
    period: str  # "1 April 2025 to 31 March 2026"
    scope: str  # "All sites", or the sites' names; partners too
    generated_at: datetime
    generated_by: str
    tables: list[Table]
    rules: str = ""  # the disclosure rules applied, stated on every output
    notes: list[str] = field(default_factory=list)

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


@dataclass(frozen=True)
class DrillList:
    """The records behind one figure, for a role permitted to see them."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    references: tuple[str, ...] = ()  # one per row, for opening the record ("" when none)
    truncated: bool = False  # more records than were listed
