"""Reading what was typed into the desk's search box: which parts are name words and which are a
date of birth, a year, a postcode (or its first half), a phone number, an email address, a library
card or a quoted reference. Each part becomes one criterion; a resident must meet all of them.

Reading is lenient and never refuses: whatever cannot be read as something else is a name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from ..core.errors import ValidationError
from .contact_details import check_postcode, email_key, read_date, read_phone, read_postcode, show_phone
from .models import RecordReference, Resident
from .names import MIN_TYPO_LENGTH, query_words
from .references import parse_reference

MIN_LENGTH = 2
MAX_LENGTH = 200  # longer text is cut: no one types a 200-character name into a search box
MAX_TOKENS = 12
MAX_NAME_WORDS = 6
TOO_SHORT = "type at least 2 letters"
NOTHING = ("nothing to search for: type part of a name, a date of birth, a postcode, a phone number, "
           "an email address, a library card or a reference")

_R = Resident.__table__
_TOP = "\U0010ffff"
# Characters that are never part of what someone meant to search for: controls, format marks
# (including right-to-left overrides and zero-width joiners), lone surrogates, line separators.
_DROPPED = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_PHONE_TOKEN = re.compile(r"^[0-9+().\-]+$")
_YEAR = re.compile(r"^(18[89][0-9]|19[0-9]{2}|20[0-9]{2})$")
_PARTIAL_INWARD = re.compile(r"^[0-9][A-Za-z]?$")
_FOLLOWED_MERGES = 5


@dataclass
class SearchTerms:
    """What the search box text was read as."""

    words: list[str] = field(default_factory=list)  # folded name words, in the order typed
    conditions: list[ColumnElement[bool]] = field(default_factory=list)  # on resident columns
    impossible: bool = False  # read as something that matches no resident (an anonymous reference)
    parts: list[str] = field(default_factory=list)  # "name “anna”", "postcode E1 6AN"
    kinds: list[str] = field(default_factory=list)  # "date of birth", "postcode"
    problem: str = ""  # why nothing is searched for
    selective: bool = False  # an exact phone, email, card, reference, date or postcode: few matches

    @property
    def searchable(self) -> bool:
        return not self.problem

    @property
    def forgives_typos(self) -> bool:
        return any(len(word) >= MIN_TYPO_LENGTH for word in self.words)

    @property
    def understood_as(self) -> str:
        return self.problem or "; ".join(self.parts)

    @property
    def matched_on(self) -> str:
        return _joined((["name"] if self.words else []) + self.kinds)

    @property
    def matched_on_typo(self) -> str:
        return _joined(["name, one letter different"] + self.kinds)


def _joined(kinds: list[str]) -> str:
    kinds = list(dict.fromkeys(kinds))
    if len(kinds) <= 1:
        return "".join(kinds)
    return ", ".join(kinds[:-1]) + " and " + kinds[-1]


def clean_search_text(text: str) -> str:
    """Controls and invisible format marks out, runs of spaces made one, at most MAX_LENGTH."""
    text = (text or "")[: MAX_LENGTH * 4]
    kept = "".join(" " if unicodedata.category(ch) in _DROPPED else ch for ch in text)
    return " ".join(kept.split())[:MAX_LENGTH].strip()


def read_search_text(text: str, *, today: date, session: Session) -> SearchTerms:
    """Read search box text into criteria. `session` is used only to look up quoted references
    (a word of eight letters can be a name or a reference: it is a reference only if one exists)."""
    cleaned = clean_search_text(text)
    terms = SearchTerms()
    if len(cleaned) < MIN_LENGTH:
        terms.problem = TOO_SHORT
        return terms
    _Reader(cleaned.split(" ")[:MAX_TOKENS], today, session, terms).read()
    letters = sum(len(word) for word in terms.words)
    if not terms.conditions and not terms.impossible and letters < MIN_LENGTH:
        terms.problem = TOO_SHORT if terms.words else NOTHING
    return terms


class _Reader:
    def __init__(self, tokens: list[str], today: date, session: Session, terms: SearchTerms) -> None:
        self.tokens, self.today, self.session, self.terms = tokens, today, session, terms

    def read(self) -> None:
        i = 0
        while i < len(self.tokens):
            used = (self._email(i) or self._reference(i) or self._date(i) or self._phone(i)
                    or self._postcode(i) or self._card_in_groups(i) or self._year(i) or self._card(i))
            if not used:
                self._name(self.tokens[i])
                used = 1
            i += used
        if self.terms.words:
            self.terms.parts.insert(0, f"name “{' '.join(self.terms.words)}”")

    def _windows(self, i: int, sizes: tuple[int, ...]):
        for size in sizes:
            if i + size <= len(self.tokens):
                yield size, self.tokens[i:i + size]

    def _add(self, condition: ColumnElement[bool], kind: str, part: str, *, selective: bool = True) -> None:
        self.terms.selective = self.terms.selective or selective
        self.terms.conditions.append(condition)
        self.terms.kinds.append(kind)
        self.terms.parts.append(part)

    def _email(self, i: int) -> int:
        token = self.tokens[i]
        if "@" not in token:
            return 0
        key = email_key(token)
        self._add(_R.c.email_key == key, "email", f"email {key}")
        return 1

    def _reference(self, i: int) -> int:
        for size, window in self._windows(i, (3, 2, 1)):
            reference = parse_reference(" ".join(window))
            if reference is None:
                continue
            found = self.session.execute(
                select(RecordReference.resident_id).where(RecordReference.reference == reference)
            ).first()
            if found is None:
                continue  # not a reference anyone was given: read the words as something else
            resident_id = self._survivor(found.resident_id)
            if resident_id is None:
                self.terms.impossible = True
                self.terms.parts.append(f"reference {reference} (a contact with no resident recorded)")
            else:
                self._add(_R.c.id == resident_id, "reference", f"reference {reference}")
            return size
        return 0

    def _survivor(self, resident_id: int | None) -> int | None:
        """A reference given before two records were merged finds the record that was kept."""
        for _ in range(_FOLLOWED_MERGES):
            if resident_id is None:
                return None
            merged_into = self.session.scalar(select(Resident.merged_into_id).where(Resident.id == resident_id))
            if merged_into is None:
                return resident_id
            resident_id = merged_into
        return resident_id

    def _date(self, i: int) -> int:
        for size, window in self._windows(i, (3, 1)):
            if not any(ch.isdigit() for ch in window[0]):
                continue
            born = read_date(" ".join(window), today=self.today)
            if born is not None:
                self._add(_R.c.date_of_birth == born, "date of birth", f"date of birth {born:%d/%m/%Y}")
                return size
        return 0

    def _phone(self, i: int) -> int:
        for size, window in self._windows(i, (5, 4, 3, 2, 1)):
            if not all(_PHONE_TOKEN.match(token) for token in window):
                continue
            number = read_phone(" ".join(window))
            if number is not None:
                self._add(_R.c.phone == number, "phone", f"phone {show_phone(number)}")
                return size
        return 0

    def _postcode(self, i: int) -> int:
        token = self.tokens[i]
        if not any(ch.isdigit() for ch in token):
            return 0
        if i + 1 < len(self.tokens):
            both = token + self.tokens[i + 1]
            if (full := _full_postcode(both)) is not None:
                self._add(_R.c.postcode_key == full[1], "postcode", f"postcode {full[0]}")
                return 2
            outward = read_postcode(token)
            if outward is not None and _full_postcode(outward) is None \
                    and _PARTIAL_INWARD.match(self.tokens[i + 1]):
                self._add(_in_outward(outward, self.tokens[i + 1].upper()),
                          "postcode", f"postcode starting {outward} {self.tokens[i + 1].upper()}", selective=False)
                return 2
        if (full := _full_postcode(token)) is not None:
            self._add(_R.c.postcode_key == full[1], "postcode", f"postcode {full[0]}")
            return 1
        outward = read_postcode(token)
        if outward is not None:
            self._add(_in_outward(outward), "postcode area", f"postcode area {outward}", selective=False)
            return 1
        return 0

    def _year(self, i: int) -> int:
        token = self.tokens[i]
        if not _YEAR.match(token) or int(token) > self.today.year:
            return 0
        year = int(token)
        self._add(and_(_R.c.date_of_birth >= date(year, 1, 1), _R.c.date_of_birth < date(year + 1, 1, 1)),
                  "year of birth", f"born in {year}", selective=False)
        return 1

    def _card_in_groups(self, i: int) -> int:
        # A card typed in groups ("LB 1234 5678") is a card only if one was issued: otherwise its
        # words are names, years and so on.
        for size, window in self._windows(i, (4, 3, 2)):
            card = card_key("".join(window))
            if not any(ch.isdigit() for ch in card) or not all(token.isalnum() for token in window):
                continue
            if self.session.scalar(select(Resident.id).where(Resident.library_card == card).limit(1)) is not None:
                self._add(_R.c.library_card == card, "library card", f"library card {card}")
                return size
        return 0

    def _card(self, i: int) -> int:
        token = self.tokens[i]
        if not any(ch.isdigit() for ch in token):
            return 0
        card = card_key(token)
        if not card:
            return 0
        typed = token.strip()[:20]
        self._add(_R.c.library_card.in_(sorted({card, typed})), "library card", f"library card {card}")
        return 1

    def _name(self, token: str) -> None:
        for word in query_words(token):
            if len(self.terms.words) < MAX_NAME_WORDS:
                self.terms.words.append(word)


def card_key(text: str) -> str:
    """A library card number as stored: letters and digits only, upper case."""
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()[:20]


def _in_outward(outward: str, inward_start: str = "") -> ColumnElement[bool]:
    """Postcodes in the outward code, whose inward code starts with `inward_start`. "E1" is
    E1 6AN ("E16AN") but not E14 6AN ("E146AN"): an inward code is a digit and two letters, so
    after "E1" and a digit comes a letter. One key range per digit, each read from the index."""
    key = _R.c.postcode_key
    if len(inward_start) >= 2:
        start = outward + inward_start
        return and_(key >= start, key < start + _TOP)
    digits = inward_start or "0123456789"
    return or_(*(and_(key >= f"{outward}{digit}A", key < f"{outward}{digit}Z{_TOP}") for digit in digits))


def _full_postcode(text: str) -> tuple[str, str] | None:
    try:
        shown, key = check_postcode(text)
    except ValidationError:
        return None
    return (shown, key) if key else None
