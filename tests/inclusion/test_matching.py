"""Matching a resident's needs to partner services: the reasons given, the ranking, every
exclusion, languages and accessibility read from free text, ages at the edges, missing and
unknown postcodes, and who may ask. Ranking is tested as the pure function it is; the service
on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event

from assisted_desk.core.errors import NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.inclusion.matching import (Candidate, Exclusion, MatchNeeds, NeededArea, Place, ServiceMatcher,
                                              StatedNeeds, accessibility_from_text, age_on, language_code,
                                              load_candidates, rank)
from assisted_desk.inclusion.partner_models import PartnerOrganisation
from assisted_desk.inclusion.postcodes import Position, Precision
from assisted_desk.inclusion.referral_vocab import Accessibility, ReferralMethod, ServiceOffer
from assisted_desk.inclusion.skills_vocab import Answer, Barrier, Evidence, Goal
from tests.conftest import make_actor

from .conftest import library
from .partner_rows import add_organisation, add_points, add_service, place

TRANSACTING = NeededArea("transacting", "Transacting")
COMMUNICATING = NeededArea("communicating", "Communicating")
SAFE = NeededArea("being_safe", "Being safe and legal online")
ORIGIN = Position("E1 6AN", 51.5, -0.07, Precision.POSTCODE, "E1 6AN")
# 0.0116 degrees of latitude north of ORIGIN: 0.80 miles.
AT_08 = (51.5116, -0.07)


# ---- reading free text --------------------------------------------------------------------------

@pytest.mark.parametrize("typed, code", [
    ("Polski", "pl"), ("polski", "pl"), ("Polish", "pl"), ("pl", "pl"), ("PL", "pl"), ("pl-PL", "pl"),
    ("Polish (some English)", "pl"), ("العربية", "ar"), ("Arabic", "ar"), ("ગુજરાતી", "gu"), ("Gujarati", "gu"),
    ("Română", "ro"), ("romana", "ro"), ("Romanian", "ro"), ("বাংলা", "bn"), ("Sylheti", "bn"), ("Farsi", "fa"),
    ("فارسی", "fa"), ("中文", "zh"), ("Cantonese", "zh"), ("Türkçe", "tr"), ("Soomaali", "so"), ("ਪੰਜਾਬੀ", "pa"),
    ("Українська", "uk"), ("English", "en"), ("Somali / Arabic", "so"), ("Tigrinya and Amharic", "ti"),
    ("", None), ("   ", None), ("Klingon", None), ("xx", None), ("British Sign Language", None),
])
def test_a_language_written_in_any_script_gives_its_iso_code(typed, code):
    assert language_code(typed) == code


@pytest.mark.parametrize("typed, needs", [
    ("Uses a wheelchair", (Accessibility.WHEELCHAIR,)),
    ("needs step-free access; wears a hearing aid", (Accessibility.WHEELCHAIR, Accessibility.HEARING_LOOP)),
    ("Deaf, uses BSL", (Accessibility.BSL,)),
    ("Blind — uses JAWS", (Accessibility.SCREEN_READER,)),
    ("partially sighted, needs large print", (Accessibility.LARGE_PRINT,)),
    ("autistic: a quiet room helps", (Accessibility.QUIET_SPACE,)),
    ("colour blind", ()), ("deaf", ()), ("", ()), ("Łukasz prefers mornings", ()),
])
def test_accessibility_needs_are_read_from_free_text_only_where_clear(typed, needs):
    assert accessibility_from_text(typed) == needs


@pytest.mark.parametrize("born, today, age", [
    (date(2008, 11, 23), date(2026, 11, 23), 18),  # the 18th birthday itself
    (date(2008, 11, 24), date(2026, 11, 23), 17),  # the day before it
    (date(2008, 2, 29), date(2026, 2, 28), 17),  # a leap-day birthday comes of age on 1 March
    (date(2008, 2, 29), date(2026, 3, 1), 18),
    (date(1950, 1, 1), date(2026, 11, 23), 76),
])
def test_age_in_completed_years(born, today, age):
    assert age_on(born, today) == age


# ---- ranking: a pure function -------------------------------------------------------------------

def candidate(service_id=1, name="Digital Drop-in", **values) -> Candidate:
    base = dict(service_id=service_id, service_name=name, organisation_id=10, organisation_name="Toynbee Hall",
                status="active", accepting=True, gone=False, skill_areas=frozenset(), offers=frozenset(),
                languages=frozenset({"en"}), accessibility=frozenset(), is_free=True, cost_note="", min_age=None,
                max_age=None, residency_area="", benefits_required=False, referral_method="email",
                capacity_note="", places=())
    base.update(values)
    return Candidate(**base)


def at(lat_lon, accessibility=(), name="Idea Store", postcode="E1 1BJ", approximate=False) -> Place:
    return Place(name, postcode, lat_lon[0], lat_lon[1], approximate, frozenset(accessibility))


def test_the_reasons_read_as_a_coordinator_would_say_them():
    needs = MatchNeeds(areas=(TRANSACTING, COMMUNICATING), language="pl", accessibility=(Accessibility.WHEELCHAIR,))
    service = candidate(skill_areas=frozenset({"transacting"}), languages=frozenset({"en", "pl"}),
                        places=(at(AT_08, [Accessibility.WHEELCHAIR]),), referral_method="api",
                        capacity_note="Waiting list: about 2 weeks")
    [best] = rank(needs, [service], ORIGIN).suggestions
    assert best.reasons == "teaches Transacting; in Polish; 0.8 miles; wheelchair accessible"
    assert best.missing == "does not teach Communicating"
    assert best.distance_miles == pytest.approx(0.80, abs=0.01)
    assert best.score == 12 + 8 + 6 and sum(p for _l, p in best.score_parts) == best.score
    assert best.covered_needs == ("transacting",) and best.referral_method is ReferralMethod.API
    assert (best.place_name, best.place_postcode, best.capacity_note) == ("Idea Store", "E1 1BJ",
                                                                          "Waiting list: about 2 weeks")


def test_what_a_service_lacks_is_said_as_plainly_as_what_it_has():
    needs = MatchNeeds(areas=(TRANSACTING,), offers=(ServiceOffer.DEVICE_LENDING, ServiceOffer.FREE_DEVICE,
                                                     ServiceOffer.FREE_DATA),
                       language="ar", accessibility=(Accessibility.BSL, Accessibility.HEARING_LOOP),
                       cost_is_barrier=True)
    lender = candidate(offers=frozenset({ServiceOffer.DEVICE_LENDING}), is_free=False, cost_note="£2 a session",
                       accessibility=frozenset({Accessibility.HEARING_LOOP}), places=(at((51.55, -0.07)),))
    [s] = rank(needs, [lender], ORIGIN).suggestions
    assert s.reasons == "lends devices; 3.5 miles; hearing loop"
    assert s.not_covered == ("does not teach Transacting", "no free data or connectivity", "not in Arabic",
                             "British Sign Language not recorded", "charges: £2 a session")
    assert dict(s.score_parts) == {"lends devices": 10, "3.5 miles": -4, "hearing loop": 6, "charges": -3}
    assert s.covered_needs == ("device_lending", "free_device")
    free = replace(lender, service_id=2, is_free=True, offers=frozenset({ServiceOffer.FREE_DEVICE,
                                                                           ServiceOffer.DEVICE_LENDING}))
    [g] = rank(needs, [free], None).suggestions
    assert g.reasons == "lends devices and gives devices; hearing loop; free" and g.distance_miles is None


def test_ranking_is_by_score_then_distance_then_name_whatever_the_order_given():
    needs = MatchNeeds(areas=(TRANSACTING, SAFE))
    both = candidate(1, "Both areas", skill_areas=frozenset({"transacting", "being_safe"}), places=(at((51.6, -0.07)),))
    near = candidate(2, "Near", skill_areas=frozenset({"transacting"}), places=(at(AT_08),))
    far = candidate(3, "Far", skill_areas=frozenset({"transacting"}), places=(at((51.53, -0.07)),))
    same_b = candidate(4, "beta", skill_areas=frozenset({"being_safe"}), places=(at(AT_08),))
    same_a = candidate(5, "Alpha", skill_areas=frozenset({"being_safe"}), places=(at(AT_08),))
    pool = [both, near, far, same_b, same_a]
    # Both areas 12 + 8, 6.9 miles away (-6); Near 12 at 0.8 miles; Far 12, 2.1 miles (-2); Alpha and
    # beta teach the second area (8) at the same place: by name, whatever its case.
    expected = ["Both areas", "Near", "Far", "Alpha", "beta"]
    for seed in range(6):
        random.Random(seed).shuffle(pool)
        ranked = rank(needs, pool, ORIGIN).suggestions
        assert [s.service_name for s in ranked] == expected
    assert [s.score for s in ranked] == [14, 12, 10, 8, 8]
    assert dict(ranked[0].score_parts) == {"teaches Transacting": 12, "teaches Being safe and legal online": 8,
                                           "6.9 miles": -6}


def test_the_place_chosen_is_the_one_that_meets_their_needs_then_the_nearest():
    needs = MatchNeeds(areas=(TRANSACTING,), accessibility=(Accessibility.WHEELCHAIR,))
    service = candidate(skill_areas=frozenset({"transacting"}), places=(
        at(AT_08, name="Upstairs room"), at((51.53, -0.07), [Accessibility.WHEELCHAIR], name="Ground floor"),
        at((51.52, -0.07), [Accessibility.WHEELCHAIR], name="Step-free hall")))
    [s] = rank(needs, [service], ORIGIN).suggestions
    assert s.place_name == "Step-free hall" and s.reasons == "teaches Transacting; 1.4 miles; wheelchair accessible"
    approximate = replace(service, places=(at(AT_08, approximate=True),))
    [a] = rank(MatchNeeds(areas=(TRANSACTING,)), [approximate], ORIGIN).suggestions
    assert a.reasons == "teaches Transacting; about 0.8 miles"
    [b] = rank(MatchNeeds(areas=(TRANSACTING,)), [replace(service, places=())], ORIGIN).suggestions
    assert b.not_covered == ("no address to measure distance from",) and b.score == 12 - 3


def test_every_exclusion_is_counted_by_reason_and_only_among_services_that_would_help():
    needs = MatchNeeds(areas=(TRANSACTING,), age=17, district="E3", receives_benefits=False)
    teaches = dict(skill_areas=frozenset({"transacting"}))
    pool = [
        candidate(1, "Gone", gone=True, **teaches),
        candidate(2, "Closed for now", status="temporarily closed", **teaches),
        candidate(3, "Inactive", status="inactive", **teaches),
        candidate(4, "Full", accepting=False, **teaches),
        candidate(5, "Adults", min_age=18, **teaches),
        candidate(6, "E1 and E2 only", residency_area="E1 E2", **teaches),
        candidate(7, "Benefits only", benefits_required=True, **teaches),
        candidate(8, "Open to all", **teaches),
        candidate(9, "Full and irrelevant", accepting=False, skill_areas=frozenset({"communicating"})),
        candidate(10, "Irrelevant", skill_areas=frozenset({"problem_solving"})),
    ]
    ranking = rank(needs, pool, None)
    assert [s.service_name for s in ranking.suggestions] == ["Open to all"]
    assert ranking.excluded == ((Exclusion.GONE, 1), (Exclusion.NOT_ACTIVE, 2), (Exclusion.NOT_ACCEPTING, 1),
                                (Exclusion.AGE, 1), (Exclusion.RESIDENCY, 1), (Exclusion.BENEFITS, 1))
    assert ranking.unrelated == 2


@pytest.mark.parametrize("age, min_age, max_age, kept", [
    (18, 18, None, True), (17, 18, None, False), (25, None, 25, True), (26, None, 25, False),
    (65, 50, 65, True), (49, 50, 65, False), (0, 0, 0, True),
])
def test_age_limits_include_both_ends(age, min_age, max_age, kept):
    service = candidate(skill_areas=frozenset({"transacting"}), min_age=min_age, max_age=max_age)
    ranking = rank(MatchNeeds(areas=(TRANSACTING,), age=age), [service], None)
    assert bool(ranking.suggestions) is kept
    assert ranking.excluded == (() if kept else ((Exclusion.AGE, 1),))


def test_what_the_record_does_not_say_becomes_a_check_not_an_exclusion():
    service = candidate(skill_areas=frozenset({"transacting"}), min_age=50, max_age=None, residency_area="E1, E2",
                        benefits_required=True)
    [s] = rank(MatchNeeds(areas=(TRANSACTING,)), [service], None).suggestions
    assert s.checks == ("ages 50 and over: no date of birth recorded",
                        "only for people living in E1, E2: no postcode recorded",
                        "only for people receiving benefits: check they do")
    worded = replace(service, min_age=None, residency_area="Tower Hamlets", benefits_required=False)
    [w] = rank(MatchNeeds(areas=(TRANSACTING,), district="E1"), [worded], None).suggestions
    assert w.checks == ("only for people living in Tower Hamlets: check",)
    on_benefits = MatchNeeds(areas=(TRANSACTING,), age=70, district="E2", receives_benefits=True)
    assert rank(on_benefits, [service], None).suggestions[0].checks == ()


@pytest.mark.parametrize("area, district, kept", [("E1 E2", "E1", True), ("E1 E2", "E14", False),
                                                  ("E", "E14", True), ("E; IG1", "IG1", True), ("E", "EC1A", False),
                                                  ("e1", "E1", True)])
def test_residency_is_by_postcode_district_or_area(area, district, kept):
    service = candidate(skill_areas=frozenset({"transacting"}), residency_area=area)
    assert bool(rank(MatchNeeds(areas=(TRANSACTING,), district=district), [service], None).suggestions) is kept


# ---- the service, on both databases -------------------------------------------------------------

@pytest.fixture
def matcher(services):
    services.skills.frameworks = library("one")
    return ServiceMatcher(services.db, services.clock, services.skills)


def register(services, admin, given, family, **values) -> int:
    return services.residents.register(admin, ResidentInput(given_name=given, family_name=family, **values)).id


def complete_assessment(services, actor, resident_id, *, help_with=("T-L1",), barriers=(), goals=()):
    skills = services.skills
    record = skills.start(actor, resident_id, "quick")
    for statement in record.statements:
        answer = Answer.WITH_HELP if statement.code in help_with else Answer.ON_MY_OWN
        record = skills.record_answer(actor, record.id, statement.code, answer, Evidence.SAID)
    if barriers:
        skills.save_barriers(actor, record.id, {b: "" for b in barriers})
    if goals:
        skills.save_goals(actor, record.id, goals)
    return skills.complete(actor, record.id)


def directory(services):
    """Whitechapel: a Polish class, a device library, one not taking referrals, one gone, one for
    over-60s only, and an unrelated coding club."""
    with services.db.unit_of_work() as session:
        add_points(session)
        hall = add_organisation(session, "Toynbee Hall")
        add_service(session, hall, "Bankowość online po polsku", skill_areas=["transacting", "being_safe"],
                    languages=["pl", "en"], locations=[place("E1 7HT", "Toynbee Hall", accessibility=["wheelchair"])],
                    referral_method="api", referral_api_url="http://127.0.0.1:9/referrals")
        library_org = add_organisation(session, "Idea Store Whitechapel")
        add_service(session, library_org, "Device library", offers=["device_lending"],
                    locations=[place("E1 1BJ", "Idea Store")], local_capacity_note="Three laptops left")
        add_service(session, library_org, "Online forms clinic", skill_areas=["transacting"],
                    locations=[place("E1 1BJ", "Idea Store")], accepting_referrals=True, local_accepting=False)
        add_service(session, library_org, "Silver surfers", skill_areas=["transacting"], min_age=60,
                    locations=[place("E2 8HD")])
        add_service(session, library_org, "Coding club", skill_areas=["problem_solving"],
                    locations=[place("E1 1BJ")])
        gone = add_organisation(session, "Closed charity", gone_at=datetime(2026, 10, 1, tzinfo=timezone.utc))
        add_service(session, gone, "Old class", skill_areas=["transacting"], locations=[place("E1 6QL")])


def test_suggestions_from_the_latest_assessment_with_reasons_and_what_was_left_out(services, admin, matcher):
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    directory(services)
    resident = register(services, admin, "Łukasz", "Kowalski", postcode="e1 6an", date_of_birth="12/03/1968",
                        preferred_language="Polski", accessibility_needs="Uses a wheelchair")
    done = complete_assessment(services, coordinator, resident, barriers=[Barrier.NO_DEVICE],
                               goals=[Goal.COUNCIL_SERVICES])
    result = matcher.suggest(coordinator, resident)
    assert result.assessment_id == done.id and result.notes == ()
    assert result.needs.language == "pl" and result.needs.accessibility == (Accessibility.WHEELCHAIR,)
    assert result.needs.age == 58 and result.needs.district == "E1"
    assert [a.code for a in result.needs.areas] == ["transacting", "handling_information", "being_safe"]
    assert result.needs.summary == ("Transacting; Handling information and content; Being safe and legal online; "
                                    "a device; in Polish; wheelchair accessible")
    first, second = result.suggestions
    assert first.service_name == "Bankowość online po polsku" and first.organisation_name == "Toynbee Hall"
    assert first.reasons == "teaches Transacting and Being safe and legal online; in Polish; 0.4 miles; " \
                            "wheelchair accessible"
    assert first.not_covered == ("does not teach Handling information and content", "no devices to lend or give")
    assert first.referral_method is ReferralMethod.API
    assert second.service_name == "Device library" and second.capacity_note == "Three laptops left"
    assert second.reasons == "lends devices; 0.6 miles"
    assert "not in Polish" in second.not_covered and "wheelchair accessible not recorded" in second.not_covered
    assert result.excluded == ((Exclusion.GONE, 1), (Exclusion.NOT_ACCEPTING, 1), (Exclusion.AGE, 1))
    assert result.excluded_for(Exclusion.AGE) == 1 and result.excluded_for(Exclusion.RESIDENCY) == 0
    assert result.excluded_summary == ("3 left out: 1 no longer in the directory, 1 not taking referrals now, "
                                       "1 outside their age range")
    assert result.unrelated == 1 and result.more == 0
    assert result.origin.precision is Precision.POSTCODE


def test_stated_needs_for_a_resident_without_an_assessment_in_their_own_language(services, admin, matcher):
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    directory(services)
    with services.db.unit_of_work() as session:
        org = add_organisation(session, "مركز المجتمع")
        add_service(session, org, "دروس الإنترنت", skill_areas=["communicating"], languages=["ar", "en"],
                    locations=[place("E1 6QL")])
        add_service(session, org, "ગુજરાતી ડિજિટલ ક્લાસ", skill_areas=["communicating"], languages=["gu"],
                    locations=[place("E3 4SS")])
    mohammed = register(services, admin, "محمد", "الحسن", postcode="E1 6AN", preferred_language="العربية")
    priya = register(services, admin, "પ્રિયા", "પટેલ", postcode="E3 4SS", preferred_language="ગુજરાતી")
    ioana = register(services, admin, "Ioana", "Popescu", preferred_language="Română", accessibility_needs="BSL")
    wanted = StatedNeeds(skill_areas=("communicating",))
    for_him = matcher.suggest(coordinator, mohammed, needs=wanted)
    assert for_him.assessment_id is None and for_him.needs.language == "ar"
    assert for_him.suggestions[0].reasons == "teaches Communicating; in Arabic; 0.1 miles"
    assert for_him.suggestions[1].not_covered == ("not in Arabic",)
    for_her = matcher.suggest(coordinator, priya, needs=wanted)
    assert for_her.suggestions[0].reasons == "teaches Communicating; in Gujarati; under 0.1 miles"
    romanian = matcher.suggest(coordinator, ioana, needs=StatedNeeds(skill_areas=("communicating",),
                                                                     offers=("free_data",)))
    assert romanian.needs.language == "ro" and romanian.needs.accessibility == (Accessibility.BSL,)
    assert romanian.suggestions[0].not_covered == ("no free data or connectivity", "not in Romanian",
                                                    "British Sign Language not recorded")
    # The language stated at the desk wins over the record's.
    in_polish = matcher.suggest(coordinator, ioana, needs=StatedNeeds(skill_areas=("transacting",), language="pl",
                                                                      accessibility=("wheelchair",)))
    assert in_polish.needs.language == "pl"
    assert in_polish.needs.accessibility == (Accessibility.WHEELCHAIR, Accessibility.BSL)
    assert in_polish.suggestions[0].service_name == "Bankowość online po polsku"


def test_no_postcode_and_unknown_postcodes_give_no_distance_and_say_so(services, admin, matcher):
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    directory(services)
    wanted = StatedNeeds(skill_areas=("transacting",))
    nowhere = register(services, admin, "Anna", "Nowak")
    result = matcher.suggest(coordinator, nowhere, needs=wanted)
    assert result.origin is None and all(s.distance_miles is None for s in result.suggestions)
    assert result.notes == ("No postcode on the resident's record: distances are not shown.",
                            "No date of birth on the resident's record: age limits are shown as checks.")
    assert result.suggestions[0].reasons == "teaches Transacting"
    assert "ages 60 and over: no date of birth recorded" in result.suggestions[-1].checks
    unknown = register(services, admin, "Zofia", "Wiśniewska", postcode="W1A 1AA", date_of_birth="1980-05-01")
    result = matcher.suggest(coordinator, unknown, needs=wanted)
    assert result.origin is None and result.notes == (
        "Postcode W1A 1AA is not one we have a position for (nor its district): distances are not shown.",)
    assert all(s.distance_miles is None for s in result.suggestions)
    nearby = register(services, admin, "Piotr", "Zieliński", postcode="E1 6ZZ", date_of_birth="1980-05-01")
    result = matcher.suggest(coordinator, nearby, needs=wanted)
    assert result.origin.precision is Precision.SECTOR
    assert result.notes == ("Postcode E1 6ZZ is placed by its postcode sector (sector E1 6 (2 known postcodes)): "
                            "distances are approximate.",)
    assert result.suggestions[0].reasons.startswith("teaches Transacting; about 0.")


def test_an_unrecognised_preferred_language_is_said_not_guessed(services, admin, matcher):
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    directory(services)
    resident = register(services, admin, "Kai", "Tanaka", postcode="E1 6AN", date_of_birth="1990-01-01",
                        preferred_language="Klingon")
    result = matcher.suggest(coordinator, resident, needs=StatedNeeds(skill_areas=("transacting",)))
    assert result.needs.language is None
    assert result.notes == ("Preferred language \"Klingon\" is not one we recognise, so services were not matched "
                            "on language.",)


def test_the_limit_keeps_the_best_and_counts_the_rest(services, admin, matcher):
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    directory(services)
    resident = register(services, admin, "Ana", "Silva", postcode="E1 6AN", date_of_birth="1990-01-01")
    result = matcher.suggest(coordinator, resident, needs=StatedNeeds(skill_areas=("transacting",),
                                                                      offers=("device_lending",)), limit=1)
    assert [s.service_name for s in result.suggestions] == ["Bankowość online po polsku"] and result.more == 1


def test_who_may_ask_and_what_is_refused(services, admin, matcher):
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    directory(services)
    resident = register(services, admin, "Łukasz", "Kowalski", postcode="E1 6AN")
    other = register(services, admin, "Grace", "Mensah")
    wanted = StatedNeeds(skill_areas=("transacting",))
    for role in (Role.DESK, Role.ADVOCATE):
        actor = make_actor(services, admin, f"{role.value}-staff", role)
        with pytest.raises(PermissionDenied):
            matcher.suggest(actor, resident, needs=wanted)
    assert matcher.suggest(admin, resident, needs=wanted).suggestions
    with pytest.raises(ValidationError, match="no completed skills assessment") as none:
        matcher.suggest(coordinator, resident)
    assert none.value.field == "needs"
    with pytest.raises(NotFound):
        matcher.suggest(coordinator, 987654, needs=wanted)
    refusals = [
        (StatedNeeds(skill_areas=("knitting",)), "skill_areas", "Skill area 'knitting' is not in the framework"),
        (StatedNeeds(offers=("free_lunch",)), "offers", "Kind of help 'free_lunch' is not one of"),
        (StatedNeeds(skill_areas=("transacting",), accessibility=("ramp",)), "accessibility", "Accessibility need"),
        (StatedNeeds(skill_areas=("transacting",), language="Klingon"), "language", "not a language we recognise"),
        (StatedNeeds(), "needs", "at least one skill area or kind of help"),
    ]
    for needs, field, message in refusals:
        with pytest.raises(ValidationError, match=message) as refused:
            matcher.suggest(coordinator, resident, needs=needs)
        assert refused.value.field == field
    theirs = complete_assessment(services, coordinator, other)
    with pytest.raises(ValidationError, match="belongs to another resident"):
        matcher.suggest(coordinator, resident, assessment_id=theirs.id)
    started = services.skills.start(coordinator, resident, "quick")
    with pytest.raises(ValidationError, match="not completed yet"):
        matcher.suggest(coordinator, resident, assessment_id=started.id)


def test_an_assessment_with_nothing_to_learn_says_there_is_nothing_to_match(services, admin, matcher):
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    directory(services)
    resident = register(services, admin, "Amina", "Yusuf", postcode="E1 6AN", date_of_birth="1990-01-01")
    done = complete_assessment(services, coordinator, resident, help_with=())
    result = matcher.suggest(coordinator, resident, assessment_id=done.id)
    assert result.suggestions == () and result.needs.areas == () and result.unrelated == 6
    assert result.notes == ("The assessment shows no skills to learn, barriers or goals: there is nothing to match.",)


def test_loading_takes_the_same_few_queries_for_any_number_of_services(services):
    with services.db.unit_of_work() as session:
        add_points(session)
        org = add_organisation(session, "Many Services Trust", local_notes="ours")
        for n in range(60):
            add_service(session, org, f"Service {n}", skill_areas=["transacting"], offers=["free_data", "bogus"],
                        accessibility=["wheelchair", "unknown"], locations=[place("E1 6AN"), place("E9 9ZZ"),
                                                                             place("E2 9QQ", at=(51.53, -0.06))],
                        local_accepting=None if n % 2 else True, accepting_referrals=bool(n % 3))
    statements: list[str] = []
    engine = services.db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with services.db.unit_of_work() as session:
            loaded = load_candidates(session)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(loaded) == 60 and len(selects) <= 6
    first = next(c for c in loaded if c.service_name == "Service 0")
    assert first.organisation_name == "Many Services Trust" and first.offers == {ServiceOffer.FREE_DATA}
    assert first.accessibility == {Accessibility.WHEELCHAIR} and first.accepting  # ours overrides "not taking"
    assert next(c for c in loaded if c.service_name == "Service 1").accepting is True
    assert next(c for c in loaded if c.service_name == "Service 3").accepting is False
    exact, unknown, own = first.places
    assert (exact.latitude, exact.approximate) == (51.5205, False)
    assert unknown.latitude is None and own.latitude == 51.53 and not own.approximate
    with services.db.unit_of_work() as session:
        session.get(PartnerOrganisation, org.id).gone_at = datetime(2026, 11, 2, tzinfo=timezone.utc)
    with services.db.unit_of_work() as session:
        assert all(c.gone for c in load_candidates(session))


def test_ranking_and_its_explanation_agree_on_every_score():
    """The score that orders services is worked out without phrases; the one shown is the sum of
    the explained parts. Over many random services and needs, they must be the same."""
    rng = random.Random(7)
    offers, access = list(ServiceOffer), list(Accessibility)
    areas = [TRANSACTING, COMMUNICATING, SAFE, NeededArea("foundation", "Foundation skills")]
    pool = [candidate(n, f"Service {n}", skill_areas=frozenset(a.code for a in rng.sample(areas, rng.randint(0, 3))),
                      offers=frozenset(rng.sample(offers, rng.randint(0, 3))), is_free=rng.random() < 0.7,
                      languages=frozenset(rng.sample(["en", "pl", "ar", "gu"], rng.randint(1, 2))),
                      accessibility=frozenset(rng.sample(access, rng.randint(0, 2))),
                      places=tuple(at((51.5 + rng.uniform(-0.2, 0.2), -0.07 + rng.uniform(-0.2, 0.2)),
                                      rng.sample(access, rng.randint(0, 2))) for _ in range(rng.randint(0, 3))))
            for n in range(300)]
    for trial in range(20):
        needs = MatchNeeds(areas=tuple(rng.sample(areas, rng.randint(0, 3))),
                           offers=tuple(rng.sample(offers, rng.randint(0, 3))),
                           language=rng.choice([None, "pl", "ar"]), accessibility=tuple(rng.sample(access, 2)),
                           cost_is_barrier=rng.random() < 0.5)
        ranked = rank(needs, pool, rng.choice([ORIGIN, None]))  # raises if the two ever disagree
        assert all(s.score == sum(p for _l, p in s.score_parts) for s in ranked.suggestions)
        keys = [(-s.score, s.distance_miles if s.distance_miles is not None else float("inf"))
                for s in ranked.suggestions]
        assert keys == sorted(keys)
        assert len(ranked.suggestions) + ranked.unrelated + sum(n for _r, n in ranked.excluded) == len(pool)


def test_a_limit_keeps_the_best_and_counts_the_rest_in_ranking():
    pool = [candidate(n, f"Class {n:02d}", skill_areas=frozenset({"transacting"}),
                      places=(at((51.5 + n / 1000, -0.07)),)) for n in range(12)]
    ranking = rank(MatchNeeds(areas=(TRANSACTING,)), pool, ORIGIN, limit=5)
    assert [s.service_name for s in ranking.suggestions] == [f"Class {n:02d}" for n in range(5)]
    assert ranking.more == 7 and rank(MatchNeeds(areas=(TRANSACTING,)), pool, ORIGIN, limit=0).more == 12


def test_the_directory_is_read_again_whenever_it_changes(services, admin, matcher):
    """The matcher keeps the directory between suggestions; any edit, import, new place or new
    postcode point must show in the very next suggestion."""
    from assisted_desk.inclusion.partner_models import PartnerLocation, PartnerService, PostcodePoint

    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    directory(services)
    resident = register(services, admin, "Łukasz", "Kowalski", postcode="E1 6AN", date_of_birth="1968-03-12")
    wanted = StatedNeeds(skill_areas=("transacting",))

    def names():
        return [s.service_name for s in matcher.suggest(coordinator, resident, needs=wanted).suggestions]

    assert names() == ["Bankowość online po polsku"]  # the clinic is full by our word; surfers are over-60s
    with services.db.unit_of_work() as session:
        clinic = session.query(PartnerService).filter_by(name="Online forms clinic").one()
        clinic.local_accepting = None  # we no longer say it is full
    assert names() == ["Bankowość online po polsku", "Online forms clinic"]
    with services.db.unit_of_work() as session:
        org = add_organisation(session, "Newham Digital")
        add_service(session, org, "Brand new class", skill_areas=["transacting"], locations=[place("E1 6AN")])
    assert "Brand new class" in names()
    with services.db.unit_of_work() as session:
        new = session.query(PartnerService).filter_by(name="Brand new class").one()
        session.query(PartnerLocation).filter_by(service_id=new.id).delete()
        session.add(PartnerLocation(service_id=new.id, name="Far hall", postcode="N1 9GU", accessibility="[]"))
    far = next(s for s in matcher.suggest(coordinator, resident, needs=wanted).suggestions
               if s.service_name == "Brand new class")
    assert far.place_name == "Far hall" and far.distance_miles == pytest.approx(2.4, abs=0.1)
    with services.db.unit_of_work() as session:
        session.add(PartnerLocation(service_id=new.id, name="Unplaced hall", postcode="E1 8ZZ", accessibility="[]"))
        session.add(PostcodePoint(postcode="E1 8ZZ", latitude=51.5206, longitude=-0.0722, source="lookup",
                                  updated_at=datetime(2026, 11, 20, tzinfo=timezone.utc)))
    near = next(s for s in matcher.suggest(coordinator, resident, needs=wanted).suggestions
                if s.service_name == "Brand new class")
    assert near.place_name == "Unplaced hall" and near.reasons.endswith("under 0.1 miles")
