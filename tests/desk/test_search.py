"""Finding a resident from one box, on SQLite and PostgreSQL: names in many scripts, typos,
swapped names, dates, postcodes, phones, emails, cards, references; merged records never shown."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from assisted_desk.core.errors import PermissionDenied
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import PERMISSIONS, Permission, Role
from assisted_desk.desk.models import Resident, ResidentNameVariant, ResidentNameWord
from assisted_desk.desk.references import issue_reference
from assisted_desk.desk.residents import ResidentInput
from assisted_desk.desk.search import ResidentMatch, SearchResult, index_resident_names, shown_name

from ..conftest import make_actor


def register(services, actor, given, family, preferred="", **details) -> int:
    record = services.residents.register(
        actor, ResidentInput(given_name=given, family_name=family, preferred_name=preferred, **details),
        confirm_not_duplicate=True)
    return record.id


def set_last_contact(services, resident_id, when) -> None:
    with services.db.unit_of_work() as session:
        session.execute(update(Resident).where(Resident.id == resident_id).values(last_contact_at=when)
                        .execution_options(synchronize_session=False))


def names(result: SearchResult) -> list[str]:
    return [match.name for match in result.matches]


@pytest.fixture
def people(services, admin, clock):
    """A small borough: ids by a short key."""
    ids = {
        "lukasz": register(services, admin, "Łukasz", "Żółć", date_of_birth="14/03/1985", postcode="E1 6AN",
                           phone="07911 123456", email="Lukasz.Zolc@Example.org", library_card="LB-1234-5678"),
        "stefan": register(services, admin, "Ștefan", "Ionescu", date_of_birth="1990-07-02", postcode="E14 6AN"),
        "mohammed": register(services, admin, "محمد", "علي", date_of_birth="01/01/1970", postcode="SW1A 1AA"),
        "priya": register(services, admin, "પ્રિયા", "પટેલ", date_of_birth="5 May 1988"),
        "bruce": register(services, admin, "小龍", "李", "Bruce"),
        "anna": register(services, admin, "Anna", "Nowak", "Ania", date_of_birth="02/01/1985", postcode="E1 7AA",
                         phone="020 7946 0000", email="anna@example.org"),
        "anna_smith": register(services, admin, "Anna", "Smith", date_of_birth="03/03/1962", postcode="N1 9GU"),
        "john_smith": register(services, admin, "John", "Smith", date_of_birth="12/12/1985", postcode="E1 6AN"),
        "jane_smyth": register(services, admin, "Jane", "Smyth", date_of_birth="09/09/1999"),
    }
    return ids


# ---- names -------------------------------------------------------------------------------------


def test_accent_and_case_free_name_finds_the_accented_one(services, admin, people):
    for typed in ("lukasz zolc", "LUKASZ ZOLC", "Łukasz Żółć", "łukasz", "zolc"):
        result = services.search.find(admin, typed)
        assert names(result) == ["Łukasz Żółć"], typed
        assert result.matches[0].resident_id == people["lukasz"]
        assert result.matches[0].matched_on == "name"


def test_names_in_other_scripts_are_found_and_come_back_exactly(services, admin, people):
    assert names(services.search.find(admin, "stefan")) == ["Ștefan Ionescu"]
    assert names(services.search.find(admin, "Ștefan ion")) == ["Ștefan Ionescu"]
    assert names(services.search.find(admin, "محمد")) == ["محمد علي"]
    assert names(services.search.find(admin, "علي محمد")) == ["محمد علي"]
    assert names(services.search.find(admin, "પ્રિયા")) == ["પ્રિયા પટેલ"]
    assert names(services.search.find(admin, "પટેલ")) == ["પ્રિયા પટેલ"]
    assert names(services.search.find(admin, "李 小龍")) == ["小龍 (Bruce) 李"]
    assert names(services.search.find(admin, "bruce")) == ["小龍 (Bruce) 李"]


def test_every_word_is_a_prefix_as_you_type_in_any_order(services, admin, people):
    assert names(services.search.find(admin, "lu")) == ["Łukasz Żółć"]
    assert names(services.search.find(admin, "luk zo")) == ["Łukasz Żółć"]
    assert names(services.search.find(admin, "zo luk")) == ["Łukasz Żółć"]
    assert set(names(services.search.find(admin, "smi"))) == {"Anna Smith", "John Smith"}
    assert names(services.search.find(admin, "smith anna")) == ["Anna Smith"]
    assert names(services.search.find(admin, "anna smith")) == ["Anna Smith"]
    assert names(services.search.find(admin, "an smi")) == ["Anna Smith"]
    assert services.search.find(admin, "anna zolc").matches == ()


def test_preferred_name_is_searched_and_shown_in_brackets(services, admin, people):
    result = services.search.find(admin, "ania")
    # Anna Smith is one letter from "ania": found too, but after the exact match.
    assert names(result) == ["Anna (Ania) Nowak", "Anna Smith"]
    assert [m.matched_on for m in result.matches] == ["name", "name, one letter different"]
    assert names(services.search.find(admin, "ania nowak")) == ["Anna (Ania) Nowak"]
    assert shown_name("Anna", "Nowak", "") == "Anna Nowak"
    assert shown_name("Anna", "Nowak", "Anna") == "Anna Nowak"


@pytest.mark.parametrize("typed", ["lukazs", "lukasx", "lukaasz", "lukesz", "ulkasz", "zolc lukazs", "lkasz zolc"])
def test_one_typo_per_word_is_forgiven(services, admin, people, typed):
    result = services.search.find(admin, typed)
    assert names(result) == ["Łukasz Żółć"], typed
    assert result.matches[0].matched_on == "name, one letter different"


def test_typos_need_four_letters_and_at_most_one_edit(services, admin, people):
    assert services.search.find(admin, "lkuaz").matches == ()  # two edits away
    assert services.search.find(admin, "smt").matches == ()  # too short to forgive
    assert services.search.find(admin, "jhn").matches == ()  # too short to forgive


def test_typo_matches_come_after_exact_matches(services, admin, people, clock):
    # "smyth" exactly is Jane Smyth; "Smith" is one letter away. Even when the Smiths were seen
    # more recently, the exact match comes first.
    set_last_contact(services, people["john_smith"], clock.now())
    set_last_contact(services, people["anna_smith"], clock.now() - timedelta(days=1))
    result = services.search.find(admin, "smyth")
    assert names(result) == ["Jane Smyth", "John Smith", "Anna Smith"]
    assert [m.matched_on for m in result.matches] == ["name", "name, one letter different",
                                                      "name, one letter different"]


def test_results_are_ordered_by_last_contact_then_name(services, admin, people, clock):
    set_last_contact(services, people["anna"], clock.now() - timedelta(days=30))
    set_last_contact(services, people["anna_smith"], clock.now() - timedelta(days=2))
    result = services.search.find(admin, "anna")
    assert names(result) == ["Anna Smith", "Anna (Ania) Nowak"]
    assert result.matches[0].last_contact_at == clock.now() - timedelta(days=2)
    # Never contacted: after everyone who was, by family name then given name.
    result = services.search.find(admin, "sm")
    assert names(result) == ["Anna Smith", "John Smith", "Jane Smyth"]


def test_limit_says_there_are_more(services, admin, people):
    result = services.search.find(admin, "smi", limit=1)
    assert len(result.matches) == 1 and result.more
    result = services.search.find(admin, "smi", limit=2)
    assert len(result.matches) == 2 and not result.more
    # Exact matches fill the page: the typo query is not needed, but `more` is still told.
    result = services.search.find(admin, "smyth", limit=1)
    assert names(result) == ["Jane Smyth"] and result.more


# ---- other things typed into the box --------------------------------------------------------------


@pytest.mark.parametrize("typed", ["14/03/1985", "14-3-85", "14.03.1985", "14 March 1985", "14th Mar 1985",
                                   "1985-03-14", "14031985", "14 3 1985"])
def test_date_of_birth_in_the_usual_written_forms(services, admin, people, typed):
    result = services.search.find(admin, typed)
    assert names(result) == ["Łukasz Żółć"], typed
    assert result.matches[0].matched_on == "date of birth"
    assert "14/03/1985" in result.understood_as


def test_postcode_with_or_without_space_and_the_outward_code_alone(services, admin, people):
    assert set(names(services.search.find(admin, "E1 6AN"))) == {"Łukasz Żółć", "John Smith"}
    assert set(names(services.search.find(admin, "e16an"))) == {"Łukasz Żółć", "John Smith"}
    # E1 is E1 6AN and E1 7AA, not E14 6AN.
    assert set(names(services.search.find(admin, "E1"))) == {"Łukasz Żółć", "John Smith", "Anna (Ania) Nowak"}
    assert names(services.search.find(admin, "e14")) == ["Ștefan Ionescu"]
    assert names(services.search.find(admin, "SW1A")) == ["محمد علي"]
    # Part of the inward code, as it is being typed.
    assert set(names(services.search.find(admin, "E1 6"))) == {"Łukasz Żółć", "John Smith"}
    assert services.search.find(admin, "E1 6AN").matches[0].matched_on == "postcode"


@pytest.mark.parametrize("typed", ["07911 123456", "07911123456", "+44 7911 123456", "+447911123456",
                                   "0044 7911 123 456", "(07911) 123-456", "+44 (0)7911 123456"])
def test_phone_in_any_common_uk_form(services, admin, people, typed):
    result = services.search.find(admin, typed)
    assert names(result) == ["Łukasz Żółć"], typed
    assert result.matches[0].matched_on == "phone"


def test_landline_phone(services, admin, people):
    assert names(services.search.find(admin, "020 7946 0000")) == ["Anna (Ania) Nowak"]


def test_email_is_matched_whole_whatever_the_case(services, admin, people):
    assert names(services.search.find(admin, "lukasz.zolc@example.org")) == ["Łukasz Żółć"]
    assert names(services.search.find(admin, "LUKASZ.ZOLC@EXAMPLE.ORG")) == ["Łukasz Żółć"]
    assert services.search.find(admin, "lukasz.zolc@example").matches == ()


def test_library_card_with_or_without_its_dashes(services, admin, people):
    for typed in ("LB-1234-5678", "lb12345678", "LB 1234 5678"):
        result = services.search.find(admin, typed)
        assert names(result) == ["Łukasz Żółć"], typed
        assert result.matches[0].matched_on == "library card"


def test_a_quoted_reference_finds_its_resident(services, admin, people, clock):
    with services.db.unit_of_work() as session:
        reference = issue_reference(session, clock, "AD", "interaction", 1, people["stefan"])
        anonymous = issue_reference(session, clock, "AD", "interaction", 2, None)
    for typed in (reference, reference.lower(), reference.replace("-", ""), reference.replace("-", " ")):
        result = services.search.find(admin, typed)
        assert names(result) == ["Ștefan Ionescu"], typed
        assert result.matches[0].matched_on == "reference"
    assert reference in services.search.find(admin, reference).understood_as
    result = services.search.find(admin, anonymous)
    assert result.matches == () and "no resident" in result.understood_as
    # A reference nobody was given is not a reference; it finds nothing rather than failing.
    assert services.search.find(admin, "AD-0000-00").matches == ()


def test_a_reference_follows_a_merge_to_the_record_kept(services, admin, people, clock):
    with services.db.unit_of_work() as session:
        reference = issue_reference(session, clock, "AD", "interaction", 1, people["jane_smyth"])
    merge(services, people["jane_smyth"], into=people["anna_smith"])
    assert names(services.search.find(admin, reference)) == ["Anna Smith"]


def test_mixed_queries_narrow(services, admin, people):
    assert names(services.search.find(admin, "smith 1985")) == ["John Smith"]
    assert services.search.find(admin, "smith 1985").matches[0].matched_on == "name and year of birth"
    assert names(services.search.find(admin, "anna E1 7AA")) == ["Anna (Ania) Nowak"]
    assert names(services.search.find(admin, "anna 02/01/1985")) == ["Anna (Ania) Nowak"]
    assert names(services.search.find(admin, "smith E1")) == ["John Smith"]
    assert services.search.find(admin, "anna 1999").matches == ()
    result = services.search.find(admin, "smiht 1985")  # a typo still narrows by the year
    assert names(result) == ["John Smith"]
    assert result.matches[0].matched_on == "name, one letter different and year of birth"


# ---- what is never shown -----------------------------------------------------------------------------


def merge(services, merged_id, *, into) -> None:
    with services.db.unit_of_work() as session:
        session.execute(update(Resident).where(Resident.id == merged_id).values(merged_into_id=into)
                        .execution_options(synchronize_session=False))


def test_merged_records_never_appear(services, admin, people):
    merge(services, people["john_smith"], into=people["anna_smith"])
    for typed in ("john", "john smith", "jhon smith", "12/12/1985", "smith 1985"):
        assert "John Smith" not in names(services.search.find(admin, typed)), typed
    assert names(services.search.find(admin, "smith")) == ["Anna Smith", "Jane Smyth"]  # Smyth: a typo away


def test_results_show_name_year_postcode_last_contact_and_why_nothing_more(services, admin, people):
    assert [f.name for f in fields(ResidentMatch)] == [
        "resident_id", "name", "year_of_birth", "postcode", "last_contact_at", "matched_on"]
    match = services.search.find(admin, "lukasz").matches[0]
    assert match == ResidentMatch(people["lukasz"], "Łukasz Żółć", 1985, "E1 6AN", None, "name")
    shown = " ".join(str(getattr(match, f.name)) for f in fields(ResidentMatch))
    for private in ("07911", "123456", "example.org", "LB1234", "14/03", "1985-03-14"):
        assert private not in shown


# ---- refusals and hostile input ------------------------------------------------------------------------


def test_under_two_characters_finds_nothing_and_says_so(services, admin, people):
    for typed in ("", " ", "a", " l ", "\u202e", "\x00l"):
        result = services.search.find(admin, typed)
        assert result == SearchResult((), False, "type at least 2 letters"), repr(typed)
    result = services.search.find(admin, "!!")
    assert result.matches == () and result.understood_as.startswith("nothing to search for")


@pytest.mark.parametrize("typed", [
    "'; DROP TABLE resident; --",
    "\" OR 1=1 --",
    "smith%",
    "_ _",
    "\u202eztloz\u202c lukasz",
    "luk\u200basz",
    "\x00\x01\x1b[31mlukasz",
    "lukasz\ud800",
    "a" * 10_000,
    "lukasz " * 2_000,
    "1" * 5_000,
    "@" * 300,
    "\U0010ffff\U0001f600",
])
def test_hostile_input_never_errors(services, admin, people, typed):
    result = services.search.find(admin, typed)
    assert isinstance(result, SearchResult)
    assert len(result.understood_as) < 1000
    with services.db.unit_of_work() as session:  # nothing was dropped or changed
        assert session.scalar(select(Resident.id).where(Resident.id == people["lukasz"])) is not None


def test_control_and_direction_marks_are_ignored(services, admin, people):
    assert names(services.search.find(admin, "\u202elukasz\u202c")) == ["Łukasz Żółć"]
    assert names(services.search.find(admin, "\tlukasz\n")) == ["Łukasz Żółć"]


def test_search_requires_view_residents(services, admin):
    # Every role may view residents today; the service still checks, so a role without it is refused.
    assert all(Permission.VIEW_RESIDENTS in granted for granted in PERMISSIONS.values())
    desk = make_actor(services, admin, "desk1", Role.DESK)
    assert services.search.find(desk, "anna").matches == ()
    original = PERMISSIONS[Role.DESK]
    PERMISSIONS[Role.DESK] = original - {Permission.VIEW_RESIDENTS}
    try:
        with pytest.raises(PermissionDenied, match="view residents"):
            services.search.find(desk, "anna")
    finally:
        PERMISSIONS[Role.DESK] = original


def test_search_is_not_audited_per_keystroke(services, admin, people):
    def events() -> int:
        with services.db.unit_of_work() as session:
            return session.scalar(select(func.count(AuditEvent.id)))

    before = events()
    for typed in ("lu", "luk", "luka", "lukasz"):
        assert services.search.find(admin, typed).matches
    assert events() == before


# ---- the name index ------------------------------------------------------------------------------------


def test_index_resident_names_rewrites_words_and_variants(services, admin, people):
    resident_id = people["anna"]
    with services.db.unit_of_work() as session:
        index_resident_names(session, resident_id, "Zofia", "Wiśniewska-Kowalczyk", "")
    with services.db.unit_of_work() as session:
        words = set(session.scalars(select(ResidentNameWord.word).where(ResidentNameWord.resident_id == resident_id)))
        variants = set(session.scalars(
            select(ResidentNameVariant.variant).where(ResidentNameVariant.resident_id == resident_id)))
    assert words == {"zofia", "wisniewska", "kowalczyk", "wisniewskakowalczyk"}
    assert "zfia" in variants and "wisnewska" in variants and "anna" not in words
    assert names(services.search.find(admin, "kowalczyk zofia")) == ["Anna (Ania) Nowak"]  # shown name unchanged
    assert services.search.find(admin, "nowak").matches == ()
