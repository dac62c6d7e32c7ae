"""Finding a resident from one search box, as the desk types.

What was typed is read into criteria (desk/search_terms.py): name words, a date or year of birth,
a postcode or postcode area, a phone number, an email address, a library card or a reference.
Every criterion must hold (so "smith 1985" narrows). Name words match the start of any of a
resident's name words, in any order; a word of four letters or more may also be one typo away.

The work is done in SQL (desk/search_sql.py): the criteria are counted from their indexes, then
one statement fetches a page, ORDER BY and LIMIT in the database, so Python only builds the rows
shown. Exact matches come first; only if they do not fill the page is a second statement run
that forgives one typo per word, and its rows are confirmed with `within_one_edit` (symmetric
deletion over-matches a little)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.orm import Session

from ..core.clock import Clock
from ..core.db import Database
from ..core.security import Actor, Permission, require
from .names import MIN_TYPO_LENGTH, deletion_variants, name_words, within_one_edit
from .search_sql import (
    ORDER_INDEX,
    RESIDENT,
    VARIANT,
    WORD,
    Criterion,
    Plan,
    SampleFirst,
    choose_plan,
    count_statement,
    criteria,
    page_statement,
    sample_statement,
)
from .search_terms import SearchTerms, read_search_text

_MAX_LIMIT = 500


@dataclass(frozen=True)
class ResidentMatch:
    resident_id: int
    name: str  # "Anna (Ania) Nowak": the preferred name in brackets when there is one
    year_of_birth: int | None
    postcode: str
    last_contact_at: datetime | None
    matched_on: str  # "name", "name, one letter different", "name and year of birth", "phone", ...


@dataclass(frozen=True)
class SearchResult:
    matches: tuple[ResidentMatch, ...]
    more: bool  # more residents match than were returned: type more to narrow
    understood_as: str  # how the text was read, in words, for the line under the box


# ---- the name index, written whenever a resident's names change -------------------------------


def name_index_rows(resident_id: int, given: str, family: str, preferred: str) -> tuple[list[dict], list[dict]]:
    """The resident_name_word and resident_name_variant rows for one resident's names."""
    words = name_words(given, family, preferred)
    variants: set[str] = set()
    for word in words:
        variants |= deletion_variants(word)
    return ([{"word": word, "resident_id": resident_id} for word in words],
            [{"variant": variant, "resident_id": resident_id} for variant in sorted(variants)])


def index_resident_names(session: Session, resident_id: int, given: str, family: str, preferred: str) -> None:
    """(Re)write the search words and typo variants of one resident, in the caller's unit of work.
    Call it on register, on every change of names, and on merge or undoing one."""
    session.flush()  # the resident row must exist before rows that refer to it
    session.execute(delete(WORD).where(WORD.c.resident_id == resident_id))
    session.execute(delete(VARIANT).where(VARIANT.c.resident_id == resident_id))
    words, variants = name_index_rows(resident_id, given, family, preferred)
    if words:
        session.execute(insert(WORD), words)
    if variants:
        session.execute(insert(VARIANT), variants)


# ---- the service ----------------------------------------------------------------------------------


def shown_name(given: str, family: str, preferred: str) -> str:
    """ "Anna (Ania) Nowak" when a preferred name is set, "Anna Nowak" otherwise."""
    if preferred and preferred != given:
        return f"{given} ({preferred}) {family}".strip()
    return f"{given} {family}".strip()


class ResidentSearch:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._order_index: bool | None = None  # whether the database has ORDER_INDEX (looked up once)

    def read(self, text: str) -> SearchTerms:
        """How `text` would be searched (no permission needed: nothing about residents is read
        except which resident a quoted reference belongs to, and that is not returned)."""
        with self.db.unit_of_work() as session:
            return read_search_text(text, today=self.clock.now().date(), session=session)

    def find(self, actor: Actor, text: str, limit: int = 50) -> SearchResult:
        """Residents that what was typed could mean, best first: exact name matches before
        one-typo matches, then the most recently contacted, then by family and given name.
        Merged records never appear. Each match shows only name, year of birth, postcode and last
        contact. Under 2 characters finds nothing (and says so). Refused without the
        view-residents permission.

        Searching is not audited: the desk searches on every keystroke, and a list of names with
        years and postcodes is what any desk may see. Opening a record is what gets audited."""
        require(actor, Permission.VIEW_RESIDENTS)
        limit = max(1, min(int(limit), _MAX_LIMIT))
        with self.db.unit_of_work() as session:
            terms = read_search_text(text, today=self.clock.now().date(), session=session)
            if not terms.searchable:
                return SearchResult((), False, terms.understood_as)
            connection = session.connection()
            plan = self._plan(connection, terms, forgiving=False, limit=limit + 1)
            exact = self._rows(connection, plan, limit=limit + 1)
            matched_on = terms.matched_on
            matches = [_match(row, matched_on) for row in exact[:limit]]
            more = len(exact) > limit
            if not more and terms.forgives_typos:
                found = {row.id for row in exact}
                typos, more = self._typo_matches(connection, terms, found, limit - len(matches))
                matches.extend(typos)
            return SearchResult(tuple(matches), more, terms.understood_as)

    def _typo_matches(self, connection, terms: SearchTerms, exact_ids: set[int], room: int) -> tuple[list, bool]:
        """Up to `room` residents found only by forgiving one typo per word, and whether there
        are more. Rows the exact query found are skipped; the rest are confirmed word by word."""
        confirmed: list[ResidentMatch] = []
        matched_on = terms.matched_on_typo
        offset = 0
        batch = room + 1 + len(exact_ids) + 10
        plan = self._plan(connection, terms, forgiving=True, limit=batch)
        while True:
            rows = self._rows(connection, plan, limit=batch, offset=offset)
            candidates = [row for row in rows if row.id not in exact_ids]
            if candidates:
                words_of = self._words_of(connection, [row.id for row in candidates])
                for row in candidates:
                    if _all_words_found(terms.words, words_of.get(row.id, ())):
                        if len(confirmed) == room:
                            return confirmed, True
                        confirmed.append(_match(row, matched_on))
            if len(rows) < batch:
                return confirmed, False
            offset += batch

    def _plan(self, connection, terms: SearchTerms, *, forgiving: bool, limit: int) -> tuple[list[Criterion], Plan]:
        """The criteria, and how to fetch what they find (from cheap counts of their indexes)."""
        found = criteria(terms, forgiving=forgiving)
        *counts, residents = connection.execute(count_statement(found)).one()
        args = (list(counts), residents or 0, limit, self._can_walk(connection))
        plan = choose_plan(*args)
        if isinstance(plan, SampleFirst):  # large sets: guess what they hold before choosing
            statement = sample_statement(found, plan.small, plan.large, residents or 0)
            plan = choose_plan(*args, sampled=tuple(connection.execute(statement).one()))
        return found, plan

    @staticmethod
    def _rows(connection, plan: tuple[list[Criterion], Plan], *, limit: int, offset: int = 0) -> list:
        found, how = plan
        return connection.execute(page_statement(found, how, limit=limit, offset=offset)).all()

    def _can_walk(self, connection) -> bool:
        """Whether the database has the index a walk in result order needs (looked up once)."""
        if self._order_index is None:
            names = {index["name"] for index in inspect(connection).get_indexes(RESIDENT.name)}
            self._order_index = ORDER_INDEX in names
        return self._order_index

    @staticmethod
    def _words_of(connection, resident_ids: list[int]) -> dict[int, list[str]]:
        words: dict[int, list[str]] = {}
        query = select(WORD.c.resident_id, WORD.c.word).where(WORD.c.resident_id.in_(resident_ids))
        for resident_id, word in connection.execute(query):
            words.setdefault(resident_id, []).append(word)
        return words


def _match(row, matched_on: str) -> ResidentMatch:
    resident_id, given, family, preferred, born, postcode, last_contact_at = row
    return ResidentMatch(resident_id, shown_name(given, family, preferred), born.year if born else None, postcode,
                         last_contact_at, matched_on)


def _all_words_found(typed: list[str], names: list[str] | tuple[str, ...]) -> bool:
    """Every typed word starts one of the resident's name words or is one edit from one."""
    return all(
        any(name.startswith(word) or (len(word) >= MIN_TYPO_LENGTH and within_one_edit(word, name))
            for name in names)
        for word in typed
    )
