"""Registering and editing residents, on SQLite and PostgreSQL: names in any script kept exactly,
every refusal naming its field, optimistic locking, audit, and likely duplicates."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date

import pytest
from sqlalchemy import func, select

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import ConflictError, NotFound, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.duplicates import SAME_BIRTH_SIMILAR_NAME, SAME_EMAIL, SAME_PHONE, names_similar
from assisted_desk.desk.models import Resident, ResidentNameWord
from assisted_desk.desk.names import name_words
from assisted_desk.desk.residents import DuplicateSuspected, ResidentInput
from assisted_desk.desk.vocab import ContactMethod

from ..conftest import make_actor

NAMES = [
    ("Łukasz", "Żółć", ""),
    ("Ștefan", "Dumitrescu", "Ștefi"),
    ("محمد", "الأحمد", ""),
    ("પ્રિયા", "પટેલ", ""),
    ("Zoë", "O'Brien-Smith", ""),
    ("Nguyễn", "Thị Minh Khai", ""),
    ("伟", "张", ""),
    ("Αλέξανδρος", "Παπαδόπουλος", "Αλέκος"),
    ("مهر\u200cناز", "رضایی", ""),  # a Persian name with a zero-width non-joiner in it
    ("Ngozi", "", ""),  # known by one name
    ("", "Ó Súilleabháin", ""),
]


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "desk", Role.DESK)


def count_residents(services) -> int:
    with services.db.unit_of_work() as session:
        return session.scalar(select(func.count(Resident.id)))


def words_of(services, resident_id: int) -> set[str]:
    with services.db.unit_of_work() as session:
        return set(session.scalars(select(ResidentNameWord.word).where(ResidentNameWord.resident_id == resident_id)))


def audit_of(services, admin, resident_id: int):
    return services.audit.browse(admin, AuditFilter(record_type="resident", record_id=str(resident_id))).entries


FULL = ResidentInput(
    given_name="Anna", family_name="Kowalska", preferred_name="Ania", date_of_birth="14 March 1985",
    address_line1="12 Mile End Road", address_line2="Flat 3", town="London", postcode="e1 6an",
    phone="07911 123456", email="Anna.K@Example.org", library_card="2000 1234-5678",
    preferred_language="Polish", interpreter_needed=True, accessibility_needs="Large print\nhearing loop",
    preferred_contact="email",
)


# ---- registering ----------------------------------------------------------------------------------


@pytest.mark.parametrize("given, family, preferred", NAMES)
def test_names_in_any_script_round_trip_exactly_and_are_indexed(services, desk, given, family, preferred):
    # Typed decomposed (as some keyboards send it): stored composed, otherwise letter for letter.
    data = ResidentInput(given_name=unicodedata.normalize("NFD", given), family_name=family,
                         preferred_name=preferred)
    saved = services.residents.register(desk, data)
    got = services.residents.get(desk, saved.id)
    assert (got.given_name, got.family_name, got.preferred_name) == (given, family, preferred)
    assert words_of(services, saved.id) == set(name_words(given, family, preferred))
    with services.db.unit_of_work() as session:
        assert session.get(Resident, saved.id).sort_name.strip()


def test_register_keeps_every_detail_in_its_stored_form(services, desk):
    saved = services.residents.register(desk, FULL)
    got = services.residents.get(desk, saved.id)
    assert got == saved
    assert got.date_of_birth == date(1985, 3, 14)
    assert (got.address_line1, got.address_line2, got.town, got.postcode) == (
        "12 Mile End Road", "Flat 3", "London", "E1 6AN")
    assert got.phone == "+447911123456" and got.phone_display == "07911 123456"
    assert got.email == "Anna.K@Example.org"
    assert got.library_card == "200012345678"
    assert got.preferred_language == "Polish" and got.interpreter_needed is True
    assert got.accessibility_needs == "Large print\nhearing loop"
    assert got.preferred_contact is ContactMethod.EMAIL
    assert got.registered_site_id == desk.site_id and got.created_by == "desk"
    assert got.merged_into_id is None and got.version == 1
    assert got.display_name == "Anna (Ania) Kowalska"
    with services.db.unit_of_work() as session:
        row = session.get(Resident, saved.id)
        assert (row.postcode_key, row.email_key, row.sort_name) == ("E16AN", "anna.k@example.org", "kowalska anna")


@pytest.mark.parametrize("written", ["14/03/1985", "14-3-85", "14.03.1985", "1985-03-14", "14 March 1985",
                                     "14th Mar 1985", "14031985", date(1985, 3, 14)])
def test_date_of_birth_in_the_usual_written_forms(services, desk, written):
    saved = services.residents.register(desk, ResidentInput(given_name="Ben", date_of_birth=written))
    assert saved.date_of_birth == date(1985, 3, 14)


REFUSALS = [
    (dict(given_name="", family_name=" "), "given_name", "Give at least one name"),
    (dict(given_name="Anna3"), "given_name", "cannot contain '3'"),
    (dict(family_name="Smith@home"), "family_name", "cannot contain '@'"),
    (dict(given_name="--"), "given_name", "at least one letter"),
    (dict(family_name="Ł" * 101), "family_name", "at most 100 are allowed"),
    (dict(preferred_name="An\x07na"), "preferred_name", "invisible control characters"),
    (dict(date_of_birth="32/13/1985"), "date_of_birth", "not a date we can read"),
    (dict(date_of_birth="1 January 2030"), "date_of_birth", "in the future"),
    (dict(date_of_birth=date(1890, 1, 1)), "date_of_birth", "more than 120 years ago"),
    (dict(address_line1="x" * 121), "address_line1", "at most 120 are allowed"),
    (dict(town="y" * 81), "town", "at most 80 are allowed"),
    (dict(postcode="ABC 123"), "postcode", "is not a UK postcode"),
    (dict(phone="12345"), "phone", "not a phone number we can ring"),
    (dict(email="anna@"), "email", "is not an email address"),
    (dict(library_card="12"), "library_card", "4 to 20 letters and digits"),
    (dict(library_card="1234/5678"), "library_card", "4 to 20 letters and digits"),
    (dict(preferred_language="z" * 61), "preferred_language", "at most 60 are allowed"),
    (dict(interpreter_needed=True), "preferred_language", "say for which language"),
    (dict(accessibility_needs="w" * 2001), "accessibility_needs", "at most 2000 are allowed"),
    (dict(preferred_contact="pigeon"), "preferred_contact", "is not one of: Phone, SMS, Email, Post"),
    (dict(preferred_contact="email"), "preferred_contact", "needs an email address"),
    (dict(preferred_contact=ContactMethod.SMS), "preferred_contact", "needs a phone number"),
    (dict(preferred_contact="post", address_line1="1 High St"), "preferred_contact", "and a postcode"),
]


@pytest.mark.parametrize("change, field, says", REFUSALS)
def test_each_refusal_names_the_field_and_what_is_allowed(services, desk, change, field, says):
    data = dataclasses.replace(ResidentInput(given_name="Anna", family_name="Nowak"), **change)
    as_typed = dataclasses.replace(data)
    with pytest.raises(ValidationError) as refused:
        services.residents.register(desk, data)
    assert refused.value.field == field
    assert says in refused.value.message
    assert data == as_typed  # the form's data is untouched, ready to show again
    assert count_residents(services) == 0
    # The same refusal when editing, and the record stays as it was.
    saved = services.residents.register(desk, ResidentInput(given_name="Anna", family_name="Nowak"))
    with pytest.raises(ValidationError) as refused_edit:
        services.residents.update(desk, saved.id, data, saved.version)
    assert refused_edit.value.field == field
    assert services.residents.get(desk, saved.id) == saved


def test_a_refused_form_registers_once_the_one_field_is_corrected(services, desk):
    data = dataclasses.replace(FULL, phone="0791112345")  # a digit short
    with pytest.raises(ValidationError):
        services.residents.register(desk, data)
    assert data.phone == "0791112345" and data.given_name == "Anna"
    saved = services.residents.register(desk, dataclasses.replace(data, phone="07911 123456"))
    assert saved.phone == "+447911123456" and saved.library_card == "200012345678"


def test_registering_is_audited_with_fields_not_values(services, desk, admin):
    saved = services.residents.register(desk, FULL)
    (entry,) = audit_of(services, admin, saved.id)
    assert entry.action == "resident.registered" and entry.actor == "desk"
    assert "given name" in entry.summary and "phone" in entry.summary and "date of birth" in entry.summary
    for value in ("Anna", "Kowalska", "7911", "Example", "1985", "E1", "Polish"):
        assert value not in entry.summary


# ---- editing ----------------------------------------------------------------------------------------


def test_edit_saves_changes_reindexes_names_and_audits_which_fields(services, desk, admin):
    saved = services.residents.register(desk, FULL)
    edited = dataclasses.replace(saved.as_input(), family_name="Wiśniewska", phone="+44 20 7946 0000",
                                 address_line1="1 Bow Road")
    updated = services.residents.update(desk, saved.id, edited, saved.version)
    assert updated.family_name == "Wiśniewska" and updated.phone == "+442079460000"
    assert updated.phone_display == "020 7946 0000"
    assert updated.version == saved.version + 1 and updated.updated_by == "desk"
    assert updated.email == saved.email and updated.library_card == saved.library_card
    assert "wisniewska" in words_of(services, saved.id) and "kowalska" not in words_of(services, saved.id)
    entry = audit_of(services, admin, saved.id)[0]
    assert entry.action == "resident.updated"
    assert entry.summary == "changed: family name, address, phone"
    assert "Wiś" not in entry.summary and "7946" not in entry.summary


def test_saving_an_unchanged_record_changes_nothing(services, desk, admin):
    saved = services.residents.register(desk, FULL)
    again = services.residents.update(desk, saved.id, saved.as_input(), saved.version)
    assert again == saved
    assert [e.action for e in audit_of(services, admin, saved.id)] == ["resident.registered"]


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(services, desk, admin):
    colleague = make_actor(services, admin, "colleague", Role.DESK)
    saved = services.residents.register(desk, FULL)
    first = services.residents.update(colleague, saved.id, dataclasses.replace(saved.as_input(), town="Bow"),
                                      saved.version)
    with pytest.raises(ConflictError) as refused:
        services.residents.update(desk, saved.id, dataclasses.replace(saved.as_input(), town="Stepney"),
                                  saved.version)
    assert "colleague" in refused.value.message
    assert services.residents.get(desk, saved.id) == first


def test_unknown_record_is_not_found(services, desk):
    with pytest.raises(NotFound):
        services.residents.get(desk, 9999)
    with pytest.raises(NotFound):
        services.residents.update(desk, 9999, ResidentInput(given_name="X"), 1)


# ---- likely duplicates ---------------------------------------------------------------------------


@pytest.fixture
def anna(services, desk):
    return services.residents.register(desk, ResidentInput(
        given_name="Łukasz", family_name="Żółć", date_of_birth="14/03/1985", phone="07911 123456",
        email="lukasz@example.org"))


@pytest.mark.parametrize("given, family", [
    ("Łukasz", "Żółć"),  # the same
    ("lukasz", "zolc"),  # no accents, lower case
    ("Żółć", "Łukasz"),  # the other way round
    ("Lukas", "Zolc"),  # one letter missing
    ("Łukasz", "Żółćk"),  # one letter extra
    ("Łukasz", ""),  # only one of the names
])
def test_same_date_of_birth_and_a_similar_name_is_a_likely_duplicate(services, desk, anna, given, family):
    data = ResidentInput(given_name=given, family_name=family, date_of_birth="1985-03-14")
    (candidate,) = services.residents.possible_duplicates(desk, data)
    assert candidate.resident_id == anna.id and candidate.reason == SAME_BIRTH_SIMILAR_NAME
    assert candidate.name == "Łukasz Żółć" and candidate.date_of_birth == date(1985, 3, 14)


@pytest.mark.parametrize("given, family, born", [
    ("Marek", "Żółć", "14/03/1985"),  # another person of the family, born the same day
    ("Łukasz", "Żółć", "15/03/1985"),  # another day
    ("Łukasz", "Żółć", ""),  # no date of birth given
    ("Łu", "Ż", "14/03/1985"),  # short words need to be exact
])
def test_not_a_duplicate_without_both_date_and_similar_name(services, desk, anna, given, family, born):
    data = ResidentInput(given_name=given, family_name=family, date_of_birth=born)
    assert services.residents.possible_duplicates(desk, data) == ()


def test_the_same_phone_or_email_in_any_written_form_is_a_likely_duplicate(services, desk, anna):
    by_phone = services.residents.possible_duplicates(desk, ResidentInput(given_name="Tom", phone="+44 7911 123456"))
    assert [(c.resident_id, c.reasons) for c in by_phone] == [(anna.id, (SAME_PHONE,))]
    by_email = services.residents.possible_duplicates(desk, ResidentInput(given_name="Tom", email="LUKASZ@example.ORG"))
    assert [(c.resident_id, c.reasons) for c in by_email] == [(anna.id, (SAME_EMAIL,))]
    everything = services.residents.possible_duplicates(desk, ResidentInput(
        given_name="Lukasz", family_name="Zolc", date_of_birth="14/3/85", phone="07911123456",
        email="lukasz@example.org"))
    assert everything[0].reasons == (SAME_BIRTH_SIMILAR_NAME, SAME_PHONE, SAME_EMAIL)


def test_candidates_with_more_reasons_come_first(services, desk, anna):
    phone_only = services.residents.register(desk, ResidentInput(given_name="Zara", phone="07911 123555"),
                                             confirm_not_duplicate=True)
    both = services.residents.possible_duplicates(desk, ResidentInput(
        given_name="Łukasz", family_name="Żółć", date_of_birth="14/03/1985", phone="07911 123555",
        email="lukasz@example.org"))
    # "zara" sorts before "zolc lukasz" by name; two reasons outrank one.
    assert [(c.resident_id, len(c.reasons)) for c in both] == [(anna.id, 2), (phone_only.id, 1)]


def test_register_refuses_a_likely_duplicate_until_confirmed(services, desk, admin, anna):
    data = ResidentInput(given_name="Lukasz", family_name="Zolc", date_of_birth="14/03/1985")
    with pytest.raises(DuplicateSuspected) as suspected:
        services.residents.register(desk, data)
    assert [c.resident_id for c in suspected.value.candidates] == [anna.id]
    assert "1 existing record may be this person" in suspected.value.message
    assert count_residents(services) == 1
    second = services.residents.register(desk, data, confirm_not_duplicate=True)
    assert second.id != anna.id and count_residents(services) == 2
    (entry,) = audit_of(services, admin, second.id)
    assert f"confirmed a different person from record(s) {anna.id}" in entry.summary


def test_merged_records_are_never_candidates(services, desk, admin, anna):
    advocate = make_actor(services, admin, "advocate", Role.ADVOCATE)
    keeper = services.residents.register(desk, ResidentInput(given_name="Luk", family_name="Z"),
                                         confirm_not_duplicate=True)
    services.residents.merge(advocate, keeper.id, anna.id, expected_survivor_version=keeper.version,
                             expected_merged_version=anna.version)
    assert services.residents.possible_duplicates(desk, ResidentInput(given_name="Tom", phone="07911123456")) == ()


def test_possible_duplicates_checks_the_input_too(services, desk):
    with pytest.raises(ValidationError) as refused:
        services.residents.possible_duplicates(desk, ResidentInput(given_name="Tom", email="not mail"))
    assert refused.value.field == "email"


@pytest.mark.parametrize("first, second, similar", [
    ("anna kowalska", "kowalska anna", True),
    ("ana kowalska", "anna kowalska", True),
    ("anna kowalska", "anna kowalsky", True),
    ("anna kowalska", "anna", True),
    ("anna kowalska", "maria kowalska", False),
    ("anna kowalska", "ann kowal", False),  # two letters off in one word
    ("al smith", "ali smith", False),  # three-letter words must be exact
    ("anna anna", "anna", True),
    ("anna", "", False),
])
def test_name_similarity_rule(first, second, similar):
    assert names_similar(name_words(first), name_words(second)) is similar
