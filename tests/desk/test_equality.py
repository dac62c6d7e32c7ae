"""Equality monitoring, on SQLite and PostgreSQL: optional answers from fixed lists, separately
permissioned for reading and writing, audited without the answers."""

from __future__ import annotations

import pytest

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.equality import QUESTIONS
from assisted_desk.desk.residents import EqualityAnswers, ResidentInput
from assisted_desk.desk.vocab import AGE_BANDS, DISABILITY, ETHNICITIES, PREFER_NOT_TO_SAY, SEXES

from ..conftest import make_actor


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "desk", Role.DESK)


@pytest.fixture
def resident(services, desk):
    return services.residents.register(desk, ResidentInput(given_name="Priya", family_name="Patel"))


def audit(services, admin, resident_id):
    return services.audit.browse(admin, AuditFilter(record_type="resident", record_id=str(resident_id))).entries


def test_nothing_recorded_reads_as_all_blank(services, desk, resident):
    record = services.residents.get_equality(desk, resident.id)
    assert record.answers == EqualityAnswers() and record.version is None and record.answered == 0


def test_answers_round_trip(services, desk, resident):
    answers = EqualityAnswers(age_band="35-44", sex="Female", ethnicity="Asian or Asian British: Indian",
                              disability="No", first_language="ગુજરાતી")
    saved = services.residents.record_equality(desk, resident.id, answers, None)
    assert saved.answers == answers and saved.version == 1 and saved.updated_by == "desk"
    assert services.residents.get_equality(desk, resident.id) == saved
    assert saved.answered == 5


def test_prefer_not_to_say_and_blank_are_allowed_for_every_question(services, desk, resident):
    typed = EqualityAnswers(age_band="prefer not to say", sex="", ethnicity="PREFER NOT TO SAY",
                            disability="Prefer not to say", first_language="Prefer Not To Say")
    saved = services.residents.record_equality(desk, resident.id, typed, None)
    assert saved.answers == EqualityAnswers(PREFER_NOT_TO_SAY, "", PREFER_NOT_TO_SAY, PREFER_NOT_TO_SAY,
                                            PREFER_NOT_TO_SAY)


def test_answers_match_their_list_in_any_case(services, desk, resident):
    saved = services.residents.record_equality(
        desk, resident.id, EqualityAnswers(sex="female", ethnicity="white: irish", disability="yes, limited a lot"),
        None)
    assert saved.answers.sex == "Female" and saved.answers.ethnicity == "White: Irish"
    assert saved.answers.disability == "Yes, limited a lot"


def test_every_listed_answer_is_accepted(services, desk, resident):
    version = None
    for age, sex, ethnicity, disability in zip(AGE_BANDS, SEXES * 10, ETHNICITIES, DISABILITY * 10):
        saved = services.residents.record_equality(
            desk, resident.id, EqualityAnswers(age, sex, ethnicity, disability), version)
        assert (saved.answers.age_band, saved.answers.ethnicity) == (age, ethnicity)
        version = saved.version


@pytest.mark.parametrize("field, value", [("age_band", "40"), ("sex", "Unknown"), ("ethnicity", "Martian"),
                                          ("disability", "Maybe")])
def test_an_answer_not_on_its_list_is_refused_naming_the_choices(services, desk, resident, field, value):
    with pytest.raises(ValidationError) as refused:
        services.residents.record_equality(desk, resident.id, EqualityAnswers(**{field: value}), None)
    assert refused.value.field == field
    label = next(label for name, label, _a in QUESTIONS if name == field)
    assert refused.value.message.startswith(f"{label} '{value}' is not one of the answers")
    assert PREFER_NOT_TO_SAY in refused.value.message and "leave it blank" in refused.value.message
    assert services.residents.get_equality(desk, resident.id).version is None


def test_first_language_is_free_text_with_a_limit(services, desk, resident):
    with pytest.raises(ValidationError) as refused:
        services.residents.record_equality(desk, resident.id, EqualityAnswers(first_language="x" * 61), None)
    assert refused.value.field == "first_language" and "at most 60" in refused.value.message


def test_advocates_may_neither_read_nor_record(services, admin, resident):
    advocate = make_actor(services, admin, "advocate", Role.ADVOCATE)
    with pytest.raises(PermissionDenied, match="may not record equality"):
        services.residents.get_equality(advocate, resident.id)
    with pytest.raises(PermissionDenied):
        services.residents.record_equality(advocate, resident.id, EqualityAnswers(sex="Male"), None)
    assert services.residents.get_equality(admin, resident.id).version is None


def test_reading_and_recording_are_audited_without_the_answers(services, desk, admin, resident):
    saved = services.residents.record_equality(
        desk, resident.id, EqualityAnswers(age_band="25-34", ethnicity="Other: Arab"), None)
    services.residents.record_equality(desk, resident.id, EqualityAnswers(age_band="25-34", sex="Male"),
                                       saved.version)
    services.residents.get_equality(desk, resident.id)
    entries = audit(services, admin, resident.id)
    assert [e.action for e in entries[:3]] == ["resident.equality_viewed", "resident.equality_updated",
                                               "resident.equality_recorded"]
    assert entries[2].summary == "answered: Age band, Ethnicity"
    assert entries[1].summary == "changed: Sex, Ethnicity"
    for entry in entries:
        for answer in ("25-34", "Arab", "Male"):
            assert answer not in entry.summary


def test_stale_answers_are_refused(services, desk, admin, resident):
    first = services.residents.record_equality(admin, resident.id, EqualityAnswers(sex="Female"), None)
    with pytest.raises(ConflictError, match="admin recorded equality answers"):
        services.residents.record_equality(desk, resident.id, EqualityAnswers(sex="Male"), None)
    services.residents.record_equality(admin, resident.id, EqualityAnswers(sex="Male"), first.version)
    with pytest.raises(ConflictError):
        services.residents.record_equality(desk, resident.id, EqualityAnswers(disability="No"), first.version)
    assert services.residents.get_equality(desk, resident.id).answers == EqualityAnswers(sex="Male")


def test_unknown_or_merged_records_are_refused(services, desk, admin, resident):
    with pytest.raises(NotFound):
        services.residents.get_equality(desk, 9999)
    other = services.residents.register(desk, ResidentInput(given_name="Priya", family_name="Patell"),
                                        confirm_not_duplicate=True)
    services.residents.merge(admin, resident.id, other.id, expected_survivor_version=resident.version,
                             expected_merged_version=other.version)
    with pytest.raises(ValidationError, match=f"merged into record {resident.id}"):
        services.residents.record_equality(desk, other.id, EqualityAnswers(sex="Male"), None)
