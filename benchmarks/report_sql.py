"""Hand-written aggregate SQL for each report's headline figures, and the same figures read off
the report, so the scenario can check they agree and time one against the other.

Each `Baseline` is a single statement (text(), written for both databases: only CASE, SUM,
COUNT, window functions and a dialect-chosen day difference) that a programmer would write
to get those figures, with nothing else: no progress, no labels, no disclosure control. Its
`from_report` reads the same figures off the report's tables, keyed alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


from datetime import datetime

from sqlalchemy import bindparam, text

Figures = dict[str, float]

# Every figure the referral report's tables show (disclosure control off), from one reading of the
# cohort: a CTE used many times, so both databases materialise it once, grouped as each table
# shows it (a partner's counts are its services' added up). The funnel is the sum of the counts
# by status, a total row the funnel; percentages are worked out from the counts, medians and 90th
# percentiles from the histograms returned. _ReferralBaseline writes in the dialect's day
# difference ({to_acceptance}, {to_first_session}) and the needs listed today ({needs}: code
# and LIKE pattern), and binds :stale, now less the follow-up setting's days.
REFERRALS = """
WITH c AS (
    SELECT r.id, r.resident_id, r.service_id, r.site_id, st.role, r.status, r.need_areas, r.created_at,
           CASE WHEN r.rerouted_from_id IS NULL THEN 0 ELSE 1 END AS rerouted,
           CASE WHEN r.last_update_at < :stale THEN 1 ELSE 0 END AS stale,
           CASE WHEN r.sent_at IS NOT NULL THEN 1 ELSE 0 END AS sent,
           CASE WHEN r.accepted_at IS NOT NULL THEN 1 ELSE 0 END AS accepted,
           CASE WHEN r.first_session_at IS NOT NULL THEN 1 ELSE 0 END AS attended,
           CASE WHEN r.status = 'completed' THEN 1 ELSE 0 END AS completed,
           ROUND(CAST({to_acceptance} AS NUMERIC), 1) AS to_acceptance,
           ROUND(CAST({to_first_session} AS NUMERIC), 1) AS to_first_session
    FROM referral r LEFT JOIN staff st ON st.id = r.staff_id
    WHERE r.created_at >= :start AND r.created_at < :end
      AND NOT (r.sent_at IS NULL AND r.status = 'withdrawn')
), need (code, pattern) AS (
    VALUES {needs}
), lists AS (
    SELECT need_areas, COUNT(*) AS made, SUM(sent) AS sent, SUM(accepted) AS accepted, SUM(attended) AS attended,
           SUM(completed) AS completed
    FROM c GROUP BY need_areas
), services AS (
    SELECT service_id, COUNT(*) AS made, SUM(sent) AS sent, SUM(accepted) AS accepted, SUM(attended) AS attended,
           SUM(completed) AS completed
    FROM c GROUP BY service_id
), residents AS (
    SELECT resident_id, SUM(1 - rerouted) AS heads, MIN(CASE WHEN rerouted = 0 THEN created_at END) AS first_at
    FROM c GROUP BY resident_id
)
SELECT 'status', status, COUNT(*), SUM(sent), SUM(accepted), SUM(attended), SUM(completed), SUM(stale),
       SUM(rerouted)
FROM c GROUP BY status
UNION ALL
SELECT 'service', CAST(service_id AS VARCHAR(20)), made, sent, accepted, attended, completed, 0, 0 FROM services
UNION ALL
SELECT 'partner', CAST(p.organisation_id AS VARCHAR(20)), SUM(s.made), SUM(s.sent), SUM(s.accepted),
       SUM(s.attended), SUM(s.completed), 0, 0
FROM services s JOIN partner_service p ON p.id = s.service_id GROUP BY p.organisation_id
UNION ALL
SELECT 'site', CAST(site_id AS VARCHAR(20)), COUNT(*), SUM(sent), SUM(accepted), SUM(attended), SUM(completed), 0, 0
FROM c GROUP BY site_id
UNION ALL
SELECT 'team', role, COUNT(*), SUM(sent), SUM(accepted), SUM(attended), SUM(completed), 0, 0
FROM c GROUP BY role
UNION ALL
SELECT 'need', n.code, SUM(l.made), SUM(l.sent), SUM(l.accepted), SUM(l.attended), SUM(l.completed), 0, 0
FROM need n JOIN lists l ON l.need_areas LIKE n.pattern ESCAPE '/' GROUP BY n.code
UNION ALL
SELECT 'need', 'words_only', SUM(made), SUM(sent), SUM(accepted), SUM(attended), SUM(completed), 0, 0
FROM lists l WHERE NOT EXISTS (SELECT 1 FROM need n WHERE l.need_areas LIKE n.pattern ESCAPE '/')
UNION ALL
SELECT e.to_status, TRIM(e.reason), COUNT(*), 0, 0, 0, 0, 0, 0
FROM c JOIN referral_event e ON e.referral_id = c.id AND e.to_status IN ('declined', 'stopped')
GROUP BY e.to_status, TRIM(e.reason)
UNION ALL
SELECT 'to_acceptance', CAST(to_acceptance AS VARCHAR(20)), COUNT(*), 0, 0, 0, 0, 0, 0
FROM c WHERE to_acceptance IS NOT NULL GROUP BY to_acceptance
UNION ALL
SELECT 'to_first_session', CAST(to_first_session AS VARCHAR(20)), COUNT(*), 0, 0, 0, 0, 0, 0
FROM c WHERE to_first_session IS NOT NULL GROUP BY to_first_session
UNION ALL
SELECT 'repeats', NULL, COUNT(*), SUM(heads),
       SUM(CASE WHEN heads > 0 THEN heads - 1 ELSE 0 END)
       + SUM(CASE WHEN heads > 0 AND EXISTS (
             SELECT 1 FROM referral e WHERE e.resident_id = p.resident_id AND e.created_at < p.first_at
                AND NOT (e.sent_at IS NULL AND e.status = 'withdrawn')) THEN 1 ELSE 0 END),
       SUM(CASE WHEN heads >= 2 THEN 1 ELSE 0 END), 0, 0, 0
FROM residents p{{equality}}
"""
# With a breakdown by ethnicity: the funnel by the resident's answer.
REFERRAL_EQUALITY = """
UNION ALL
SELECT 'eq', COALESCE(NULLIF(q.ethnicity, ''), 'Not recorded'), COUNT(*), SUM(c.sent), SUM(c.accepted),
       SUM(c.attended), SUM(c.completed), 0, 0
FROM c LEFT JOIN resident_equality q ON q.resident_id = c.resident_id
GROUP BY COALESCE(NULLIF(q.ethnicity, ''), 'Not recorded')"""
REFERRALS_BY_ETHNICITY = REFERRALS.replace("{{equality}}", REFERRAL_EQUALITY.replace("{", "{{").replace("}", "}}"))
REFERRALS = REFERRALS.replace("{{equality}}", "")
REFERRAL_DAYS = {"sqlite": "julianday({later}) - julianday(r.sent_at)",
                 "postgresql": "EXTRACT(EPOCH FROM ({later} - r.sent_at)) / 86400.0"}
REFERRAL_STEPS = ("made", "sent", "accepted", "attended", "completed")
REFERRAL_OPEN = ("draft", "sent", "accepted", "did_not_attend", "attended_first_session")


def _referral_share(part, whole):
    return 100.0 * part / whole if whole else None


def _referral_rank(histogram: list[tuple[float, int]], rank: int) -> float:
    seen = 0
    for value, n in histogram:
        seen += n
        if seen >= rank:
            return value
    return histogram[-1][0]


def _referral_figures(rows) -> Figures:
    import math

    found: dict[str, list] = {}
    for part, name, *counts in rows:
        found.setdefault(part, []).append(("none" if name is None else name, [int(n or 0) for n in counts]))
    statuses = dict(found.get("status", []))
    funnel = [sum(counts[n] for counts in statuses.values()) for n in range(len(REFERRAL_STEPS))]
    out: Figures = {}
    for n, step in enumerate(REFERRAL_STEPS):
        out.update({f"funnel.{step}.count": funnel[n], f"funnel.{step}.of_made": _referral_share(funnel[n], funnel[0]),
                    f"funnel.{step}.conversion": _referral_share(funnel[n], funnel[n - 1]) if n else None})
    for table, part in (("by_partner", "partner"), ("by_service", "service"), ("by_site", "site"),
                        ("by_team", "team"), ("by_need", "need"),
                        *((("equality_ethnicity", "eq"),) if "eq" in found else ())):
        for key, counts in [*found.get(part, []), ("total", funnel)]:
            out.update({f"{table}.{key}.{step}": counts[n] for n, step in enumerate(REFERRAL_STEPS)})
            out[f"{table}.{key}.acceptance"] = _referral_share(counts[2], counts[1])
            out[f"{table}.{key}.attendance"] = _referral_share(counts[3], counts[2])
    for table, status in (("declines", "declined"), ("stops", "stopped")):
        reasons = found.get(status, [])
        out.update({f"{table}.reason:{reason}.count": counts[0] for reason, counts in reasons})
        out[f"{table}.total.count"] = sum(counts[0] for _reason, counts in reasons)
    for key in ("to_acceptance", "to_first_session"):  # each to a tenth of a day; none below 0
        histogram = sorted((max(0.0, float(value)), counts[0]) for value, counts in found.get(key, []))
        measured = sum(n for _value, n in histogram)
        out[f"timing.{key}.measured"] = measured
        if measured:
            median = (_referral_rank(histogram, (measured + 1) // 2)
                      + _referral_rank(histogram, measured // 2 + 1)) / 2
            out[f"timing.{key}.median"] = round(median, 1)
            out[f"timing.{key}.p90"] = round(_referral_rank(histogram, max(1, math.ceil(0.9 * measured))), 1)
    residents, made, repeats, twice = found["repeats"][0][1][:4]
    rerouted = sum(counts[6] for counts in statuses.values())
    out.update({"repeats.residents.count": residents, "repeats.repeat_residents.count": twice,
                "repeats.repeat_residents.share": _referral_share(twice, residents),
                "repeats.referrals.count": made, "repeats.repeat_referrals.count": repeats,
                "repeats.repeat_referrals.share": _referral_share(repeats, made), "repeats.rerouted.count": rerouted})
    for status in REFERRAL_OPEN:  # made and with no update since :stale
        counts = statuses.get(status, [0] * 7)
        out[f"waiting.{status}.open"], out[f"waiting.{status}.waiting"] = counts[0], counts[5]
    out["waiting.total.open"] = sum(out[f"waiting.{status}.open"] for status in REFERRAL_OPEN)
    out["waiting.total.waiting"] = sum(out[f"waiting.{status}.waiting"] for status in REFERRAL_OPEN)
    return out


def _referrals_from_report(report) -> Figures:
    """Every figure of every table, as "table.row.column"."""
    return {f"{table.key}.{row.key}.{column}": cell.value
            for table in report.tables
            for row in [*table.rows, *([table.total] if table.total is not None else [])]
            for column, cell in row.cells.items()}


# Every figure the skills report's tables show (disclosure control off). The period's assessments
# are ranked per resident once (a CTE used many times, so both databases materialise it); each
# resident's latest one gets their group and first assessment ever by one index look-up each; then
# one grouping per table: residents and assessments by group, overall levels of the latest ones,
# movement per skill area between the first and the latest (over the levels both judged), barriers
# recorded and those addressed by a referral (referrals of the period's residents joined to the
# barriers they meet). The barrier -> need pairs are matching's offers and, for "skills", skills
# training or any area of the shipped framework: a change to either shows here as a mismatch.
# Shares, the levels not assessed and the totals are worked out from the counts returned.
SKILLS = """
WITH period AS (
    SELECT a.id, a.resident_id, a.kind, a.framework_version, a.completed_at,
           ROW_NUMBER() OVER (PARTITION BY a.resident_id ORDER BY a.completed_at DESC, a.id DESC) AS newest
    FROM skills_assessment a
    WHERE a.state = 'completed' AND a.completed_at >= :start AND a.completed_at < :end
), latest AS (
    SELECT p.id, p.resident_id, p.kind, p.framework_version,
           CASE WHEN EXISTS (SELECT 1 FROM skills_assessment e WHERE e.resident_id = p.resident_id
                                AND e.state = 'completed' AND e.completed_at < :start)
                THEN 'reassessed' ELSE 'first_time' END AS grp,
           (SELECT f.id FROM skills_assessment f WHERE f.resident_id = p.resident_id AND f.state = 'completed'
            ORDER BY f.started_at, f.id LIMIT 1) AS first_id
    FROM period p WHERE p.newest = 1
), compared AS (
    SELECT now.area,
           MAX(CASE WHEN was.status = 'reached'
                    THEN CASE was.level WHEN 'foundation' THEN 0 WHEN 'life' THEN 1 WHEN 'work' THEN 2 ELSE -1 END
                    ELSE -1 END) AS was,
           MAX(CASE WHEN now.status = 'reached'
                    THEN CASE now.level WHEN 'foundation' THEN 0 WHEN 'life' THEN 1 WHEN 'work' THEN 2 ELSE -1 END
                    ELSE -1 END) AS now,
           CASE WHEN f.kind = x.kind AND f.framework_version = x.framework_version
                THEN SUM(now.on_my_own) - SUM(was.on_my_own) ELSE 0 END AS own
    FROM latest x
    JOIN skills_assessment f ON f.id = x.first_id
    JOIN skills_result_level was ON was.assessment_id = x.first_id
    JOIN skills_result_level now ON now.assessment_id = x.id AND now.area = was.area AND now.level = was.level
    WHERE x.first_id <> x.id AND was.area <> ''
      AND was.status IN ('reached', 'not_reached') AND now.status IN ('reached', 'not_reached')
    GROUP BY x.id, now.area, f.kind, f.framework_version, x.kind, x.framework_version
)
SELECT 'assessed', x.grp, SUM(CASE WHEN p.newest = 1 THEN 1 ELSE 0 END), COUNT(*),
       SUM(CASE WHEN p.kind = 'quick' THEN 1 ELSE 0 END), SUM(CASE WHEN p.kind = 'full' THEN 1 ELSE 0 END)
FROM period p JOIN latest x ON x.resident_id = p.resident_id
GROUP BY x.grp
UNION ALL
SELECT 'levels', l.level, SUM(CASE WHEN l.status = 'reached' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.status = 'not_reached' THEN 1 ELSE 0 END), 0, 0
FROM latest x JOIN skills_result_level l ON l.assessment_id = x.id AND l.area = ''
GROUP BY l.level
UNION ALL
SELECT 'movement', area, COUNT(*),
       SUM(CASE WHEN now > was OR (now = was AND own > 0) THEN 1 ELSE 0 END),
       SUM(CASE WHEN now = was AND own = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN now < was OR (now = was AND own < 0) THEN 1 ELSE 0 END)
FROM compared
GROUP BY area
UNION ALL
SELECT 'recorded', b.barrier, COUNT(*), 0, 0, 0
FROM period p JOIN skills_barrier b ON b.assessment_id = p.id
GROUP BY b.barrier
UNION ALL
SELECT 'addressed', b.barrier, COUNT(DISTINCT b.assessment_id), 0, 0, 0
FROM period p
JOIN referral r ON r.resident_id = p.resident_id AND r.sent_at IS NOT NULL
     AND (r.assessment_id = p.id OR (r.created_at >= p.completed_at AND r.created_at < :end))
JOIN skills_barrier b ON b.assessment_id = p.id AND (
       (b.barrier = 'no_device'
        AND (r.need_areas LIKE '%"device/_lending"%' ESCAPE '/' OR r.need_areas LIKE '%"free/_device"%' ESCAPE '/'))
    OR (b.barrier IN ('no_home_internet', 'cost') AND r.need_areas LIKE '%"free/_data"%' ESCAPE '/')
    OR (b.barrier IN ('confidence', 'motivation') AND r.need_areas LIKE '%"confidence"%')
    OR (b.barrier IN ('access_sight', 'access_hearing', 'access_dexterity', 'access_memory')
        AND r.need_areas LIKE '%"accessibility/_support"%' ESCAPE '/')
    OR (b.barrier = 'language' AND r.need_areas LIKE '%"language/_support"%' ESCAPE '/')
    OR (b.barrier = 'skills'
        AND (r.need_areas LIKE '%"skills/_training"%' ESCAPE '/' OR r.need_areas LIKE '%"being/_safe"%' ESCAPE '/'
             OR r.need_areas LIKE '%"communicating"%' OR r.need_areas LIKE '%"foundation"%'
             OR r.need_areas LIKE '%"handling/_information"%' ESCAPE '/'
             OR r.need_areas LIKE '%"problem/_solving"%' ESCAPE '/' OR r.need_areas LIKE '%"transacting"%')))
GROUP BY b.barrier
"""
LEVELS = ("foundation", "life", "work")
SKILLS_GROUPS = ("first_time", "reassessed")


def _skills_figures(rows) -> Figures:
    found: dict[str, dict[str, list[int]]] = {}
    for section, key, *counts in rows:
        found.setdefault(section, {})[key] = [int(n or 0) for n in counts]
    out: Figures = {}
    groups = {g: found.get("assessed", {}).get(g, [0, 0, 0, 0]) for g in SKILLS_GROUPS}
    groups["total"] = [sum(values[n] for values in groups.values()) for n in range(4)]
    residents = groups["total"][0]
    for group, (people, assessments, quick, full) in groups.items():
        out.update({f"assessed.{group}.residents": people, f"assessed.{group}.assessments": assessments,
                    f"assessed.{group}.quick": quick, f"assessed.{group}.full": full,
                    f"assessed.{group}.share": _skills_share(people, residents)})
    for level in LEVELS:
        reached, short = found.get("levels", {}).get(level, [0, 0])[:2]
        out.update({f"levels.{level}.assessed": residents, f"levels.{level}.reached": reached,
                    f"levels.{level}.not_reached": short, f"levels.{level}.not_assessed": residents - reached - short,
                    f"levels.{level}.share": _skills_share(reached, residents)})
    for area, (compared, up, same, down) in found.get("movement", {}).items():
        out.update({f"movement.{area}.compared": compared, f"movement.{area}.up": up,
                    f"movement.{area}.same": same, f"movement.{area}.down": down,
                    f"movement.{area}.share": _skills_share(up, compared)})
    for barrier, (recorded, *_zeros) in found.get("recorded", {}).items():
        addressed = found.get("addressed", {}).get(barrier, [0])[0]
        out.update({f"barriers.{barrier}.recorded": recorded, f"barriers.{barrier}.addressed": addressed,
                    f"barriers.{barrier}.share": _skills_share(addressed, recorded)})
    return out


def _skills_share(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _skills_from_report(report) -> Figures:
    """Every figure of every table, as "table.row.column"."""
    return {f"{table.key}.{row.key}.{column}": cell.value
            for table in report.tables
            for row in [*table.rows, *([table.total] if table.total is not None else [])]
            for column, cell in row.cells.items()}


# Every figure of the desk report's tables by period and by site (disclosure control off), but the
# advocacy SLA counts (working days and London days of cases: casework/sla_figures.py, checked
# against figures() in the tests): contacts summed from interaction_day, walk-in waits as
# histograms in tenths of a minute, callbacks due and made, guides printed. The months (key 0
# the same length of time before, for the trend) are found by a CASE over London boundaries. Additive
# counts are grouped by month and site and added up here; waits twice (by month, and by site over
# the year) from one reading of the tickets' waits.
DESK = """
WITH served AS MATERIALIZED (
    SELECT {month_of_started} AS m, q.site_id, q.wait_seconds AS seconds
    FROM queue_ticket q WHERE q.started_at >= :start0 AND q.started_at < :end)
SELECT 'contacts', {month_of_day}, d.site_id, SUM(d.contacts), SUM(d.resolved), SUM(d.no_avoidable),
       SUM(d.escalated_contacts), SUM(d.rated), SUM(d.good), SUM(d.channel_face_to_face), SUM(d.channel_phone),
       SUM(d.channel_email), SUM(d.channel_webchat), SUM(d.channel_post), SUM(d.help_information),
       SUM(d.help_assisted), SUM(d.help_on_behalf)
FROM interaction_day d
WHERE d.day >= :first0 AND d.day <= :last
GROUP BY 2, d.site_id
UNION ALL
SELECT 'callbacks', {month_of_due}, c.site_id, SUM(CASE WHEN c.status <> 'open' OR c.due_by < :now THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'done' AND c.completed_at <= c.due_by THEN 1 ELSE 0 END),
       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM callback c
WHERE c.due_by >= :start0 AND c.due_by < :end AND c.status <> 'cancelled'
GROUP BY 2, c.site_id
UNION ALL
SELECT 'guides', {month_of_printed}, p.site_id, COUNT(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM print_record p
WHERE p.printed_at >= :start0 AND p.printed_at < :end AND p.kind = 'guide'
GROUP BY 2, p.site_id
UNION ALL
SELECT 'wait_month', m, NULL, (seconds + 3) / 6, COUNT(*), SUM(seconds), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM served GROUP BY m, (seconds + 3) / 6
UNION ALL
SELECT 'wait_site', 0, site_id, (seconds + 3) / 6, COUNT(*), SUM(seconds), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM served WHERE m > 0 GROUP BY site_id, (seconds + 3) / 6{equality}
"""
# With a breakdown: the contacts of the year by the answer to one equality question.
DESK_EQUALITY = """
UNION ALL
SELECT 'eq:' || g.grp, 1, 0, SUM(g.contacts), SUM(g.resolved), SUM(g.no_avoidable), 0, SUM(g.rated), SUM(g.good),
       0, 0, 0, 0, 0, 0, 0, 0
FROM interaction_day_group g
WHERE g.dimension = :dimension AND g.day >= :first1 AND g.day <= :last
GROUP BY g.grp"""
DESK_CONTACTS = ("contacts", "resolved", "no_avoidable", "escalated_contacts", "rated", "good",
                 "channel_face_to_face", "channel_phone", "channel_email", "channel_webchat", "channel_post",
                 "help_information", "help_assisted", "help_on_behalf")
DESK_COUNTS = {"contacts": DESK_CONTACTS, "callbacks": ("callbacks_due", "callbacks_made"),
               "guides": ("guides_printed",)}
# The tables compared, and the figures of each that the statement gives.
DESK_TABLES = {"by_period": ("contacts", "resolved", "no_avoidable", "help_assisted", "help_on_behalf",
                             "escalated_contacts", "rated", "good", "served", "wait_average", "wait_p90",
                             "callbacks_due", "callbacks_made", "guides_printed"),
               "channels": ("contacts", "channel_face_to_face", "channel_phone", "channel_email", "channel_webchat",
                            "channel_post"),
               "help_types": ("contacts", "help_information", "help_assisted", "help_on_behalf")}
DESK_TABLES["by_site"] = DESK_TABLES["by_period"]


def _london_months(start: datetime, end: datetime, quarters: bool = False) -> list[tuple]:
    """(key, first day, last day, start, end) of each London month (or quarter) from start to end
    (London midnights), clipped to them, with key "before" first: the same number of days just
    before, for the trend."""
    from datetime import date, timedelta, timezone
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    first, last = start.astimezone(london).date(), (end.astimezone(london) - timedelta(days=1)).date()
    midnight = lambda day: datetime.combine(day, datetime.min.time(), london).astimezone(timezone.utc)  # noqa: E731
    before = first - timedelta(days=(last - first).days + 1)
    out = [("before", before, first - timedelta(days=1), midnight(before), start)]
    step = 3 if quarters else 1
    day = date(first.year, (first.month - 1) // step * step + 1, 1)
    while day <= last:
        month = day.month - 1 + step
        following = date(day.year + month // 12, month % 12 + 1, 1)
        key = f"{day.year}-Q{(day.month - 1) // 3 + 1}" if quarters else f"{day:%Y-%m}"
        clipped = max(day, first)
        out.append((key, clipped, min(last, following - timedelta(days=1)), midnight(clipped),
                    midnight(min(following, last + timedelta(days=1)))))
        day = following
    return out


def _p90(histogram: dict[int, int]) -> float | None:
    """The nearest-rank 90th percentile of waits in tenths of a minute, in minutes."""
    total, seen = sum(histogram.values()), 0
    for tenths in sorted(histogram):
        seen += histogram[tenths]
        if total and seen >= -(-9 * total // 10):
            return tenths / 10
    return None


class _DeskBaseline:
    """The DESK statement with its periods (months or quarters) and, for a breakdown, its
    equality grouping written in; its figures keyed as `_desk_from_report` keys the report's."""

    def __init__(self, quarters: bool = False, dimension: str = "") -> None:
        self.quarters = quarters
        self.dimension = dimension  # an equality breakdown's question ("ethnicity"), or none

    @staticmethod
    def from_report(report) -> Figures:
        return _desk_from_report(report)

    def run(self, connection, start: datetime, end: datetime, now: datetime) -> Figures:
        from sqlalchemy import Date

        from assisted_desk.core.db import UtcDateTime

        months = _london_months(start, end, self.quarters)
        def month_of(column: str, bound: str) -> str:  # the index of the month a row falls in
            return "CASE " + " ".join(f"WHEN {column} {'<=' if bound == 'l' else '<'} :{bound}{n} THEN {n}"
                                      for n in range(len(months))) + " END"

        sql = DESK.format(month_of_started=month_of("q.started_at", "e"), month_of_day=month_of("d.day", "l"),
                          month_of_due=month_of("c.due_by", "e"), month_of_printed=month_of("p.printed_at", "e"),
                          equality=DESK_EQUALITY if self.dimension else "")
        values: dict[str, object] = {"now": now, "start0": months[0][3], "end": end, "first0": months[0][1],
                                     "last": months[-1][2]}
        for n, (_key, _first, last, _starts, ends) in enumerate(months):
            values.update({f"l{n}": last, f"e{n}": ends})
        if self.dimension:
            values.update({"dimension": self.dimension, "first1": months[1][1]})
        moments = [name for name in values if name[0] in "se" or name in ("now", "start0", "end")]
        days = [name for name in values if name not in moments and name != "dimension"]
        statement = text(sql).bindparams(*(bindparam(n, type_=UtcDateTime()) for n in moments),
                                         *(bindparam(n, type_=Date()) for n in days))
        return self.figures(connection.execute(statement, values).all(), [m[0] for m in months])

    @staticmethod
    def figures(rows, keys: list[str]) -> Figures:
        from collections import Counter, defaultdict

        counts: dict[tuple[str, str], Counter] = defaultdict(Counter)  # (table scope, row) -> key -> n
        waits: dict[tuple[str, str], Counter] = defaultdict(Counter)  # (scope, row) -> tenths -> tickets
        seconds: Counter = Counter()
        for source, month, site, *values in rows:
            if source.startswith("eq:"):  # a group of the breakdown's question, over the year
                counts[("equality", source[3:])].update(dict(zip(DESK_CONTACTS, (int(v or 0) for v in values))))
                continue
            if source.startswith("wait_"):
                if source == "wait_month" and month == 0:
                    continue  # the year before: the trend's, not in these tables
                scope = ("period", keys[month]) if source == "wait_month" else ("site", str(site))
                tenths, tickets, total = values[:3]
                for where in (scope, (scope[0], "total")) if month != 0 else (scope,):
                    waits[where][int(tenths)] += int(tickets)
                    seconds[where] += int(total)
                continue
            found = dict(zip(DESK_COUNTS[source], (int(v or 0) for v in values)))
            if month == 0:  # the year before: the trend's, not in these tables
                continue
            for where in (("period", keys[month]), ("site", str(site)), ("period", "total"), ("site", "total")):
                counts[where].update(found)
        out: Figures = {}
        for (scope, row), found in counts.items():
            if scope == "equality":
                out.update({f"equality.{row}.{key}": n for key, n in found.items() if key in DESK_GROUP_KEYS})
                continue
            tables = ("by_period",) if scope == "period" else ("by_site", "channels", "help_types")
            for table in tables:
                out.update({f"{table}.{row}.{key}": n for key, n in found.items() if key in DESK_TABLES[table]})
        for (scope, row), histogram in waits.items():
            if row == "total" and scope == "site":
                continue  # the same as the periods' total
            table = "by_period" if scope == "period" else "by_site"
            served = sum(histogram.values())
            out[f"{table}.{row}.served"] = served
            out[f"{table}.{row}.wait_average"] = seconds[(scope, row)] / served / 60
            out[f"{table}.{row}.wait_p90"] = _p90(histogram)
        if "by_period.total.served" in out:
            for key in ("served", "wait_average", "wait_p90"):
                out[f"by_site.total.{key}"] = out[f"by_period.total.{key}"]
        return out


DESK_GROUP_KEYS = ("contacts", "resolved", "no_avoidable", "rated", "good")


def _desk_from_report(report) -> Figures:
    out: Figures = {}
    for table in report.tables:
        if table.key.startswith("equality_"):  # the breakdown's groups ("Not recorded" among them)
            for row in table.rows:
                out.update({f"equality.{row.key}.{key}": row.cells[key].value for key in DESK_GROUP_KEYS
                            if row.cells[key].value})
    for name, keys in DESK_TABLES.items():
        table = report.table(name)
        for row in [*table.rows, table.total]:
            for key in keys:
                value = row.cells[key].value
                if value or row.key == "total":  # a site with none of them has no row from the statement
                    out[f"{name}.{row.key}.{key}"] = value
    return out


@dataclass(frozen=True)
class Baseline:
    sql: str
    figures: Callable[[list], Figures]  # from the statement's rows
    from_report: Callable[[object], Figures]  # the same figures off the report

    def statement(self):
        """The statement with its UTC bounds typed as the application types them (so SQLite gets its
        stored text form and PostgreSQL a timestamptz)."""
        from assisted_desk.core.db import UtcDateTime

        names = ("start", "end", "now") if ":now" in self.sql else ("start", "end")
        return text(self.sql).bindparams(*(bindparam(name, type_=UtcDateTime()) for name in names))

    def run(self, connection, start: datetime, end: datetime, now: datetime) -> Figures:
        values = {"start": start, "end": end, **({"now": now} if ":now" in self.sql else {})}
        rows = connection.execute(self.statement(), values).all()
        return self.figures(rows)


@dataclass(frozen=True)
class _ReferralBaseline(Baseline):
    """REFERRALS with the dialect's day difference and the needs listed today written in, and
    :stale bound: now less the follow-up setting's days, read as the report reads it."""

    def statement(self, dialect: str = "sqlite"):
        import re

        from assisted_desk.core.db import UtcDateTime
        from assisted_desk.inclusion.framework import shipped_frameworks
        from assisted_desk.inclusion.referral_vocab import ServiceOffer

        codes = [area.code for area in shipped_frameworks().current().areas] + [offer.value for offer in ServiceOffer]
        assert all(re.fullmatch(r"[a-z0-9_]+", code) for code in codes), codes
        days = REFERRAL_DAYS[dialect]
        sql = self.sql.format(to_acceptance=days.format(later="r.accepted_at"),
                              to_first_session=days.format(later="r.first_session_at"),
                              needs=", ".join(f"""('{code}', '%"{code.replace("_", "/_")}"%')""" for code in codes))
        return text(sql).bindparams(*(bindparam(name, type_=UtcDateTime()) for name in ("start", "end", "stale")))

    def run(self, connection, start: datetime, end: datetime, now: datetime) -> Figures:
        from datetime import timedelta

        from assisted_desk.inclusion.referral_measures import (DEFAULT_FOLLOW_UP_DAYS, FOLLOW_UP_DAYS,
                                                               MAX_FOLLOW_UP_DAYS)

        stored = connection.execute(text('SELECT value FROM app_setting WHERE "key" = :key'),
                                    {"key": FOLLOW_UP_DAYS}).scalar()
        try:
            days = int(stored) if stored is not None else DEFAULT_FOLLOW_UP_DAYS
        except ValueError:
            days = DEFAULT_FOLLOW_UP_DAYS
        days = days if 1 <= days <= MAX_FOLLOW_UP_DAYS else DEFAULT_FOLLOW_UP_DAYS
        rows = connection.execute(self.statement(connection.dialect.name),
                                  {"start": start, "end": end, "stale": now - timedelta(days=days)}).all()
        return self.figures(rows)


BASELINES: dict[str, Baseline] = {
    "referrals": _ReferralBaseline(REFERRALS, _referral_figures, _referrals_from_report),
    "referrals_by_ethnicity": _ReferralBaseline(REFERRALS_BY_ETHNICITY, _referral_figures, _referrals_from_report),
    "skills": Baseline(SKILLS, _skills_figures, _skills_from_report),
    "desk": _DeskBaseline(),
    "desk_quarter": _DeskBaseline(quarters=True),
    "desk_by_ethnicity": _DeskBaseline(dimension="ethnicity"),
}


def differences(hand: Figures, report: Figures) -> list[str]:
    """Each figure on which the two disagree (or that only one has), in words."""
    out = []
    for key in sorted(set(hand) | set(report)):
        # A count the statement has no row for, and a count of nothing in the report, are both 0.
        a, b = hand.get(key) or 0, report.get(key) or 0
        if abs(float(a) - float(b)) > 1e-6 * max(1.0, abs(float(a))):
            out.append(f"{key}: hand-written {a}, report {b}")
    return out
