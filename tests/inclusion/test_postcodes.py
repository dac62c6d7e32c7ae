"""Postcode positions from the points we hold (exact, else sector, else district) and distances,
on SQLite and PostgreSQL; nothing asks the network."""

from __future__ import annotations

import pytest

from assisted_desk.core.errors import ValidationError
from assisted_desk.inclusion.partner_models import PostcodePoint
from assisted_desk.inclusion.postcodes import (Precision, district_of, locate, locate_many, miles_between,
                                               normalise_postcode, remember_point, sector_of)

from .partner_rows import WHEN, add_points


@pytest.mark.parametrize("typed, stored", [("e1 6an", "E1 6AN"), (" E16AN ", "E1 6AN"), ("sw1a1aa", "SW1A 1AA"),
                                           ("EC1A 1BB", "EC1A 1BB"), ("", None), ("not a postcode", None),
                                           ("E1", None), ("12345", None)])
def test_postcodes_are_read_the_way_the_desk_reads_them(typed, stored):
    assert normalise_postcode(typed) == stored


def test_sector_and_district_of_a_postcode():
    assert (district_of("E1 6AN"), sector_of("E1 6AN")) == ("E1", "E1 6")
    assert (district_of("SW1A 1AA"), sector_of("SW1A 1AA")) == ("SW1A", "SW1A 1")
    assert (district_of("E14 2BB"), sector_of("E14 2BB")) == ("E14", "E14 2")


def test_distances_are_great_circle_miles():
    assert miles_between(51.5, -0.07, 51.5, -0.07) == 0
    # One hundredth of a degree of latitude is about 0.69 miles anywhere.
    assert miles_between(51.50, -0.07, 51.51, -0.07) == pytest.approx(0.691, abs=0.001)
    # London (Charing Cross) to Paris (Notre-Dame): about 213 miles as the crow flies.
    london_paris = miles_between(51.5073, -0.1276, 48.8530, 2.3498)
    assert london_paris == pytest.approx(213.5, abs=1.5)
    assert miles_between(48.8530, 2.3498, 51.5073, -0.1276) == pytest.approx(london_paris)


def test_a_known_postcode_is_placed_exactly(services):
    with services.db.unit_of_work() as session:
        add_points(session)
    with services.db.unit_of_work() as session:
        position = locate(session, "e1 6an")
    assert position is not None and position.precision is Precision.POSTCODE
    assert (position.postcode, position.latitude, position.longitude) == ("E1 6AN", 51.5205, -0.0722)
    assert not position.precision.is_approximate and position.basis == "E1 6AN"


def test_an_unknown_postcode_falls_back_to_its_sector_then_its_district_and_says_so(services):
    with services.db.unit_of_work() as session:
        add_points(session)
    with services.db.unit_of_work() as session:
        sector = locate(session, "E1 6ZZ")  # E1 6AN and E1 6QL are known
        district = locate(session, "E1 9XX")  # nothing in E1 9; four in E1
        nowhere = locate(session, "W1A 1AA")  # nothing in W1A
        not_a_postcode = locate(session, "Kraków")
        e14 = locate(session, "E14 9ZZ")  # E1 must not count towards E14, nor E14 towards E1
    assert sector.precision is Precision.SECTOR and sector.basis == "sector E1 6 (2 known postcodes)"
    assert sector.latitude == pytest.approx((51.5205 + 51.5190) / 2)
    assert sector.longitude == pytest.approx((-0.0722 - 0.0700) / 2)
    assert district.precision is Precision.DISTRICT and district.basis == "district E1 (4 known postcodes)"
    assert district.latitude == pytest.approx((51.5205 + 51.5190 + 51.5165 + 51.5180) / 4)
    assert e14.basis == "district E14 (1 known postcode)" and e14.latitude == pytest.approx(51.5060)
    assert nowhere is None and not_a_postcode is None
    assert district.precision.is_approximate and Precision.DISTRICT.label == "postcode district"


def test_many_postcodes_are_placed_together(services):
    with services.db.unit_of_work() as session:
        add_points(session)
    with services.db.unit_of_work() as session:
        found = locate_many(session, ["E1 6AN", "E1 6ZZ", "E2 9ZZ", "W1A 1AA", "", "E1 6AN"])
    assert {p: found[p].precision for p in found} == {"E1 6AN": Precision.POSTCODE, "E1 6ZZ": Precision.SECTOR,
                                                       "E2 9ZZ": Precision.DISTRICT}
    with services.db.unit_of_work() as session:
        assert locate_many(session, []) == {}


def test_remembering_a_point_adds_or_moves_it_and_refuses_nonsense(services):
    with services.db.unit_of_work() as session:
        remember_point(session, "e2 8hd", 51.53, -0.062, "lookup", WHEN)
    with services.db.unit_of_work() as session:
        remember_point(session, "E2 8HD", 51.531, -0.063, "directory", WHEN)
    with services.db.unit_of_work() as session:
        row = session.get(PostcodePoint, "E2 8HD")
        assert (row.latitude, row.longitude, row.source) == (51.531, -0.063, "directory")
        with pytest.raises(ValidationError, match="not a position on Earth"):
            remember_point(session, "E2 8HD", 151.0, 0.0, "lookup", WHEN)
        with pytest.raises(ValidationError, match="not a UK postcode") as refused:
            remember_point(session, "Łódź 90-001", 51.7, 19.4, "lookup", WHEN)
        assert refused.value.field == "postcode"
