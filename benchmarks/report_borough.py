"""The inclusion side of the synthetic borough, for the reports: a partner directory, completed
skills assessments (with their results as `skills_result_level` rows and barriers), referrals at
every status with their history, and residents' equality monitoring answers.

Results are scored by the application's own `score` over answers drawn for a resident's
ability (a re-assessment usually finds them further on), so levels are what the desk would have
frozen. Desk-side records the reports count (queue tickets, callbacks, advocacy cases, print
records) are in `report_borough_desk.py`. Everything is written in stored form with
`fast_insert`, like `desk_borough.insert_fast`."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from desk_borough import indexes_rebuilt_after, stamp

YEARS = 5
DAY = 86400.0


def stored(value):
    """A value in the form SQLite stores it for the application's column types."""
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def fast_insert(connection: Connection, table, rows: list[dict]) -> int:
    """The Core INSERT for the rows' columns, run by the driver's executemany in stored form;
    columns the rows leave out take their (scalar) Python default, as the ORM would give them."""
    if not rows:
        return 0
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=keys)
    order = list(compiled.positiontup)
    filled = {name: stored(table.c[name].default.arg) for name in order if name not in keys}
    tuples = [tuple(stored(row[name]) if name in row else filled[name] for name in order) for row in rows]
    for start in range(0, len(tuples), 50_000):
        connection.exec_driver_sql(str(compiled), tuples[start:start + 50_000])
    return len(tuples)


def staff_by_role(connection: Connection) -> dict[str, list[tuple[int, int]]]:
    """(staff id, site id) of the active staff, by role."""
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for staff_id, role, site_id in connection.exec_driver_sql(
            "SELECT id, role, site_id FROM staff WHERE active = 1 ORDER BY id"):
        out[role].append((staff_id, site_id))
    return out


def live_residents(borough) -> list[int]:
    merged = borough.facts["merged_into"]
    return [i for i in borough.ids["residents"] if i not in merged]


def when_in_window(rng: random.Random, now: datetime, growth: float = 0.0) -> datetime:
    """A moment in the last YEARS years, in working hours; `growth` > 0 makes recent years busier."""
    u = rng.random()
    if growth:
        u = u ** (1 / (1 + growth))  # more mass near 1 (recent)
    day = (now - timedelta(days=YEARS * 365) + timedelta(days=u * YEARS * 365)).replace(hour=9, minute=0, second=0)
    return day + timedelta(seconds=rng.uniform(0, 8 * 3600))


# ---- partner directory --------------------------------------------------------------------------

AREAS = ("communicating", "handling_information", "transacting", "problem_solving", "being_safe")
OFFERS = ("skills_training", "device_lending", "free_device", "free_data", "accessibility_support",
          "language_support", "confidence")


def make_partners(borough, rng: random.Random, count: int) -> None:
    """`count` services of a third as many organisations (a few large charities run many)."""
    from assisted_desk.inclusion.partner_models import PartnerOrganisation, PartnerService
    from generate import NOW

    organisations = max(1, count // 3)
    stamp_at = NOW - timedelta(days=YEARS * 365 + 30)
    audit = {"created_at": stamp_at, "created_by": "admin", "updated_at": stamp_at, "updated_by": "admin"}
    orgs = [{"id": n, "source": "https://directory.example/api", "external_id": f"org-{n}",
             "name": f"{rng.choice(['Digital', 'Community', 'Good Things', 'Age Well', 'Learn'])} Partner {n}",
             "gone_at": None, "version": 1, **audit} for n in range(1, organisations + 1)]
    weights = [1 / n for n in range(1, organisations + 1)]
    services, offers_of = [], {}
    for n in range(1, count + 1):
        areas = rng.sample(AREAS, rng.choice([0, 1, 2, 3]))
        offers = rng.sample(OFFERS, rng.choice([1, 1, 2]))
        offers_of[n] = set(areas) | set(offers) | ({"foundation"} if "skills_training" in offers else set())
        services.append({
            "id": n, "organisation_id": rng.choices(range(1, organisations + 1), weights)[0],
            "source": "https://directory.example/api", "external_id": f"svc-{n}",
            "name": f"{rng.choice(['Drop-in', 'Course', 'Club', 'Clinic', 'Device bank', 'Buddies'])} {n:03d}",
            "status": "active", "skill_areas": json.dumps(areas), "offers": json.dumps(offers),
            "languages": json.dumps(["en"] + rng.sample(["pl", "bn", "ar", "gu", "so"], rng.choice([0, 0, 1]))),
            "referral_method": rng.choice(["api", "email", "email", "phone", "slip"]), "version": 1, **audit})
    fast_insert(borough.connection, PartnerOrganisation.__table__, orgs)
    fast_insert(borough.connection, PartnerService.__table__, services)
    borough.facts["service_offers"] = offers_of


# ---- skills assessments -------------------------------------------------------------------------

BARRIER_WEIGHTS = {"no_device": 14, "no_home_internet": 12, "cost": 10, "skills": 30, "confidence": 26,
                   "motivation": 8, "access_sight": 4, "access_hearing": 2, "access_dexterity": 3,
                   "access_memory": 4, "language": 12, "literacy": 6}


def _results_deck(rng: random.Random) -> tuple[str, dict[tuple[str, int], list[tuple[str, list[tuple]]]]]:
    """The framework version, and (kind, ability 0-9) -> results scored by the application from
    drawn answers: (result_json, [(area, level, status, on_my_own)])."""
    from assisted_desk.inclusion.framework import shipped_frameworks
    from assisted_desk.inclusion.result_codec import result_to_json
    from assisted_desk.inclusion.scoring import score
    from assisted_desk.inclusion.skills_vocab import Answer

    framework = shipped_frameworks().current()
    deck: dict[tuple[str, int], list] = {}
    for kind in ("quick", "full"):
        asked = framework.statements_for(quick=kind == "quick")
        for ability in range(10):
            cards = []
            for _ in range(40):
                answers = {}
                for statement in asked:
                    ease = {"foundation": 0.2, "life": -0.05, "work": -0.3}[statement.level.value]
                    p_own = min(0.985, max(0.02, 0.35 + ability * 0.07 + ease))
                    u = rng.random()
                    answers[statement.code] = (Answer.NOT_RELEVANT if u < 0.015 else Answer.ON_MY_OWN if u < p_own
                                               else Answer.WITH_HELP if rng.random() < 0.6 else Answer.CANT_YET)
                result = score(framework, answers, (), [s.code for s in asked])
                levels = [("", s.level.value, s.status.value, s.on_my_own) for s in result.overall]
                levels += [(a.area, s.level.value, s.status.value, s.on_my_own) for a in result.areas for s in a.levels]
                cards.append((result_to_json(result), levels))
            deck[(kind, ability)] = cards
    return framework.version, deck


def make_assessments(borough, rng: random.Random, count: int) -> None:
    """`count` completed assessments (a third of residents assessed more than once, months apart,
    usually further on each time), and 5% more left in progress or discarded."""
    from assisted_desk.inclusion.models import SkillsAssessment, SkillsBarrier, SkillsResultLevel
    from generate import NOW

    connection = borough.connection
    version, deck = _results_deck(rng)
    coordinators = staff_by_role(connection)
    assessors = coordinators["coordinator"] + coordinators["desk"][:40]
    residents = live_residents(borough)
    created_at = borough.facts["resident_created_at"]
    barriers, barrier_weights = list(BARRIER_WEIGHTS), list(BARRIER_WEIGHTS.values())
    rows, levels, barrier_rows, done = [], [], [], []
    next_id, completed = 1, 0
    window_start = NOW - timedelta(days=YEARS * 365)
    while completed < count:
        resident = rng.choice(residents)
        at = max(when_in_window(rng, NOW, growth=0.6), created_at[resident - 1] + timedelta(days=1))
        ability = min(9, int(rng.betavariate(2, 3) * 10))
        times = 1 + (rng.random() < 0.33) + (rng.random() < 0.12) + (rng.random() < 0.04)
        staff_id, site_id = rng.choice(assessors)
        for n in range(times):
            if at >= NOW - timedelta(hours=1) or completed >= count or at < window_start:
                break
            kind = ("quick" if rng.random() < 0.6 else "full") if n == 0 else ("full" if rng.random() < 0.6 else "quick")
            result_json, result_levels = rng.choice(deck[(kind, ability)])
            started = at - timedelta(minutes=rng.uniform(15, 70))
            rows.append({"id": next_id, "resident_id": resident, "framework_version": version, "kind": kind,
                         "state": "completed", "site_id": site_id, "staff_id": staff_id, "position": 0,
                         "goals_own_words": "", "result_json": result_json, "discard_reason": "",
                         "started_at": started, "started_by": f"staff{staff_id}", "completed_at": at,
                         "updated_at": at, "updated_by": f"staff{staff_id}", "version": 3})
            levels.extend((next_id, area, level, status, own) for area, level, status, own in result_levels)
            chosen = set(rng.choices(barriers, barrier_weights, k=rng.choice([0, 1, 1, 2, 2, 3])))
            barrier_rows.extend({"assessment_id": next_id, "barrier": b, "detail": ""} for b in sorted(chosen))
            done.append((next_id, resident, at, kind, sorted(chosen), result_levels, site_id, staff_id))
            next_id += 1
            completed += 1
            ability = max(0, min(9, ability + rng.choice([0, 1, 1, 2, 3]) - (rng.random() < 0.1)))
            at += timedelta(days=rng.uniform(60, 300))
    for _ in range(count // 20):  # left in progress (recently) or discarded
        resident = rng.choice(residents)
        discarded = rng.random() < 0.6
        started = NOW - timedelta(days=rng.uniform(0, 3 * 365 if discarded else 40))
        staff_id, site_id = rng.choice(assessors)
        rows.append({"id": next_id, "resident_id": resident, "framework_version": version, "kind": "quick",
                     "state": "discarded" if discarded else "in_progress", "site_id": site_id, "staff_id": staff_id,
                     "position": rng.randrange(10), "goals_own_words": "", "result_json": "",
                     "discard_reason": "Started by mistake" if discarded else "", "started_at": started,
                     "started_by": f"staff{staff_id}", "completed_at": None, "updated_at": started,
                     "updated_by": f"staff{staff_id}", "version": 2})
        next_id += 1
    rows.sort(key=lambda r: r["id"])
    with indexes_rebuilt_after(connection, "skills_assessment", "skills_barrier"):
        fast_insert(connection, SkillsAssessment.__table__, rows)
        fast_insert(connection, SkillsBarrier.__table__, barrier_rows)
        levels.sort()
        sql = str(insert(SkillsResultLevel.__table__).compile(
            dialect=connection.dialect, column_keys=["assessment_id", "area", "level", "status", "on_my_own"]))
        connection.exec_driver_sql(sql, levels)
    borough.facts["assessments"] = done
    borough.facts["result_levels"] = len(levels)


# ---- referrals ----------------------------------------------------------------------------------

DECLINE = ("No places left this term", "Outside the area we cover", "Needs are beyond what we offer",
           "Could not reach the resident", "Age limit of the course")
STOP = ("Moved away", "Health got worse", "Found work; no time to attend", "Lost interest",
        "Course cancelled by the partner")
WITHDRAW = ("The resident changed their mind", "Referred by mistake", "Help found elsewhere")
REROUTE = ("Closer service found", "The partner asked us to send it elsewhere")


def _needs(rng: random.Random, barriers: list[str], result_levels: list[tuple]) -> list[str]:
    from assisted_desk.inclusion.matching import BARRIER_OFFERS
    from assisted_desk.inclusion.skills_vocab import Barrier

    needs = [o.value for b in barriers for o in BARRIER_OFFERS.get(Barrier(b), ())]
    short = [area for area, level, status, _own in result_levels if area and status == "not_reached"]
    needs += rng.sample(short, min(len(short), rng.choice([1, 1, 2])))
    return list(dict.fromkeys(needs)) or [rng.choice(AREAS)]


def _lognormal_days(rng: random.Random, median: float, spread: float = 0.8) -> timedelta:
    return timedelta(days=median * rng.lognormvariate(0, spread))


def make_referrals(borough, rng: random.Random, count: int) -> None:
    """`count` referrals (seven in ten following an assessment, the rest for needs told at the
    desk), each walked through the closed loop with realistic delays until "now" stops it: so
    recent ones are still waiting, old ones are closed. Declined or stalled ones are sometimes
    re-routed to another service (a new referral naming the old one in `rerouted_from_id`)."""
    from assisted_desk.inclusion.referral_models import Referral, ReferralEvent
    from desk_borough import new_reference
    from generate import NOW

    connection = borough.connection
    offers_of: dict[int, set[str]] = borough.facts["service_offers"]
    services = sorted(offers_of)
    popularity = [rng.paretovariate(1.2) for _ in services]
    staff = staff_by_role(connection)
    referrers = staff["coordinator"] * 3 + staff["desk"] + staff["advocate"]
    assessments = borough.facts["assessments"]
    residents = live_residents(borough)
    taken: set[str] = set()
    referrals, events, pending = [], [], []
    next_id = 1
    while next_id <= count:
        if pending:
            resident, assessment_id, needs, created, previous, staff_id, site_id = pending.pop()
        else:
            staff_id, site_id = rng.choice(referrers)
            previous = None
            if rng.random() < 0.7:
                assessment_id, resident, done_at, _kind, barriers, result_levels, site_id, staff_id = rng.choice(assessments)
                needs = _needs(rng, barriers, result_levels)
                created = done_at + timedelta(minutes=rng.uniform(5, 60)) if rng.random() < 0.6 else \
                    done_at + _lognormal_days(rng, 6)
            else:
                resident, assessment_id = rng.choice(residents), None
                needs = rng.sample(AREAS + OFFERS, rng.choice([1, 1, 2]))
                created = when_in_window(rng, NOW, growth=0.6)
        if created >= NOW:
            continue
        fitting = [s for s in services if offers_of[s] & set(needs)] or services
        service = rng.choices(fitting, [popularity[s - 1] for s in fitting])[0]
        history = [("", "draft", created)]
        status, at = "draft", created

        def step(target: str, delay: timedelta) -> bool:
            nonlocal status, at
            if at + delay >= NOW:
                return False
            at = at + delay
            history.append((status, target, at))
            status = target
            return True

        if created > NOW - timedelta(days=45) and rng.random() < 0.08:
            pass  # a draft not sent yet
        elif rng.random() < 0.015:
            step("withdrawn", _lognormal_days(rng, 2))
        elif step("sent", timedelta(0) if rng.random() < 0.6 else _lognormal_days(rng, 1)):
            u = rng.random()
            if u < 0.13:
                step("declined", _lognormal_days(rng, 5))
            elif u < 0.17:
                step("withdrawn", _lognormal_days(rng, 10))
            elif step("accepted", _lognormal_days(rng, 4)):
                u = rng.random()
                if u < 0.13 and step("did_not_attend", _lognormal_days(rng, 10)):
                    if rng.random() < 0.4:
                        step("attended_first_session", _lognormal_days(rng, 14))
                    elif rng.random() < 0.6:
                        step("stopped", _lognormal_days(rng, 20))
                elif u < 0.16:
                    step("withdrawn", _lognormal_days(rng, 12))
                elif u < 0.9:
                    step("attended_first_session", _lognormal_days(rng, 9))
                if status == "attended_first_session":
                    u = rng.random()
                    if u < 0.62:
                        step("completed", _lognormal_days(rng, 45, 0.5))
                    elif u < 0.8:
                        step("stopped", _lognormal_days(rng, 20))
                    elif u < 0.83:
                        step("withdrawn", _lognormal_days(rng, 20))
            if status in ("declined", "sent", "did_not_attend") and rng.random() < 0.15 and next_id + len(pending) < count:
                if step("rerouted", _lognormal_days(rng, 3)):
                    pending.append((resident, assessment_id, needs, at + timedelta(minutes=5), next_id, staff_id, site_id))
        reason = {"declined": DECLINE, "stopped": STOP, "withdrawn": WITHDRAW, "rerouted": REROUTE}.get(status)
        moments = {to: when for _f, to, when in history}
        recorded = history[-1][2]
        method = rng.choice(["api", "email", "phone", "slip"])
        referrals.append({
            "id": next_id, "reference": new_reference(rng, taken).replace("AD-", "RF-", 1), "resident_id": resident,
            "service_id": service, "assessment_id": assessment_id, "need_areas": json.dumps(needs),
            "need_text": "", "consent_id": None, "method": method, "status": status,
            "status_reason": rng.choice(reason) if reason else "", "rerouted_from_id": previous,
            "site_id": site_id, "staff_id": staff_id, "created_at": created, "created_by": f"staff{staff_id}",
            "sent_at": moments.get("sent"), "accepted_at": moments.get("accepted"),
            "declined_at": moments.get("declined"), "first_session_at": moments.get("attended_first_session"),
            "closed_at": recorded if status in ("declined", "completed", "stopped", "withdrawn", "rerouted") else None,
            "last_update_at": recorded, "delivery_state": "delivered" if method == "api" and "sent" in moments
            else "not_by_api", "idempotency_key": "", "attempts": 1 if method == "api" else 0,
            "next_attempt_at": None, "lease_owner": "", "lease_until": None, "last_error": "",
            "partner_reference": "", "updated_at": recorded, "updated_by": f"staff{staff_id}",
            "version": len(history)})
        for from_status, to_status, when in history:
            events.append({"referral_id": next_id, "from_status": from_status, "to_status": to_status,
                           "reason": referrals[-1]["status_reason"] if to_status == status else "", "note": "",
                           "source": "staff" if to_status in ("draft", "sent") else rng.choice(
                               ["staff", "call", "partner_api", "partner_csv"]),
                           "happened_at": when, "recorded_at": when + timedelta(hours=rng.uniform(0, 30))
                           if to_status not in ("draft", "sent") else when,
                           "recorded_by": f"staff{staff_id}", "staff_id": staff_id})
        next_id += 1
    for number, event in enumerate(events, start=1):
        event["id"] = number
    with indexes_rebuilt_after(connection, "referral", "referral_event"):
        fast_insert(connection, Referral.__table__, referrals)
        fast_insert(connection, ReferralEvent.__table__, events)
    borough.facts["referral_events"] = len(events)
    borough.facts["referred_residents"] = {r["resident_id"] for r in referrals}


# ---- equality monitoring ------------------------------------------------------------------------

SEX_WEIGHTS = {"Female": 52, "Male": 44, "Prefer not to say": 4}
ETHNICITY_WEIGHTS = (14, 2, 6, 5, 3, 9, 4, 2, 2, 1, 2, 2, 28, 2, 1, 1, 10, 2, 2, 2)
DISABILITY_WEIGHTS = {"Yes, limited a lot": 9, "Yes, limited a little": 11, "No": 74, "Prefer not to say": 6}
LANGUAGES = {"English": 58, "Bengali": 9, "Polish": 5, "Romanian": 4, "Urdu": 4, "Gujarati": 3, "Somali": 3,
             "Arabic": 3, "Turkish": 2, "Portuguese": 2, "Spanish": 2, "Lithuanian": 2, "Tamil": 1, "": 2}


def _age_band(born: str | None, today: date) -> str:
    if not born:
        return ""
    b = date.fromisoformat(born)
    age = today.year - b.year - ((today.month, today.day) < (b.month, b.day))
    for limit, band in ((16, "Under 16"), (25, "16-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"),
                        (65, "55-64"), (75, "65-74")):
        if age < limit:
            return band
    return "75+"


def make_equality(borough, rng: random.Random, count: int) -> None:
    """Equality answers for `count` residents (about 40%): most of those assessed or referred
    (coordinators ask), the rest at random. Age bands agree with the date of birth; any
    question may be left unanswered or answered "Prefer not to say"."""
    from assisted_desk.desk.models import ResidentEquality
    from assisted_desk.desk.vocab import ETHNICITIES
    from generate import NOW

    connection = borough.connection
    asked_first = sorted({a[1] for a in borough.facts["assessments"]} | borough.facts["referred_residents"])
    chosen = [r for r in asked_first if rng.random() < 0.8][:count]
    have = set(chosen)
    others = [r for r in live_residents(borough) if r not in have]
    chosen += rng.sample(others, max(0, min(len(others), count - len(chosen))))
    chosen.sort()
    born = dict(connection.exec_driver_sql("SELECT id, date_of_birth FROM resident").all())
    today = NOW.date()
    rows = []
    for resident in chosen:
        when = NOW - timedelta(days=rng.uniform(1, YEARS * 365))

        def answer(options, weights, skip=0.04):
            return "" if rng.random() < skip else rng.choices(options, weights)[0]

        band = _age_band(born.get(resident), today)
        if rng.random() < 0.05:
            band = "Prefer not to say" if rng.random() < 0.5 else ""
        rows.append({"resident_id": resident, "age_band": band, "sex": answer(list(SEX_WEIGHTS), list(SEX_WEIGHTS.values())),
                     "ethnicity": answer(list(ETHNICITIES), ETHNICITY_WEIGHTS[:len(ETHNICITIES)], 0.06),
                     "disability": answer(list(DISABILITY_WEIGHTS), list(DISABILITY_WEIGHTS.values()), 0.08),
                     "first_language": answer(list(LANGUAGES), list(LANGUAGES.values()), 0.05),
                     "updated_at": when, "updated_by": "admin", "version": 1})
    fast_insert(connection, ResidentEquality.__table__, rows)
    # Answers written in bulk, after the contacts: count the contacts by them, as recording the
    # answers one by one would have (contact_days.regrouped).
    from assisted_desk.desk.contact_days import recount_contact_days

    recount_contact_days(connection)
    connection.commit()

