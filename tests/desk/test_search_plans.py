"""The search's SQL shapes give the same answers: each shape (sort a small intersection, intersect
every set, walk in result order) is forced in turn on SQLite and PostgreSQL, and the planner's
choices are checked on figures like the borough's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update

from assisted_desk.desk import search as search_module
from assisted_desk.desk.models import Resident
from assisted_desk.desk.search_sql import COUNT_CAP, ORDER_INDEX, Plan, SampleFirst, choose_plan

from .test_search import names, register


def force(monkeypatch, shape: str) -> None:
    """Make every search use one shape, whatever the counts say."""
    def chosen(counts, residents, limit, can_walk, sampled=None):
        everything = tuple(range(len(counts)))
        if shape == "walk":
            return Plan(everything[:1], walk=True)
        if shape == "walk-checks":
            return Plan((), walk=True)
        if shape == "intersect-all":
            return Plan(everything, walk=False)
        if shape == "sort-first":
            return Plan(everything[:1], walk=False)
        if shape == "sampled" and sampled is None and len(counts) > 1:
            return SampleFirst(everything[:1], everything[1:])  # ask for samples, then sort the first set
        if shape == "sampled-everyone" and sampled is None:
            return SampleFirst((), everything)  # the sample of everyone only
        return Plan(everything[:1], walk=False)

    monkeypatch.setattr(search_module, "choose_plan", chosen)


@pytest.fixture
def borough(services, admin, clock):
    # The migrated schema has the result-order index (migration 0002).
    ids = {
        "lukasz": register(services, admin, "Łukasz", "Żółć", date_of_birth="14/03/1985", postcode="E1 6AN"),
        "anna_nowak": register(services, admin, "Anna", "Nowak", "Ania", date_of_birth="02/01/1985",
                               postcode="E1 7AA"),
        "anna_smith": register(services, admin, "Anna", "Smith", date_of_birth="03/03/1962", postcode="E14 6AN"),
        "john_smith": register(services, admin, "John", "Smith", date_of_birth="12/12/1985", postcode="E1 6AN"),
        "jane_smyth": register(services, admin, "Jane", "Smyth", date_of_birth="09/09/1999", postcode="N1 9GU"),
        "old_smith": register(services, admin, "Joan", "Smith", date_of_birth="01/01/1950"),
        "mohammed": register(services, admin, "محمد", "علي", date_of_birth="01/01/1970"),
    }
    with services.db.unit_of_work() as session:
        for key, days in (("anna_smith", 1), ("john_smith", 3), ("anna_nowak", 10)):
            session.execute(update(Resident).where(Resident.id == ids[key])
                            .values(last_contact_at=clock.now() - timedelta(days=days))
                            .execution_options(synchronize_session=False))
        session.execute(update(Resident).where(Resident.id == ids["old_smith"])
                        .values(merged_into_id=ids["john_smith"]).execution_options(synchronize_session=False))
    return ids


CASES = [
    ("anna", ["Anna Smith", "Anna (Ania) Nowak"]),
    ("smith", ["Anna Smith", "John Smith", "Jane Smyth"]),  # Smyth a typo away; Joan merged
    ("smi an", ["Anna Smith"]),
    ("smith 1985", ["John Smith"]),
    ("E1", ["John Smith", "Anna (Ania) Nowak", "Łukasz Żółć"]),
    ("E1 6", ["John Smith", "Łukasz Żółć"]),
    ("anna E1", ["Anna (Ania) Nowak"]),
    ("lukazs zolc", ["Łukasz Żółć"]),
    ("smiht john", ["John Smith"]),
    ("علي", ["محمد علي"]),
    ("1985", ["John Smith", "Anna (Ania) Nowak", "Łukasz Żółć"]),
    ("zzzz", []),
]


@pytest.mark.parametrize("shape", ["planner", "walk", "walk-checks", "intersect-all", "sort-first", "sampled",
                                   "sampled-everyone"])
def test_every_shape_finds_the_same_residents_in_the_same_order(services, admin, borough, monkeypatch, shape):
    if shape != "planner":
        force(monkeypatch, shape)
    for typed, expected in CASES:
        assert names(services.search.find(admin, typed)) == expected, (shape, typed)


def test_the_order_index_is_found_and_a_walk_is_allowed(services, admin, borough, monkeypatch):
    calls = []
    real = search_module.choose_plan

    def spy(counts, residents, limit, can_walk, sampled=None):
        calls.append(can_walk)
        return real(counts, residents, limit, can_walk, sampled)

    monkeypatch.setattr(search_module, "choose_plan", spy)
    assert names(services.search.find(admin, "smith")) == ["Anna Smith", "John Smith", "Jane Smyth"]
    assert services.search._order_index is True
    assert calls and all(calls)


def test_without_the_order_index_every_search_sorts(services, admin):
    with services.db.unit_of_work() as session:  # as on a database that lost the index
        session.execute(text(f"DROP INDEX {ORDER_INDEX}"))
    register(services, admin, "Anna", "Smith")
    assert names(services.search.find(admin, "anna")) == ["Anna Smith"]
    assert services.search._order_index is False
    everyone_has_it = (200, 200)
    assert choose_plan([COUNT_CAP], 400_000, 51, False, sampled=everyone_has_it) == Plan((0,), walk=False)


# The planner's choices on the borough's figures (400,000 residents, a page of 51).
N = 400_000


def test_a_common_word_walks_and_a_rare_one_sorts():
    assert choose_plan([COUNT_CAP], N, 51, True) == SampleFirst((), (0,))  # "ma": over the cap
    assert choose_plan([COUNT_CAP], N, 51, True, sampled=(200, 12)).walk
    assert choose_plan([7_000], N, 51, True) == Plan((0,), walk=True)  # "oliver"
    assert choose_plan([40], N, 51, True) == Plan((0,), walk=False)  # "zolc"
    assert choose_plan([1], N, 51, True) == Plan((0,), walk=False)  # a phone number


def test_two_common_words_that_rarely_meet_are_intersected():
    assert choose_plan([7_000, 8_600], N, 51, True) == Plan((0, 1), walk=False)  # "oliver smith"
    # Both over the cap, each in about 3% of everyone: "isla jones" with a typo.
    assert choose_plan([COUNT_CAP, COUNT_CAP], N, 51, True, sampled=(200, 6, 5)) == Plan((0, 1), walk=False)
    # Both common, often together ("a b"): walk.
    assert choose_plan([COUNT_CAP, COUNT_CAP], N, 51, True, sampled=(200, 40, 30)).walk


def test_a_small_and_a_large_set_ask_for_a_sample_first():
    assert choose_plan([4_500, COUNT_CAP], N, 51, True) == SampleFirst((0,), (1,))
    # The large set keeps 3% of everyone and 3% of the small one's residents: intersect both.
    plan = choose_plan([4_500, COUNT_CAP], N, 51, True, sampled=(200, 6, 200, 6))
    assert plan == Plan((0, 1), walk=False)
    # It holds most residents and nearly all of the small set's (a one-letter word): walk the
    # small set's residents in order.
    plan = choose_plan([9_000, COUNT_CAP], N, 51, True, sampled=(200, 120, 200, 190))
    assert plan == Plan((0,), walk=True)


def test_name_words_compare_byte_by_byte_on_postgresql_whatever_its_default_collation(services):
    # Prefix search is a range on the words; a linguistic collation would order them differently.
    if not services.db.url.get_backend_name() == "postgresql":
        pytest.skip("SQLite compares text byte by byte already")
    with services.db.unit_of_work() as session:
        collations = dict(session.execute(text(
            "SELECT table_name, collation_name FROM information_schema.columns "
            "WHERE column_name IN ('word', 'variant') AND table_name LIKE 'resident_name_%'")).all())
    assert collations == {"resident_name_word": "C", "resident_name_variant": "C"}
