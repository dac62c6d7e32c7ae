"""The desk's part of the synthetic borough: residents (names in many scripts, dates of birth,
postcodes, phones, emails, library cards, a few preferred names and merged records) and the
contacts logged with them, each with the reference a resident can quote.

Residents' search words and typo variants are written with the application's own
`name_index_rows`, so the benchmark searches exactly what the desk would have indexed."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from bisect import bisect
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Connection

from names import ORIGINS

# Shares of residents with each detail recorded.
HAS_DOB, HAS_POSTCODE, HAS_PHONE, HAS_EMAIL, HAS_CARD, HAS_PREFERRED = 0.95, 0.88, 0.72, 0.48, 0.30, 0.06
IN_LATIN_LETTERS = 0.6  # residents whose names are in another script, registered in Latin letters
MERGED = 0.004  # records found to be duplicates and merged into another
NEVER_CONTACTED = 0.25
ANONYMOUS_CONTACTS = 0.08

# One borough's outward codes (the east London sort), with rough shares of its residents.
OUTWARD = {"E1": 9, "E1W": 2, "E2": 6, "E3": 7, "E14": 9, "E15": 5, "E16": 5, "E20": 1, "E6": 5, "E7": 5,
           "E12": 4, "E13": 5, "E9": 3, "E8": 3, "E5": 2, "E10": 3, "E11": 3, "E17": 4, "EC1V": 1, "N1": 2}
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # never C, I, K, M, O or V
PREFERRED = ("Ania", "Kasia", "Bruce", "Mo", "Sam", "Jo", "Tony", "Lily", "Mike", "Ben", "Abi", "Nina", "Sunny",
             "Vicky", "Raj", "Lucy", "Max", "Ola", "Dom", "Stef", "Bash", "Ife", "Pri", "Nat")
EMAIL_DOMAINS = ("example.org", "example.com", "mail.example.net", "example.co.uk")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ORIGIN_WEIGHTS = [origin.weight for origin in ORIGINS]


def stamp(moment: datetime) -> str:
    """A UTC time as the application's UtcDateTime stores it on SQLite (checked in insert_fast)."""
    return moment.isoformat(" ", "microseconds")[:26]


@contextmanager
def indexes_rebuilt_after(connection: Connection, *tables: str) -> Iterator[None]:
    """Drop the tables' secondary indexes for a bulk load and create them again afterwards, from
    their own CREATE INDEX text (so the schema ends exactly as migrated): an index built once
    from sorted data is far quicker than one kept up to date through millions of random inserts."""
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (%s)"
        % ", ".join("?" * len(tables)), tables).all()
    for name, _sql in found:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    connection.commit()
    yield
    for _name, sql in found:
        connection.exec_driver_sql(sql)
    connection.commit()


def _prepare(connection: Connection) -> None:
    """A large page cache: the indexes (names, references) take keys in random order."""
    connection.exec_driver_sql("PRAGMA cache_size=-2000000")  # 2 GB, in KiB
    _check_stored_forms(connection)


def _check_stored_forms(connection: Connection) -> None:
    """The values below are written in stored form for speed: make sure it is the form the
    application's own column types write."""
    from assisted_desk.desk.models import Interaction, Resident

    moment = datetime(2026, 3, 4, 5, 6, 7, 8900, tzinfo=timezone.utc)
    as_app = Interaction.__table__.c.occurred_at.type._cached_bind_processor(connection.dialect)
    assert as_app(moment) == stamp(moment), (as_app(moment), stamp(moment))
    as_app = Resident.__table__.c.date_of_birth.type._cached_bind_processor(connection.dialect)
    assert as_app(date(1985, 3, 14)) == date(1985, 3, 14).isoformat()
    as_app = Resident.__table__.c.interpreter_needed.type._cached_bind_processor(connection.dialect)
    assert as_app is None or as_app(True) == 1


def insert_fast(connection: Connection, table, keys: tuple[str, ...], rows: list[tuple]) -> None:
    """Bulk insert of millions of rows: the Core INSERT for these columns, run by the driver's
    executemany on values already in stored form (SQLAlchemy's per-value processing would
    double the time), in the caller's transaction."""
    if rows:
        sql = str(insert(table).compile(dialect=connection.dialect, column_keys=list(keys)))
        connection.exec_driver_sql(sql, rows)


def resident_name(rng: random.Random) -> tuple[str, str, str, str, str]:
    """(given, family, preferred, given in Latin letters, family in Latin letters)."""
    origin = rng.choices(ORIGINS, _ORIGIN_WEIGHTS)[0]
    given, given_latin = rng.choice(origin.given)
    family, family_latin = rng.choice(origin.family)
    if not origin.latin_script and rng.random() < IN_LATIN_LETTERS:
        given, family = given_latin, family_latin
    elif origin.latin_script and rng.random() < 0.05:
        other, _ = rng.choice(rng.choices(ORIGINS, _ORIGIN_WEIGHTS)[0].family)
        if other != family and all(ord(ch) < 0x250 for ch in other):
            family = family_latin = f"{family}-{other}"
    preferred = rng.choice(PREFERRED) if rng.random() < HAS_PREFERRED else ""
    return given, family, preferred, given_latin, family_latin


def postcode(rng: random.Random) -> tuple[str, str]:
    outward = rng.choices(list(OUTWARD), list(OUTWARD.values()))[0]
    inward = f"{rng.randrange(10)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
    return f"{outward} {inward}", outward + inward


def _ascii(text: str) -> str:
    from assisted_desk.desk.names import fold

    return "".join(ch for ch in fold(text) if ch.isascii() and ch.isalnum())


RESIDENT_COLUMNS = (
    "id", "given_name", "family_name", "preferred_name", "date_of_birth", "address_line1", "address_line2", "town",
    "postcode", "postcode_key", "phone", "email", "email_key", "library_card", "preferred_language",
    "interpreter_needed", "accessibility_needs", "preferred_contact", "sort_name", "last_contact_at",
    "merged_into_id", "registered_site_id", "created_at", "created_by", "updated_at", "updated_by", "version",
)


def make_residents(borough, rng: random.Random, count: int) -> None:
    with indexes_rebuilt_after(borough.connection, "resident", "resident_name_word", "resident_name_variant"):
        _fill_residents(borough, rng, count)


def _fill_residents(borough, rng: random.Random, count: int) -> None:
    from assisted_desk.desk.models import Resident, ResidentNameVariant, ResidentNameWord
    from assisted_desk.desk.names import sort_name
    from assisted_desk.desk.search import name_index_rows
    from generate import NOW

    connection = borough.connection
    _prepare(connection)
    sites = borough.ids["open_sites"]
    staff_names = [f"staff{staff_id}" for staff_id in borough.ids["staff"]]
    rnd = rng.random
    phones: set[str] = set()
    created_at: list[datetime] = []
    merged: dict[int, int] = {}
    # The name pool is small: index each distinct name once, with the application's function.
    indexed: dict[tuple[str, str, str], tuple[list[str], list[str], str]] = {}
    oldest, span = NOW - timedelta(days=10 * 365), (10 * 365 - 1) * 86400
    chunk = 20_000
    for first in range(1, count + 1, chunk):
        residents, words, variants = [], [], []
        for resident_id in range(first, min(first + chunk, count + 1)):
            given, family, preferred, given_latin, family_latin = resident_name(rng)
            created = oldest + timedelta(seconds=rnd() * span)
            created_at.append(created)
            born = (date(2010, 1, 1) - timedelta(days=int(rnd() * 85 * 365))).isoformat() if rnd() < HAS_DOB else None
            shown_postcode, key = postcode(rng) if rnd() < HAS_POSTCODE else ("", "")
            phone = ""
            if rnd() < HAS_PHONE:
                while not phone or phone in phones:
                    phone = f"+447{400 + int(rnd() * 600)}{int(rnd() * 10**6):06d}"
                phones.add(phone)
            email = ""
            if rnd() < HAS_EMAIL:
                email = (f"{_ascii(given_latin) or 'resident'}.{_ascii(family_latin) or 'x'}{resident_id}"
                         f"@{EMAIL_DOMAINS[int(rnd() * len(EMAIL_DOMAINS))]}")
                if rnd() < 0.3:
                    email = email.title()  # people give their address in all sorts of cases
            card = f"2{resident_id:07d}{int(rnd() * 10**6):06d}" if rnd() < HAS_CARD else ""
            merged_into = None
            if resident_id > 100 and rnd() < MERGED:
                target = 1 + int(rnd() * (resident_id - 1))
                merged_into = merged[resident_id] = merged.get(target, target)  # always a record that was kept
            staff_name = staff_names[int(rnd() * len(staff_names))]
            name_key = (given, family, preferred)
            if name_key not in indexed:
                word_rows, variant_rows = name_index_rows(0, given, family, preferred)
                indexed[name_key] = ([r["word"] for r in word_rows], [r["variant"] for r in variant_rows],
                                     sort_name(given, family))
            name_words, name_variants, sorted_as = indexed[name_key]
            at = stamp(created)
            residents.append((
                resident_id, given, family, preferred, born, f"{1 + int(rnd() * 299)} {STREETS[int(rnd() * 12)]}",
                "", "London", shown_postcode, key, phone, email, email.casefold(), card, "",
                int(rnd() < 0.04), "", "", sorted_as, None,
                merged_into, sites[int(rnd() * len(sites))], at, staff_name, at, staff_name,
                1 if merged_into is None else 2,
            ))
            words.extend((word, resident_id) for word in name_words)
            variants.extend((variant, resident_id) for variant in name_variants)
        insert_fast(connection, Resident.__table__, RESIDENT_COLUMNS, residents)
        # The name tables are keyed by word: in key order, each chunk's rows land close together.
        insert_fast(connection, ResidentNameWord.__table__, ("word", "resident_id"), sorted(words))
        insert_fast(connection, ResidentNameVariant.__table__, ("variant", "resident_id"), sorted(variants))
        connection.commit()
    borough.ids["residents"] = list(range(1, count + 1))
    borough.facts["resident_created_at"] = created_at
    borough.facts["merged_into"] = merged


STREETS = ("High Street", "Commercial Road", "Mile End Road", "Roman Road", "Brick Lane", "Cable Street",
           "Bow Road", "Burdett Road", "Manchester Road", "Westferry Road", "Romford Road", "Barking Road")


def _services(connection: Connection) -> list[str]:
    from assisted_desk.core.paths import resources_dir
    from assisted_desk.desk.models import ServiceEntry
    from generate import NOW, insert_rows

    catalogue = json.loads((resources_dir() / "service_catalogue.json").read_text(encoding="utf-8"))["services"]
    have = {row[0] for row in connection.execute(ServiceEntry.__table__.select().with_only_columns(
        ServiceEntry.__table__.c.code))}
    insert_rows(connection, ServiceEntry.__table__, [
        dict(code=s["code"], name=s["name"], active=True, position=i, updated_at=NOW, updated_by="admin", version=1)
        for i, s in enumerate(catalogue) if s["code"] not in have])
    return [s["code"] for s in catalogue]


_PAIRS = [a + b for a in CROCKFORD for b in CROCKFORD]


def new_reference(rng: random.Random, taken: set[str]) -> str:
    while True:
        bits = rng.getrandbits(30)
        body = _PAIRS[bits & 1023] + _PAIRS[(bits >> 10) & 1023] + _PAIRS[bits >> 20]
        reference = f"AD-{body[:4]}-{body[4:]}"
        if reference not in taken:
            taken.add(reference)
            return reference


INTERACTION_COLUMNS = (
    "id", "reference", "resident_id", "site_id", "staff_id", "occurred_at", "channel", "service_code",
    "help_type", "outcome", "avoidable", "minutes", "satisfaction", "satisfaction_reason", "notes",
    "created_at", "updated_at", "updated_by", "version",
)
REFERENCE_COLUMNS = ("reference", "record_type", "record_id", "resident_id", "created_at")


def make_interactions(borough, rng: random.Random, count: int) -> None:
    """Contacts over the last three years, most residents a few, some many, a quarter none;
    each with its reference in record_reference. Residents' last_contact_at is set from them."""
    from assisted_desk.desk.contact_days import recount_contact_days

    with indexes_rebuilt_after(borough.connection, "interaction", "record_reference", "resident"):
        _fill_interactions(borough, rng, count)
    # Written in bulk, not logged one by one: count them per day as logging would have.
    recount_contact_days(borough.connection)
    borough.connection.commit()


def _fill_interactions(borough, rng: random.Random, count: int) -> None:
    from assisted_desk.desk.models import Interaction, RecordReference, Resident
    from generate import NOW

    connection = borough.connection
    _prepare(connection)
    services = _services(connection)
    sites, staff = borough.ids["open_sites"], borough.ids["staff"]
    created_at: list[datetime] = borough.facts["resident_created_at"]
    merged: dict[int, int] = borough.facts["merged_into"]
    residents = len(created_at)
    rnd = rng.random
    # A few residents come often, most rarely (a long tail), a quarter never.
    weights = [0.0 if rnd() < NEVER_CONTACTED else rng.paretovariate(1.6) for _ in range(residents)]
    cumulative = list(accumulate(weights))
    total = cumulative[-1]
    last_contact: dict[int, datetime] = {}
    # References are random, but handed out in sorted order, so the two unique indexes on them
    # are filled in key order (one resident's contacts still get unrelated references).
    taken: set[str] = set()
    references_in_order = sorted(new_reference(rng, taken) for _ in range(count))
    since, until = NOW - timedelta(days=3 * 365), NOW - timedelta(minutes=5)
    channels = ["face_to_face"] * 6 + ["phone"] * 3 + ["email", "webchat", "post"]
    outcomes = ["resolved"] * 7 + ["follow_up"] * 2 + ["referred", "escalated"]
    help_types = ("information", "assisted", "on_behalf")
    avoidable = ("", "", "", "", "chasing", "failed_online")
    satisfaction = ("", "good", "good", "average", "poor")

    def pick(options):
        return options[int(rnd() * len(options))]

    # What was asked and how it went, drawn once as a deck of combinations, one card per contact.
    deck = [(pick(channels), pick(services), pick(help_types), pick(outcomes), pick(avoidable),
             2 + int(rnd() * 43), pick(satisfaction)) for _ in range(1 << 16)]
    n_sites, n_staff = len(sites), len(staff)
    chunk = 50_000
    for first in range(1, count + 1, chunk):
        interactions, references = [], []
        for interaction_id in range(first, min(first + chunk, count + 1)):
            resident_id = None
            start = since
            if rnd() >= ANONYMOUS_CONTACTS:
                resident_id = 1 + bisect(cumulative, rnd() * total)
                resident_id = min(resident_id, residents)
                resident_id = merged.get(resident_id, resident_id)  # the history moved to the record kept
                start = max(since, created_at[resident_id - 1])
            occurred = start + (until - start) * rnd()
            if resident_id is not None and (resident_id not in last_contact or occurred > last_contact[resident_id]):
                last_contact[resident_id] = occurred
            reference = references_in_order[interaction_id - 1]
            staff_id = staff[int(rnd() * n_staff)]
            at = stamp(occurred)
            channel, service, help_type, outcome, avoidable_reason, minutes, satisfied = deck[rng.getrandbits(16)]
            interactions.append((
                interaction_id, reference, resident_id, sites[int(rnd() * n_sites)], staff_id, at, channel, service,
                help_type, outcome, avoidable_reason, minutes, satisfied, "", "", at, at, f"staff{staff_id}", 1,
            ))
            references.append((reference, "interaction", interaction_id, resident_id, at))
        insert_fast(connection, Interaction.__table__, INTERACTION_COLUMNS, interactions)
        insert_fast(connection, RecordReference.__table__, REFERENCE_COLUMNS, references)
        connection.commit()
    # Each resident's latest contact, as the desk keeps it on the record for searching.
    table = Resident.__table__
    sql = str(update(table).where(table.c.id == bindparam("rid")).values(last_contact_at=bindparam("at"))
              .compile(dialect=connection.dialect))
    connection.exec_driver_sql(sql, [(stamp(at), rid) for rid, at in sorted(last_contact.items())])
    connection.commit()
    borough.facts["contacted_residents"] = len(last_contact)
