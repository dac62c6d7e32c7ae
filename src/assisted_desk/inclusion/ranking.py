"""Ranking partner services for a resident's needs, as a pure function: `rank` takes the needs
(`MatchNeeds`) and the directory as plain values (`Candidate`, `Place`) and gives suggestions best
first, each with the reasons a coordinator can read out ("teaches Transacting; in Polish; 0.8
miles; wheelchair accessible") and the parts of its score. No database and no session, so every
rule below is tested on its own and benchmarked (benchmarks/, scenario `match`); matching.py
builds the needs and loads the candidates.

How a service scores (the parts are kept with each suggestion, so the ranking can be explained):
- teaches the most important needed area +12, each other needed area +8;
- offers a needed kind of help (a device, free data, accessibility or language support,
  confidence building) +10 each;
- runs in the resident's language (when it is not English) +8;
- each of the resident's accessibility needs met at the service or its nearest suitable place +6;
- charges, when cost is a barrier, -3;
- distance: up to 1 mile 0, 3 miles -2, 5 miles -4, 10 miles -6, further -10; a service with no
  place to measure from -3 (only when the resident's position is known).
Ties go to the nearer service, then by name. A service that covers none of the needs is not
suggested; among those that would be, the ones that cannot take this resident are left out and
counted by reason (gone from the directory, not running, not taking referrals, age, where they
live, benefits). Whether the resident receives benefits is not recorded on their record: unless
stated needs say so, a benefits-only service is kept with a check for staff, never silently
dropped; the same goes for age limits without a date of birth and residency without a postcode."""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .needs_text import language_name
from .postcodes import EARTH_RADIUS_MILES, Position
from .referral_vocab import Accessibility, ReferralMethod, ServiceOffer

# Score parts (explained above); a distance band is (up to so many miles, points), FAR beyond the last.
AREA_FIRST, AREA_OTHER, OFFER, LANGUAGE, ACCESS, CHARGES, NO_PLACE = 12, 8, 10, 8, 6, -3, -3
DISTANCE_BANDS = ((1.0, 0), (3.0, -2), (5.0, -4), (10.0, -6))
FAR = -10


# ---- what ranking reads and gives ---------------------------------------------------------------

_DEVICE = frozenset({ServiceOffer.DEVICE_LENDING, ServiceOffer.FREE_DEVICE})
_OFFER_PHRASES = {ServiceOffer.SKILLS_TRAINING: "skills training", ServiceOffer.DEVICE_LENDING: "lends devices",
                  ServiceOffer.FREE_DEVICE: "gives devices", ServiceOffer.FREE_DATA: "free data or connectivity",
                  ServiceOffer.ACCESSIBILITY_SUPPORT: "accessibility support",
                  ServiceOffer.LANGUAGE_SUPPORT: "language support", ServiceOffer.CONFIDENCE: "builds confidence"}
_OFFER_NEEDS = {ServiceOffer.DEVICE_LENDING: "a device", ServiceOffer.FREE_DEVICE: "a device",
                ServiceOffer.FREE_DATA: "free data or connectivity", ServiceOffer.SKILLS_TRAINING: "skills training",
                ServiceOffer.ACCESSIBILITY_SUPPORT: "accessibility support",
                ServiceOffer.LANGUAGE_SUPPORT: "language support", ServiceOffer.CONFIDENCE: "confidence building"}


@dataclass(frozen=True)
class NeededArea:
    code: str
    title: str


@dataclass(frozen=True)
class MatchNeeds:
    """Everything ranking looks at about the resident."""

    areas: tuple[NeededArea, ...] = ()  # most important first
    offers: tuple[ServiceOffer, ...] = ()
    language: str | None = None  # ISO 639-1; None for English or not known
    accessibility: tuple[Accessibility, ...] = ()
    age: int | None = None
    district: str | None = None  # "E1"; None without a postcode
    receives_benefits: bool | None = None
    cost_is_barrier: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        """Area codes and offer values: what a referral records as its need."""
        return tuple(a.code for a in self.areas) + tuple(o.value for o in self.offers)

    @property
    def summary(self) -> str:
        parts = [a.title for a in self.areas]
        parts += list(dict.fromkeys(_OFFER_NEEDS[o] for o in self.offers))
        if self.language:
            parts.append(f"in {language_name(self.language)}")
        parts += [a.label.lower() for a in self.accessibility]
        return "; ".join(parts)


@dataclass(frozen=True)
class Place:
    name: str
    postcode: str
    latitude: float | None
    longitude: float | None
    approximate: bool  # placed by its postcode's sector or district
    accessibility: frozenset[Accessibility]


@dataclass(frozen=True)
class Candidate:
    """A directory service as ranking sees it (no ORM object, no session)."""

    service_id: int
    service_name: str
    organisation_id: int
    organisation_name: str
    status: str
    accepting: bool  # our own override, else the directory's word
    gone: bool  # the service or its organisation left the directory
    skill_areas: frozenset[str]
    offers: frozenset[ServiceOffer]
    languages: frozenset[str]
    accessibility: frozenset[Accessibility]
    is_free: bool
    cost_note: str
    min_age: int | None
    max_age: int | None
    residency_area: str
    benefits_required: bool
    referral_method: str
    capacity_note: str
    places: tuple[Place, ...] = ()


class Exclusion(str, enum.Enum):
    GONE = "gone"
    NOT_ACTIVE = "not_active"
    NOT_ACCEPTING = "not_accepting"
    AGE = "age"
    RESIDENCY = "residency"
    BENEFITS = "benefits"

    @property
    def label(self) -> str:
        return {Exclusion.GONE: "no longer in the directory", Exclusion.NOT_ACTIVE: "not running at present",
                Exclusion.NOT_ACCEPTING: "not taking referrals now", Exclusion.AGE: "outside their age range",
                Exclusion.RESIDENCY: "only for people living elsewhere",
                Exclusion.BENEFITS: "only for people receiving benefits"}[self]


@dataclass(frozen=True)
class Suggestion:
    service_id: int
    service_name: str
    organisation_id: int
    organisation_name: str
    score: int
    distance_miles: float | None
    place_name: str
    place_postcode: str
    covers: tuple[str, ...]  # phrases: "teaches Transacting", "in Polish", "0.8 miles", ...
    not_covered: tuple[str, ...]  # "does not teach Communicating", "not in Polish", ...
    checks: tuple[str, ...]  # eligibility staff must check: "ages 18 to 25: no date of birth recorded"
    covered_needs: tuple[str, ...]  # area codes and offer values met (a referral's need)
    score_parts: tuple[tuple[str, int], ...]  # how the score was reached, for a tooltip
    referral_method: ReferralMethod
    capacity_note: str

    @property
    def reasons(self) -> str:
        return "; ".join(self.covers)

    @property
    def missing(self) -> str:
        return "; ".join(self.not_covered)


@dataclass(frozen=True)
class Ranking:
    suggestions: tuple[Suggestion, ...]  # best first
    excluded: tuple[tuple[Exclusion, int], ...]  # relevant services left out, by reason
    unrelated: int  # services offering nothing the resident needs
    more: int = 0  # suggestions beyond the limit asked for


# ---- ranking -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=512)
def _districts(area: str) -> tuple[frozenset[str], frozenset[str]]:
    """(districts, postcode areas) named in a residency rule such as "E1 E2" or "E, IG1"."""
    districts: set[str] = set()
    areas: set[str] = set()
    for token in re.split(r"[\s,;/]+", area.upper()):
        if re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?", token):
            districts.add(token)
        elif re.fullmatch(r"[A-Z]{1,2}", token):
            areas.add(token)
    return frozenset(districts), frozenset(areas)


def _eligibility(needs: MatchNeeds, c: Candidate) -> tuple[Exclusion | None, list[str]]:
    checks: list[str] = []
    if c.gone:
        return Exclusion.GONE, checks
    if c.status != "active":
        return Exclusion.NOT_ACTIVE, checks
    if not c.accepting:
        return Exclusion.NOT_ACCEPTING, checks
    if c.min_age is not None or c.max_age is not None:
        ages = (f"ages {c.min_age} to {c.max_age}" if c.min_age is not None and c.max_age is not None
                else f"ages {c.min_age} and over" if c.min_age is not None else f"up to age {c.max_age}")
        if needs.age is None:
            checks.append(f"{ages}: no date of birth recorded")
        elif (c.min_age is not None and needs.age < c.min_age) or (c.max_age is not None and needs.age > c.max_age):
            return Exclusion.AGE, checks
    if c.residency_area.strip():
        districts, areas = _districts(c.residency_area)
        if not districts and not areas:
            checks.append(f"only for people living in {c.residency_area.strip()}: check")
        elif needs.district is None:
            checks.append(f"only for people living in {c.residency_area.strip()}: no postcode recorded")
        elif needs.district not in districts and re.sub(r"\d.*", "", needs.district) not in areas:
            return Exclusion.RESIDENCY, checks
    if c.benefits_required:
        if needs.receives_benefits is False:
            return Exclusion.BENEFITS, checks
        if needs.receives_benefits is None:
            checks.append("only for people receiving benefits: check they do")
    return None, checks


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _miles_phrase(miles: float, approximate: bool) -> str:
    text = "under 0.1 miles" if miles < 0.05 else "1 mile" if round(miles, 1) == 1.0 else f"{miles:.1f} miles"
    return f"about {text}" if approximate else text


def _access_phrase(need: Accessibility) -> str:
    return need.label if need is Accessibility.BSL else need.label.lower()


def _nearest(c: Candidate, needs: MatchNeeds, origin: Position | None) -> tuple[Place | None, float | None]:
    """The place meeting most of the resident's accessibility needs, then the nearest."""
    if not c.places:
        return None, None
    if origin is not None:
        lat0, lon0 = math.radians(origin.latitude), math.radians(origin.longitude)
        cos0 = math.cos(lat0)
    best: tuple | None = None
    for n, place in enumerate(c.places):
        miles = None
        if origin is not None and place.latitude is not None and place.longitude is not None:
            # miles_between, inlined: this runs for every place of every relevant service
            lat, lon = math.radians(place.latitude), math.radians(place.longitude)
            a = math.sin((lat - lat0) / 2) ** 2 + cos0 * math.cos(lat) * math.sin((lon - lon0) / 2) ** 2
            miles = 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))
        unmet = 0
        for need in needs.accessibility:
            if need not in place.accessibility and need not in c.accessibility:
                unmet += 1
        key = (unmet, miles if miles is not None else math.inf, n)
        if best is None or key < best[0]:
            best = (key, place, miles)
    return best[1], best[2]


def _distance_points(miles: float | None, origin: Position | None) -> int:
    if miles is None:
        return NO_PLACE if origin is not None else 0
    for limit, points in DISTANCE_BANDS:
        if miles <= limit:
            return points
    return FAR


def _quick_score(needs: MatchNeeds, groups: list[frozenset[ServiceOffer]], c: Candidate, place: Place | None,
                 miles: float | None, origin: Position | None) -> int:
    """The score `_assess` explains, without making its phrases: ranking needs it for every
    relevant service, the phrases only for those shown."""
    score = 0
    for n, area in enumerate(needs.areas):
        if area.code in c.skill_areas:
            score += AREA_FIRST if n == 0 else AREA_OTHER
    for group in groups:
        if not group.isdisjoint(c.offers):
            score += OFFER
    if needs.language and needs.language in c.languages:
        score += LANGUAGE
    for need in needs.accessibility:
        if need in c.accessibility or (place is not None and need in place.accessibility):
            score += ACCESS
    if needs.cost_is_barrier and not c.is_free:
        score += CHARGES
    return score + _distance_points(miles, origin)


def _offer_groups(offers: Sequence[ServiceOffer]) -> list[frozenset[ServiceOffer]]:
    groups: list[frozenset[ServiceOffer]] = []
    for offer in offers:
        group = _DEVICE if offer in _DEVICE else frozenset({offer})
        if group not in groups:
            groups.append(group)
    return groups


def _assess(needs: MatchNeeds, c: Candidate, origin: Position | None, place: Place | None,
            miles: float | None) -> Suggestion | None:
    """The suggestion with its phrases and the parts of its score; None when it covers no need."""
    covers: list[str] = []
    missing: list[str] = []
    parts: list[tuple[str, int]] = []
    met: list[str] = []
    taught = [a for a in needs.areas if a.code in c.skill_areas]
    if taught:
        covers.append("teaches " + _and([a.title for a in taught]))
        for a in taught:
            points = AREA_FIRST if a is needs.areas[0] else AREA_OTHER
            parts.append((f"teaches {a.title}", points))
            met.append(a.code)
    untaught = [a.title for a in needs.areas if a.code not in c.skill_areas]
    if untaught:
        missing.append("does not teach " + _and(untaught))
    offered: list[str] = []
    seen_device = False
    for offer in needs.offers:
        if offer in _DEVICE:
            if seen_device:
                continue
            seen_device = True
            have = sorted((o for o in _DEVICE & c.offers), key=lambda o: o.value)
            if have:
                phrase = " and ".join(_OFFER_PHRASES[o] for o in have)
                offered.append(phrase)
                parts.append((phrase, OFFER))
                met += [o.value for o in needs.offers if o in _DEVICE]
            else:
                missing.append("no devices to lend or give")
        elif offer in c.offers:
            offered.append(_OFFER_PHRASES[offer])
            parts.append((_OFFER_PHRASES[offer], OFFER))
            met.append(offer.value)
        else:
            missing.append(f"no {_OFFER_NEEDS[offer]}")
    if not met:
        return None
    covers += offered
    if needs.language:
        name = language_name(needs.language)
        if needs.language in c.languages:
            covers.append(f"in {name}")
            parts.append((f"in {name}", LANGUAGE))
        else:
            missing.append(f"not in {name}")
    if miles is not None:
        approximate = bool(origin and origin.precision.is_approximate) or bool(place and place.approximate)
        phrase = _miles_phrase(miles, approximate)
        covers.append(phrase)
        penalty = _distance_points(miles, origin)
        if penalty:
            parts.append((phrase, penalty))
    elif origin is not None:
        missing.append("no address to measure distance from")
        parts.append(("distance not known", NO_PLACE))
    for need in needs.accessibility:
        if need in c.accessibility or (place is not None and need in place.accessibility):
            covers.append(_access_phrase(need))
            parts.append((_access_phrase(need), ACCESS))
        else:
            missing.append(f"{_access_phrase(need)} not recorded")
    if needs.cost_is_barrier:
        if c.is_free:
            covers.append("free")
        else:
            missing.append("charges" + (f": {c.cost_note}" if c.cost_note else ""))
            parts.append(("charges", CHARGES))
    return Suggestion(c.service_id, c.service_name, c.organisation_id, c.organisation_name,
                      sum(p for _label, p in parts), miles, place.name if place else "",
                      place.postcode if place else "", tuple(covers), tuple(missing), (), tuple(met),
                      tuple(parts), ReferralMethod(c.referral_method), c.capacity_note)


def rank(needs: MatchNeeds, candidates: Iterable[Candidate], resident_point: Position | None,
         limit: int | None = None) -> Ranking:
    """Suggestions best first (score, then distance, then name; at most `limit`, the rest
    counted in `more`), the relevant services left out by reason, and how many offered nothing
    needed. Deterministic for the same input."""
    area_codes = {a.code for a in needs.areas}
    groups = _offer_groups(needs.offers)
    kept: list[tuple[tuple, Candidate, Place | None, float | None, int, tuple[str, ...]]] = []
    excluded: dict[Exclusion, int] = {}
    unrelated = 0
    for c in candidates:
        if area_codes.isdisjoint(c.skill_areas) and all(group.isdisjoint(c.offers) for group in groups):
            unrelated += 1
            continue
        reason, checks = _eligibility(needs, c)
        if reason is not None:
            excluded[reason] = excluded.get(reason, 0) + 1
            continue
        place, miles = _nearest(c, needs, resident_point)
        score = _quick_score(needs, groups, c, place, miles, resident_point)
        key = (-score, miles if miles is not None else math.inf, c.service_name.casefold(),
               c.organisation_name.casefold(), c.service_id)
        kept.append((key, c, place, miles, score, tuple(checks)))
    kept.sort(key=lambda item: item[0])
    shown = kept if limit is None else kept[:max(0, limit)]
    suggestions = []
    for _key, c, place, miles, score, checks in shown:
        suggestion = _assess(needs, c, resident_point, place, miles)
        if suggestion is None or suggestion.score != score:
            raise AssertionError(f"ranking and its explanation disagree on service {c.service_id}")
        suggestions.append(replace(suggestion, checks=checks) if checks else suggestion)
    return Ranking(tuple(suggestions), tuple((r, excluded[r]) for r in Exclusion if r in excluded), unrelated,
                   len(kept) - len(shown))
