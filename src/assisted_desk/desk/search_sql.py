"""The SQL behind the desk's search box, built with SQLAlchemy Core (its shapes repeat, so the
compiled-statement cache serves them).

Each criterion read from the box (a name word, a date, a postcode...) can be asked two ways: as
the set of resident ids it finds, read from one index, or as a check on one resident row. A
search first counts each criterion's set from its index, stopping at COUNT_CAP (when small and
large sets are mixed, two samples of 200 residents guess what the large ones hold), then
fetches one page of results in one of two shapes, whichever the counts make cheaper:

- few matches expected: sets are intersected in their indexes (the small ones, or all), only the
  residents in the intersection are read, any other criterion is checked on those rows, and the
  database sorts them. Cost grows with the sets' sizes (cheap index entries) and with the rows
  read (a b-tree descent each).
- many matches ("ma", "smith", "E1"): the database walks residents in the order results are
  shown, along ORDER_INDEX, checks each (small sets become in-memory lists, built once), and
  stops when the page is full. Cost grows with how rare a match is (limit x residents / matches).

Conditions that must not steer SQLite's planner are written so no index can serve them
(`coalesce(c, c)`, the same value): SQLite keeps no row counts, and left to itself it would take
`merged_into_id IS NULL` or an IN list as its way in, and sort thousands of rows a walk avoids."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    intersect,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList
from sqlalchemy.sql.visitors import replacement_traverse

from .models import Resident, ResidentNameVariant, ResidentNameWord
from .names import MIN_TYPO_LENGTH, deletion_variants, typo_keys
from .search_terms import SearchTerms

RESIDENT = Resident.__table__
WORD = ResidentNameWord.__table__
VARIANT = ResidentNameVariant.__table__
# Above every character a folded name word can hold: "smi" <= word < "smi" + TOP is "starts with
# smi" (in byte order: SQLite, and PostgreSQL databases made with the C or C.UTF-8 collation).
TOP = "\U0010ffff"

# What a result may show: enough to tell two people apart, never an address, phone or email.
SHOWN = (
    RESIDENT.c.id, RESIDENT.c.given_name, RESIDENT.c.family_name, RESIDENT.c.preferred_name,
    RESIDENT.c.date_of_birth, RESIDENT.c.postcode, RESIDENT.c.last_contact_at,
)
ORDER = (RESIDENT.c.last_contact_at.desc().nulls_last(), RESIDENT.c.sort_name, RESIDENT.c.id)

# The index that lists residents in the order results are shown, with merged_into_id in it so a
# walk can skip merged records without reading them. Without it every search sorts its candidates.
ORDER_INDEX = "ix_resident_search_order"
# Counting a criterion's set stops here (index entries, a fraction of a microsecond each); a larger
# set is "large", and what it holds is guessed from samples.
COUNT_CAP = 10_000
# Costs, in index entries read in order (measured on SQLite): reading and sorting one resident row
# (or probing one index for it), and walking one entry of ORDER_INDEX with its in-memory checks.
ROW_COST = 12
WALK_COST = 7
# Residents read to guess what share of them a large criterion keeps.
SAMPLE = 200


def starts_with(word: str) -> ColumnElement[bool]:
    return and_(WORD.c.word >= word, WORD.c.word < word + TOP)


def _forgives(word: str, forgiving: bool) -> bool:
    return forgiving and len(word) >= MIN_TYPO_LENGTH


def _residents_with(word: str, forgiving: bool) -> Select:
    """The ids of residents a typed word finds, from the name indexes alone: names starting with
    it, and (forgiving) names one typo away: with a letter it has too many (word IN its
    deletions), or sharing a one-letter deletion (the variant table)."""
    found = select(WORD.c.resident_id).where(starts_with(word))
    if not _forgives(word, forgiving):
        return found
    extra = select(WORD.c.resident_id).where(WORD.c.word.in_(sorted(deletion_variants(word))))
    typo = select(VARIANT.c.resident_id).where(VARIANT.c.variant.in_(sorted(typo_keys(word))))
    # UNION ALL: a resident found twice is harmless inside IN and INTERSECT, and not sorting
    # out the repeats saves a temporary b-tree.
    either = union_all(found, extra, typo).subquery()
    return select(either.c.resident_id)


def _has_word(word: str, forgiving: bool) -> ColumnElement[bool]:
    """The resident row of the outer query has a name the typed word finds (index probes by
    resident id, which is what those indexes are for)."""
    match = starts_with(word)
    if _forgives(word, forgiving):
        match = or_(match, WORD.c.word.in_(sorted(deletion_variants(word))))
    probe = exists().where(WORD.c.resident_id == RESIDENT.c.id, match)
    if _forgives(word, forgiving):
        typo = exists().where(VARIANT.c.resident_id == RESIDENT.c.id, VARIANT.c.variant.in_(sorted(typo_keys(word))))
        return or_(probe, typo)
    return probe


def _unindexed(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """The same condition with each resident column c read as coalesce(c, c): the same value
    (NULL stays NULL, the type is kept), but no index of c can serve it."""

    def swap(element):
        if isinstance(element, Column) and element.table is RESIDENT:
            return func.coalesce(element, element)
        return None

    return replacement_traverse(condition, {}, swap)


class Criterion:
    """One thing a resident must match, asked either way: `ids`, the residents meeting it from
    one index; `check`, the same test on the outer query's resident row, using no index."""

    def __init__(self, ids: Select, check: ColumnElement[bool] | None = None,
                 condition: ColumnElement[bool] | None = None) -> None:
        self.ids = ids
        self._check = check
        self._condition = condition

    @property
    def check(self) -> ColumnElement[bool]:
        if self._check is None:  # built only when needed: rewriting a condition is not free
            self._check = _unindexed(self._condition)
        return self._check


def criteria(terms: SearchTerms, *, forgiving: bool) -> list[Criterion]:
    found = [Criterion(_residents_with(word, forgiving), _has_word(word, forgiving))
             for word in dict.fromkeys(terms.words)]
    found.extend(Criterion(_residents_where(condition), condition=condition) for condition in terms.conditions)
    if terms.impossible or not found:
        found.append(Criterion(select(RESIDENT.c.id).where(false()), false()))
    return found


def _residents_where(condition: ColumnElement[bool]) -> Select:
    """The ids of residents meeting a condition on their columns. An OR of ranges (a postcode
    area) becomes one index range read per part: SQLite's own OR plan sorts out repeats the
    parts cannot have."""
    if isinstance(condition, BooleanClauseList) and condition.operator is operators.or_:
        either = union_all(*(select(RESIDENT.c.id).where(part) for part in condition.clauses)).subquery()
        return select(either.c.id)
    return select(RESIDENT.c.id).where(condition)


def count_statement(found: list[Criterion]) -> Select:
    """One row: each criterion's count (up to COUNT_CAP), then the highest resident id."""
    counts = [select(func.count()).select_from(c.ids.limit(COUNT_CAP).subquery()).scalar_subquery()
              for c in found]
    return select(*counts, select(func.max(RESIDENT.c.id)).scalar_subquery())


def sample_statement(found: list[Criterion], small: tuple[int, ...], large: tuple[int, ...], residents: int) -> Select:
    """Samples to guess what the large criteria's sets hold without reading them. One row: for a
    run of consecutive resident ids (a sample of everyone, as ids are given in order of
    registering, whatever the name), how many there are and how many meet each large criterion;
    then, when there are small sets, the same for some residents of their intersection."""
    start = max(residents // 2 - SAMPLE // 2, 0)

    def tally(where: ColumnElement[bool]):
        return select(func.count().label("n"), *(func.sum(case((found[i].check, 1), else_=0)).label(f"c{i}")
                                                 for i in large)).where(where).subquery()

    everyone = tally(and_(RESIDENT.c.id >= start, RESIDENT.c.id < start + SAMPLE))
    if not small:
        return select(*everyone.c)
    among_small = tally(RESIDENT.c.id.in_(_intersection(found, small).limit(SAMPLE)))
    return select(*everyone.c, *among_small.c).select_from(everyone.join(among_small, true()))


@dataclass(frozen=True)
class Plan:
    intersected: tuple[int, ...]  # criteria whose sets are intersected (or, on a walk, listed)
    walk: bool


@dataclass(frozen=True)
class SampleFirst:
    """choose_plan's answer when large sets must be sampled before it can choose."""

    small: tuple[int, ...]
    large: tuple[int, ...]


def _share(hits: int | None, size: int) -> float:
    return ((hits or 0) + 0.5) / (size + 1.0)  # never quite 0 or 1


def choose_plan(counts: list[int], residents: int, limit: int, can_walk: bool,
                sampled: tuple[int, ...] | None = None) -> Plan | SampleFirst:
    """How to fetch a page, from the criteria's counts (and, for large sets, the samples'
    tallies: call again with them when the answer is SampleFirst). Costs are in index entries."""
    n = max(residents, 1)
    small = tuple(i for i, count in enumerate(counts) if count < COUNT_CAP)
    large = tuple(i for i in range(len(counts)) if i not in small)
    if large and sampled is None:
        return SampleFirst(small, large)
    sizes: list[float] = []
    shares: list[float] = []  # of residents in the small sets' intersection (or of everyone)
    if large:
        everyone, *hits = sampled[:len(large) + 1]
        sizes = [max(float(COUNT_CAP), _share(h, everyone) * n) for h in hits]
        shares = [size / n for size in sizes]
        if small:
            among, *small_hits = sampled[len(large) + 1:]
            shares = [_share(h, among) for h in small_hits]
    in_common = float(n)  # the small sets' intersection, as if independent
    for i in small:
        in_common *= counts[i] / n
    expected = in_common
    for share in shares:
        expected *= share
    scan_small = sum(counts[i] for i in small)
    # Sort the intersection of all the sets: read them all, then only the matches' rows.
    options = {Plan(tuple(range(len(counts))), walk=False): scan_small + sum(sizes) + ROW_COST * expected}
    if small and large:
        # Sort the small sets' intersection: read each of its rows and probe the large criteria.
        options[Plan(small, walk=False)] = scan_small + ROW_COST * in_common * (1 + len(large))
    if can_walk:
        # Walk: list the small sets in memory, then walk until `limit` matches.
        options[Plan(small, walk=True)] = 1.5 * scan_small + WALK_COST * limit * n / max(expected, 1.0)
    return min(options, key=options.__getitem__)


def _intersection(found: list[Criterion], chosen: tuple[int, ...]) -> Select | CompoundSelect:
    sets = [found[i].ids for i in chosen]
    return sets[0] if len(sets) == 1 else intersect(*sets)


def page_statement(found: list[Criterion], plan: Plan, *, limit: int, offset: int = 0) -> Select:
    """One page of matches, best first (see the module's docstring for the two shapes)."""
    not_merged = _unindexed(RESIDENT.c.merged_into_id.is_(None))
    not_erased = _unindexed(RESIDENT.c.erased_at.is_(None))  # a reference quoted still finds no stub
    others = [c.check for i, c in enumerate(found) if i not in plan.intersected]
    if plan.walk:
        listed = [func.coalesce(RESIDENT.c.id, RESIDENT.c.id).in_(found[i].ids) for i in plan.intersected]
        where = [not_merged, not_erased, *listed, *others]
    else:
        where = [not_merged, not_erased, RESIDENT.c.id.in_(_intersection(found, plan.intersected)), *others]
    query = select(*SHOWN).where(*where).order_by(*ORDER).limit(limit)
    return query.offset(offset) if offset else query
