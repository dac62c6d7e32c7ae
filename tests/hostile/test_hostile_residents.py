"""Hostile text in every field of a resident's record and in the search box, on SQLite and
PostgreSQL: each value is either refused with a ValidationError naming its field, or stored and
read back exactly as the documented cleaning (trim, NFC) left it, and the saved name is found
again by searching for the same text. Never any other exception."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assisted_desk.core.errors import ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.residents import ResidentInput

from ..conftest import make_actor
from .strings import (
    LONE_SURROGATES, NFC_E, NFD_E, all_strings, chunks, documented_clean, has_forbidden_control,
    has_surrogate, hostile_text,
)

NAME_FIELDS = ("given_name", "family_name", "preferred_name")
# Free text: stored as typed after trimming and NFC (accessibility needs also turn CRLF into LF).
TEXT_FIELDS = ("address_line1", "address_line2", "town", "preferred_language", "accessibility_needs")
# Checked and normalised to a stored form (E.164, upper case...): the service's own reading back.
CHECKED_FIELDS = ("postcode", "phone", "email", "library_card", "date_of_birth")
HOSTILE_FIELDS = NAME_FIELDS + TEXT_FIELDS + CHECKED_FIELDS
BASE = ResidentInput(given_name="Test", family_name="Hostile")
FIRST_BIRTHDAY = date(1940, 1, 1)


@pytest.fixture(scope="module")
def desk(desk_services):
    services, admin = desk_services
    return services, make_actor(services, admin, "hostile.desk", Role.DESK)


def expected_text(field: str, typed: str) -> str:
    if field == "accessibility_needs":
        typed = typed.replace("\r\n", "\n")
    return documented_clean(typed)


def register_hostile(services, actor, text: str, fields: tuple[str, ...], born: date):
    """Register with `text` in every one of `fields`, taking back each field the service refuses
    (it must name one of them). Returns (record or None, fields accepted, refusals)."""
    values = dict.fromkeys(fields, text)
    refusals: dict[str, str] = {}
    while True:
        data = dataclasses.replace(BASE, **values)
        if "date_of_birth" not in values:
            data = dataclasses.replace(data, date_of_birth=born)
        if not (set(values) & set(NAME_FIELDS[:2])):
            data = dataclasses.replace(data, given_name=BASE.given_name, family_name=BASE.family_name)
        try:
            record = services.residents.register(actor, data, confirm_not_duplicate=True)
        except ValidationError as refused:
            assert refused.field in values, (text, refused.field, str(refused))
            assert str(refused).strip(), text
            refusals[refused.field] = str(refused)
            values.pop(refused.field)
            continue
        return record, tuple(values), refusals


def check_read_back(services, actor, record, text: str, accepted: tuple[str, ...]) -> None:
    again = services.residents.get(actor, record.id)
    assert again == record
    for field in accepted:
        if field in NAME_FIELDS + TEXT_FIELDS:
            assert getattr(again, field) == expected_text(field, text), (field, text)


def test_every_hostile_string_in_every_resident_field(desk):
    services, actor = desk
    strings = all_strings()
    accepted_names = 0
    for n, text in enumerate(strings):
        born = FIRST_BIRTHDAY + timedelta(days=n)
        record, accepted, refusals = register_hostile(services, actor, text, HOSTILE_FIELDS, born)
        if has_surrogate(text) or has_forbidden_control(text.strip()):
            # Text that cannot be stored as typed is refused in every field, never half-kept.
            stored = [f for f in accepted if f in NAME_FIELDS + TEXT_FIELDS and documented_clean(text)]
            assert not stored, (text, stored)
        check_read_back(services, actor, record, text, accepted)
        if "given_name" in accepted and documented_clean(text):
            accepted_names += 1
            found = services.search.find(actor, f"{text} {born:%d/%m/%Y}")
            assert record.id in [m.resident_id for m in found.matches], (text, found.understood_as)
    assert accepted_names > 40  # the extras' real names at least: the test is not vacuous


def test_lone_surrogates_are_refused_with_a_clear_message(desk):
    services, actor = desk
    for text in LONE_SURROGATES:
        for field in ("given_name", "address_line1", "accessibility_needs", "email", "town"):
            with pytest.raises(ValidationError) as refused:
                services.residents.register(actor, dataclasses.replace(BASE, **{field: text}),
                                            confirm_not_duplicate=True)
            assert refused.value.field == field
            assert "character" in str(refused.value)


def test_nul_is_refused_the_same_on_both_databases(desk):
    services, actor = desk
    for field in ("family_name", "address_line2", "town", "email", "phone", "postcode", "library_card"):
        with pytest.raises(ValidationError) as refused:
            services.residents.register(actor, dataclasses.replace(BASE, **{field: "ab\x00c@example.org"}),
                                        confirm_not_duplicate=True)
        assert refused.value.field == field


def test_normalisation_twins_are_one_name(desk):
    services, actor = desk
    composed = services.residents.register(actor, dataclasses.replace(BASE, given_name=f"Ren{NFC_E}e",
                                           family_name="Twinsome"), confirm_not_duplicate=True)
    decomposed = services.residents.register(actor, dataclasses.replace(BASE, given_name=f"Ren{NFD_E}e",
                                             family_name="Twinsome"), confirm_not_duplicate=True)
    assert composed.given_name == decomposed.given_name == f"Ren{NFC_E}e"
    for typed in (f"ren{NFC_E}e twinsome", f"Ren{NFD_E}e Twinsome", "renee twinsome"):
        found = {m.resident_id for m in services.search.find(actor, typed).matches}
        assert {composed.id, decomposed.id} <= found, typed


def test_hostile_updates_read_back(desk):
    services, actor = desk
    record = services.residents.register(actor, dataclasses.replace(BASE, family_name="Updated"),
                                         confirm_not_duplicate=True)
    for batch in chunks(all_strings()[::3], 20):
        for text in batch:
            data = dataclasses.replace(record.as_input(), address_line1=text, town=text)
            try:
                record = services.residents.update(actor, record.id, data, record.version)
            except ValidationError as refused:
                assert refused.field in ("address_line1", "town"), (text, refused.field)
                continue
            assert services.residents.get(actor, record.id).address_line1 == documented_clean(text)


@settings(max_examples=40, deadline=None)
@given(given_name=hostile_text, town=hostile_text, needs=hostile_text, search=hostile_text)
def test_any_text_is_kept_or_refused_and_search_never_crashes(desk, given_name, town, needs, search):
    services, actor = desk
    data = dataclasses.replace(BASE, given_name=given_name, town=town, accessibility_needs=needs)
    try:
        record = services.residents.register(actor, data, confirm_not_duplicate=True)
    except ValidationError as refused:
        assert refused.field in ("given_name", "family_name", "town", "accessibility_needs")
    else:
        again = services.residents.get(actor, record.id)
        assert again.town == expected_text("town", town)
        assert again.accessibility_needs == expected_text("accessibility_needs", needs)
        if documented_clean(given_name):
            assert again.given_name == documented_clean(given_name)
            found = services.search.find(actor, f"{given_name} hostile")
            assert record.id in [m.resident_id for m in found.matches] or found.more
    services.search.find(actor, search)
    services.search.read(search)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(all_strings()), min_size=1, max_size=4))
def test_search_box_takes_any_mix_of_hostile_strings(desk, parts):
    services, actor = desk
    result = services.search.find(actor, " ".join(parts))
    assert isinstance(result.understood_as, str)
