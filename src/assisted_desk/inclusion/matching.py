"""Suggesting partner services for a resident: `ServiceMatcher.suggest` gathers the needs, loads
the directory and hands both to `rank` (ranking.py, where the scoring rules are explained).

Needs come from a completed skills assessment (its gaps and next tasks, barriers and goals) and/or
needs stated at the desk, plus what the resident's record says: postcode, date of birth, preferred
language and accessibility needs (read from free text by needs_text.py). The directory is read
whole as plain `Candidate` values in a few queries and kept until `directory_stamp` says it changed.

The names of ranking.py and needs_text.py are re-exported here (see `__all__`): the UI and tests
import them from this module."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import ValidationError
from ..core.security import Actor, Permission, require
from ..desk.representatives import london_today, open_resident
from .assessments import AssessmentRecord, SkillsAssessmentService
from .framework import SkillsFramework
from .needs_text import LANGUAGES, accessibility_from_text, language_code, language_name, mentions_sign_language
from .partner_models import PartnerLocation, PartnerOrganisation, PartnerService, PostcodePoint
from .postcodes import Position, district_of, locate, locate_many, normalise_postcode
from .ranking import (ACCESS, AREA_FIRST, AREA_OTHER, CHARGES, DISTANCE_BANDS, FAR, LANGUAGE, NO_PLACE, OFFER,
                      Candidate, Exclusion, MatchNeeds, NeededArea, Place, Ranking, Suggestion, rank)
from .referral_vocab import Accessibility, ReferralMethod, ServiceOffer
from .scoring import Reached
from .skills_vocab import GOAL_AREAS, AssessmentState, Barrier

__all__ = [
    # needs_text.py
    "LANGUAGES", "accessibility_from_text", "language_code", "language_name",
    # ranking.py
    "ACCESS", "AREA_FIRST", "AREA_OTHER", "CHARGES", "DISTANCE_BANDS", "FAR", "LANGUAGE", "NO_PLACE", "OFFER",
    "Candidate", "Exclusion", "MatchNeeds", "NeededArea", "Place", "Ranking", "Suggestion", "rank",
    # this module
    "BARRIER_OFFERS", "DEFAULT_LIMIT", "MatchResult", "ServiceMatcher", "StatedNeeds", "age_on",
    "directory_stamp", "load_candidates", "needs_from_assessment",
]

DEFAULT_LIMIT = 30


# ---- the needs ----------------------------------------------------------------------------------

# What each barrier asks of a service: a service offering any one of a group meets it.
BARRIER_OFFERS: dict[Barrier, tuple[ServiceOffer, ...]] = {
    Barrier.NO_DEVICE: (ServiceOffer.DEVICE_LENDING, ServiceOffer.FREE_DEVICE),
    Barrier.NO_HOME_INTERNET: (ServiceOffer.FREE_DATA,),
    Barrier.COST: (ServiceOffer.FREE_DATA,),
    Barrier.ACCESS_SIGHT: (ServiceOffer.ACCESSIBILITY_SUPPORT,),
    Barrier.ACCESS_HEARING: (ServiceOffer.ACCESSIBILITY_SUPPORT,),
    Barrier.ACCESS_DEXTERITY: (ServiceOffer.ACCESSIBILITY_SUPPORT,),
    Barrier.ACCESS_MEMORY: (ServiceOffer.ACCESSIBILITY_SUPPORT,),
    Barrier.LANGUAGE: (ServiceOffer.LANGUAGE_SUPPORT,),
    Barrier.CONFIDENCE: (ServiceOffer.CONFIDENCE,),
    Barrier.MOTIVATION: (ServiceOffer.CONFIDENCE,),  # a drop-in or "digital buddy" is how "not for me" changes
}


@dataclass(frozen=True)
class StatedNeeds:
    """Needs said at the desk, for a resident without an assessment (or beside one)."""

    skill_areas: tuple[str, ...] = ()  # framework area codes, most important first
    offers: tuple[ServiceOffer | str, ...] = ()
    language: str = ""  # free text or a code; "" uses the resident's preferred language
    accessibility: tuple[Accessibility | str, ...] = ()  # besides those on the resident's record
    receives_benefits: bool | None = None  # None: not known


def age_on(born: date, today: date) -> int:
    """Completed years; someone born on 29 February comes of age on 1 March in other years."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# ---- the result ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MatchResult:
    resident_id: int
    assessment_id: int | None
    needs: MatchNeeds
    origin: Position | None
    suggestions: tuple[Suggestion, ...]
    more: int  # suggestions beyond the limit
    excluded: tuple[tuple[Exclusion, int], ...]
    unrelated: int
    notes: tuple[str, ...] = field(default=())  # what the screen should say about the matching itself

    def excluded_for(self, reason: Exclusion) -> int:
        return dict(self.excluded).get(reason, 0)

    @property
    def excluded_summary(self) -> str:
        """"4 left out: 3 not taking referrals now, 1 outside their age range" or ""."""
        total = sum(n for _reason, n in self.excluded)
        if not total:
            return ""
        return f"{total} left out: " + ", ".join(f"{n} {reason.label}" for reason, n in self.excluded)


# ---- loading (one query per table) --------------------------------------------------------------

_OFFER_VALUES = {m.value: m for m in ServiceOffer}
_ACCESS_VALUES = {m.value: m for m in Accessibility}
_METHODS = {m.value for m in ReferralMethod}


class _Lists:
    """JSON lists parsed once per distinct text: a directory repeats the same few ('["en"]')."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str | None], frozenset] = {}

    def read(self, kind: str, text: str | None) -> frozenset:
        key = (kind, text)
        found = self._seen.get(key)
        if found is None:
            try:
                values = json.loads(text or "[]")
            except ValueError:
                values = []
            values = values if isinstance(values, list) else []
            if kind == "offers":
                found = frozenset(_OFFER_VALUES[v] for v in values if v in _OFFER_VALUES)
            elif kind == "access":
                found = frozenset(_ACCESS_VALUES[v] for v in values if v in _ACCESS_VALUES)
            elif kind == "languages":
                found = frozenset(str(v).lower() for v in values)
            else:
                found = frozenset(str(v) for v in values)
            self._seen[key] = found
        return found


def load_candidates(session: Session) -> list[Candidate]:
    """Every directory service as a `Candidate`, with its places positioned: three queries, plus
    up to three for places that have a postcode but no coordinates. Core rows, not ORM objects:
    this runs for every suggestion over thousands of services."""
    connection = session.connection()
    lists = _Lists()
    organisations = {oid: (name, gone) for oid, name, gone in connection.execute(
        select(PartnerOrganisation.id, PartnerOrganisation.name, PartnerOrganisation.gone_at)).all()}
    L = PartnerLocation
    rows = connection.execute(select(L.service_id, L.name, L.postcode, L.latitude, L.longitude, L.accessibility)
                              .order_by(L.service_id, L.id)).all()
    positions = locate_many(session, (r[2] for r in rows if (r[3] is None or r[4] is None) and r[2]))
    places: dict[int, list[Place]] = {}
    for service_id, name, postcode, lat, lon, access in rows:
        approximate = False
        if lat is None or lon is None:
            found = positions.get(postcode)
            lat, lon = (found.latitude, found.longitude) if found else (None, None)
            approximate = bool(found and found.precision.is_approximate)
        places.setdefault(service_id, []).append(Place(name, postcode, lat, lon, approximate,
                                                       lists.read("access", access)))
    S = PartnerService
    candidates = []
    for (sid, name, org_id, status, accepting, local_accepting, gone_at, areas, offers, languages, access, is_free,
         cost_note, min_age, max_age, residency, benefits, method, capacity, local_capacity) in connection.execute(
            select(S.id, S.name, S.organisation_id, S.status, S.accepting_referrals, S.local_accepting, S.gone_at,
                   S.skill_areas, S.offers, S.languages, S.accessibility, S.is_free, S.cost_note, S.min_age,
                   S.max_age, S.residency_area, S.benefits_required, S.referral_method, S.capacity_note,
                   S.local_capacity_note)).all():
        org_name, org_gone = organisations.get(org_id, ("", None))
        candidates.append(Candidate(
            sid, name, org_id, org_name, (status or "").strip().lower(),
            local_accepting if local_accepting is not None else bool(accepting),
            gone_at is not None or org_gone is not None, lists.read("areas", areas), lists.read("offers", offers),
            lists.read("languages", languages), lists.read("access", access), bool(is_free), cost_note or "",
            min_age, max_age, residency or "", bool(benefits),
            method if method in _METHODS else ReferralMethod.EMAIL.value,
            local_capacity or capacity or "", tuple(places.get(sid, ()))))
    return candidates


def directory_stamp(session: Session) -> tuple:
    """What changes whenever the directory does, in one cheap statement: counts, the latest
    change and the sum of row versions of organisations and services (every edit moves one of
    them: the ORM bumps `version`, an import sets `updated_at`); for places, which carry neither
    and whose ids SQLite may reuse when they are replaced, sums over what matching reads of them;
    and the count and latest change of postcode points."""
    def one(column):
        return select(column).scalar_subquery()

    O, S, L, P = PartnerOrganisation, PartnerService, PartnerLocation, PostcodePoint
    return tuple(session.execute(select(
        one(func.count(O.id)), one(func.max(O.updated_at)), one(func.sum(O.version)),
        one(func.count(S.id)), one(func.max(S.updated_at)), one(func.sum(S.version)),
        one(func.count(L.id)), one(func.sum(L.id)), one(func.sum(L.latitude)), one(func.sum(L.longitude)),
        one(func.sum(func.length(L.postcode))), one(func.sum(func.length(L.accessibility))),
        one(func.sum(func.length(L.name))), one(func.count(P.postcode)), one(func.max(P.updated_at)),
    )).one())


# ---- the service --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Profile:
    postcode: str
    born: date | None
    language_text: str
    accessibility_text: str


def needs_from_assessment(record: AssessmentRecord) -> tuple[list[str], list[ServiceOffer], bool]:
    """(area codes most important first, offers, cost is a barrier) from a completed assessment:
    the areas of the next tasks (already in the order to learn them), then other areas with a
    level not reached, then the areas the resident's goals need; offers from the barriers."""
    areas = [t.area for t in record.result.next_tasks]
    areas += [a.area for a in record.result.areas if any(s.status is Reached.NOT_REACHED for s in a.levels)]
    for goal in record.goals:
        areas += GOAL_AREAS.get(goal, ())
    offers = [o for barrier in record.barriers for o in BARRIER_OFFERS.get(barrier, ())]
    return list(dict.fromkeys(areas)), list(dict.fromkeys(offers)), Barrier.COST in record.barriers


class ServiceMatcher:
    """Suggests services for a resident. Keeps the directory as last read (frozen candidates,
    shared safely between threads) and reads it again only when `directory_stamp` says it
    changed, so a suggestion over thousands of services costs one small query, not a reload."""

    def __init__(self, db: Database, clock: Clock, skills_service: SkillsAssessmentService) -> None:
        self.db, self.clock, self.skills = db, clock, skills_service
        self._directory: tuple[tuple, list[Candidate]] | None = None

    def _candidates(self, session: Session) -> list[Candidate]:
        stamp = directory_stamp(session)
        known = self._directory
        if known is not None and known[0] == stamp:
            return known[1]
        candidates = load_candidates(session)
        self._directory = (stamp, candidates)  # one assignment: another thread sees the old or the new
        return candidates

    def suggest(self, actor: Actor, resident_id: int, *, assessment_id: int | None = None,
                needs: StatedNeeds | None = None, limit: int = DEFAULT_LIMIT) -> MatchResult:
        """Partner services for the resident, best first, each with its reasons. Needs come from
        the given assessment, else (when no needs are stated) the latest completed one, plus any
        stated needs. Refuses without refer-to-partners; a resident who does not exist or was
        merged away; an assessment that is another resident's or not completed; a resident with
        no completed assessment and no stated needs; stated needs naming an unknown skill area,
        kind of help, language or accessibility need, or nothing at all."""
        require(actor, Permission.REFER_TO_PARTNERS)
        framework = self.skills.frameworks.current()
        stated = self._check_stated(needs, framework) if needs is not None else None
        with self.db.unit_of_work() as session:
            resident = open_resident(session, resident_id)
            profile = _Profile(resident.postcode, resident.date_of_birth, resident.preferred_language,
                               resident.accessibility_needs)
            origin = locate(session, profile.postcode) if profile.postcode else None
            candidates = self._candidates(session)
        record = self._assessment(actor, resident_id, assessment_id, stated)
        if record is None and stated is None:
            raise ValidationError("This resident has no completed skills assessment. Complete one, or say what "
                                  "they need (skill areas or the kind of help), to find services.", field="needs")
        match_needs, notes = self._needs(record, stated, profile, origin, framework if record is None
                                         else record.framework)
        if not match_needs.areas and not match_needs.offers:
            notes.append("The assessment shows no skills to learn, barriers or goals: there is nothing to match.")
        ranking = rank(match_needs, candidates, origin, max(1, int(limit)))
        return MatchResult(resident_id, record.id if record else None, match_needs, origin, ranking.suggestions,
                           ranking.more, ranking.excluded, ranking.unrelated, tuple(notes))

    def _assessment(self, actor: Actor, resident_id: int, assessment_id: int | None,
                    stated: StatedNeeds | None) -> AssessmentRecord | None:
        if assessment_id is None:
            return self.skills.latest_result(actor, resident_id) if stated is None else None
        record = self.skills.get(actor, assessment_id)
        if record.summary.resident_id != resident_id:
            raise ValidationError("That assessment belongs to another resident.", field="assessment")
        if record.summary.state is not AssessmentState.COMPLETED:
            raise ValidationError("That assessment is not completed yet: complete it, or match on the latest "
                                  "completed one.", field="assessment")
        return record

    def _check_stated(self, needs: StatedNeeds, framework: SkillsFramework) -> StatedNeeds:
        codes = {a.code for a in framework.areas}
        for code in needs.skill_areas:
            if code not in codes:
                allowed = ", ".join(a.title for a in framework.areas)
                raise ValidationError(f"Skill area '{code}' is not in the framework. Choose from: {allowed}.",
                                      field="skill_areas")
        offers = tuple(ServiceOffer.parse(o, field="offers", what="Kind of help") for o in needs.offers)
        access = tuple(Accessibility.parse(a, field="accessibility", what="Accessibility need")
                       for a in needs.accessibility)
        if needs.language.strip() and language_code(needs.language) is None:
            raise ValidationError(f"'{needs.language.strip()}' is not a language we recognise. Write its English "
                                  "name (Polish) or its two-letter code (pl).", field="language")
        if not needs.skill_areas and not offers:
            raise ValidationError("Say at least one skill area or kind of help the resident needs.", field="needs")
        return StatedNeeds(tuple(dict.fromkeys(needs.skill_areas)), offers, needs.language.strip(), access,
                           needs.receives_benefits)

    def _needs(self, record: AssessmentRecord | None, stated: StatedNeeds | None, profile: _Profile,
               origin: Position | None, framework: SkillsFramework) -> tuple[MatchNeeds, list[str]]:
        notes: list[str] = []
        areas, offers, cost = needs_from_assessment(record) if record else ([], [], False)
        if stated is not None:
            areas = list(dict.fromkeys([*stated.skill_areas, *areas]))
            offers = list(dict.fromkeys([*stated.offers, *offers]))
        titles = {a.code: a.title for a in framework.areas}
        language_text = stated.language if stated is not None and stated.language else profile.language_text
        code = language_code(language_text)
        if language_text.strip() and code is None and not mentions_sign_language(language_text):
            notes.append(f"Preferred language \"{language_text.strip()}\" is not one we recognise, so services "
                         "were not matched on language.")
        access = list(accessibility_from_text(profile.accessibility_text))
        if mentions_sign_language(language_text):
            access.append(Accessibility.BSL)
        if stated is not None:
            access += stated.accessibility
        access_order = {a: n for n, a in enumerate(Accessibility)}
        postcode = normalise_postcode(profile.postcode)
        if not profile.postcode:
            notes.append("No postcode on the resident's record: distances are not shown.")
        elif origin is None:
            notes.append(f"Postcode {profile.postcode} is not one we have a position for (nor its district): "
                         "distances are not shown.")
        elif origin.precision.is_approximate:
            notes.append(f"Postcode {origin.postcode} is placed by its {origin.precision.label} "
                         f"({origin.basis}): distances are approximate.")
        if profile.born is None:
            notes.append("No date of birth on the resident's record: age limits are shown as checks.")
        return MatchNeeds(
            areas=tuple(NeededArea(c, titles.get(c, c)) for c in areas),
            offers=tuple(offers),
            language=None if code in (None, "en") else code,
            accessibility=tuple(sorted(set(access), key=access_order.__getitem__)),
            age=age_on(profile.born, london_today(self.clock)) if profile.born else None,
            district=district_of(postcode) if postcode else None,
            receives_benefits=stated.receives_benefits if stated is not None else None,
            cost_is_barrier=cost,
        ), notes
