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

REFERRALS = """
SELECT s.organisation_id,
       COUNT(*),
       SUM(CASE WHEN r.sent_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.accepted_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.first_session_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.status = 'completed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.declined_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.status = 'stopped' THEN 1 ELSE 0 END)
FROM referral r JOIN partner_service s ON s.id = r.service_id
WHERE r.created_at >= :start AND r.created_at < :end
  AND NOT (r.sent_at IS NULL AND r.status = 'withdrawn')
GROUP BY s.organisation_id
"""
FUNNEL = ("made", "sent", "accepted", "attended", "completed")


def _referral_figures(rows) -> Figures:
    out: Figures = {}
    for organisation, *counts in rows:
        for key, n in zip(FUNNEL, counts[:5]):
            out[f"funnel.{key}"] = out.get(f"funnel.{key}", 0) + int(n)
        out[f"by_partner.{organisation}.made"] = int(counts[0])
        out["declines.total"] = out.get("declines.total", 0) + int(counts[5])
        out["stops.total"] = out.get("stops.total", 0) + int(counts[6])
    return out


def _referrals_from_report(report) -> Figures:
    out: Figures = {f"funnel.{key}": report.table("funnel").row(key).cells["count"].value for key in FUNNEL}
    for row in report.table("by_partner").rows:
        out[f"by_partner.{row.key}.made"] = row.cells["made"].value
    out["declines.total"] = report.table("declines").total.cells["count"].value
    out["stops.total"] = report.table("stops").total.cells["count"].value
    return out


SKILLS = """
WITH period AS (
    SELECT a.id, a.resident_id, a.kind,
           ROW_NUMBER() OVER (PARTITION BY a.resident_id ORDER BY a.completed_at DESC, a.id DESC) AS newest
    FROM skills_assessment a
    WHERE a.state = 'completed' AND a.completed_at >= :start AND a.completed_at < :end
), firsts AS (
    SELECT a.resident_id, MIN(a.completed_at) AS first_at
    FROM skills_assessment a
    WHERE a.state = 'completed' AND a.completed_at < :end
      AND a.resident_id IN (SELECT resident_id FROM period)
    GROUP BY a.resident_id
)
SELECT 'assessments', COUNT(*) FROM period
UNION ALL SELECT 'quick', COUNT(*) FROM period WHERE kind = 'quick'
UNION ALL SELECT 'residents', COUNT(*) FROM period WHERE newest = 1
UNION ALL SELECT 'first_time', COUNT(*) FROM firsts WHERE first_at >= :start
UNION ALL SELECT 'reached.' || l.level, COUNT(*)
    FROM period p JOIN skills_result_level l ON l.assessment_id = p.id AND l.area = '' AND l.status = 'reached'
    WHERE p.newest = 1 GROUP BY l.level
"""
LEVELS = ("foundation", "life", "work")


def _skills_figures(rows) -> Figures:
    out: Figures = {f"levels.{level}.reached": 0 for level in LEVELS}
    found = {key: int(n) for key, n in rows}
    out.update({f"levels.{k.split('.', 1)[1]}.reached": n for k, n in found.items() if k.startswith("reached.")})
    out["assessed.total.assessments"] = found["assessments"]
    out["assessed.total.quick"] = found["quick"]
    out["assessed.total.residents"] = found["residents"]
    out["assessed.first_time.residents"] = found["first_time"]
    out["assessed.reassessed.residents"] = found["residents"] - found["first_time"]
    return out


def _skills_from_report(report) -> Figures:
    assessed = report.table("assessed")
    out: Figures = {"assessed.total.assessments": assessed.total.cells["assessments"].value,
                    "assessed.total.quick": assessed.total.cells["quick"].value,
                    "assessed.total.residents": assessed.total.cells["residents"].value,
                    "assessed.first_time.residents": assessed.row("first_time").cells["residents"].value,
                    "assessed.reassessed.residents": assessed.row("reassessed").cells["residents"].value}
    for level in LEVELS:
        out[f"levels.{level}.reached"] = report.table("levels").row(level).cells["reached"].value
    return out


DESK = """
SELECT 'contacts', i.site_id, COUNT(*),
       SUM(CASE WHEN i.outcome = 'resolved' THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.avoidable = '' THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.help_type = 'assisted' THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.satisfaction <> '' THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.satisfaction = 'good' THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.outcome = 'escalated' THEN 1 ELSE 0 END)
FROM interaction i WHERE i.occurred_at >= :start AND i.occurred_at < :end GROUP BY i.site_id
UNION ALL
SELECT 'served', q.site_id, COUNT(*), 0, 0, 0, 0, 0, 0
FROM queue_ticket q WHERE q.started_at >= :start AND q.started_at < :end GROUP BY q.site_id
UNION ALL
SELECT 'callbacks', c.site_id, SUM(CASE WHEN c.status <> 'open' OR c.due_by < :now THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'done' AND c.completed_at <= c.due_by THEN 1 ELSE 0 END), 0, 0, 0, 0, 0
FROM callback c WHERE c.due_by >= :start AND c.due_by < :end AND c.status <> 'cancelled' GROUP BY c.site_id
UNION ALL
SELECT 'guides', p.site_id, COUNT(*), 0, 0, 0, 0, 0, 0
FROM print_record p WHERE p.printed_at >= :start AND p.printed_at < :end AND p.kind = 'guide' GROUP BY p.site_id
"""
DESK_COLUMNS = {"contacts": ("contacts", "resolved", "no_avoidable", "help_assisted", "rated", "good",
                             "escalated_contacts"),
                "served": ("served",), "callbacks": ("callbacks_due", "callbacks_made"), "guides": ("guides_printed",)}


def _desk_figures(rows) -> Figures:
    out: Figures = {}
    for source, site, *values in rows:
        for key, n in zip(DESK_COLUMNS[source], values):
            out[f"by_site.{'none' if site is None else site}.{key}"] = int(n or 0)
            out[f"by_site.total.{key}"] = out.get(f"by_site.total.{key}", 0) + int(n or 0)
    return out


def _desk_from_report(report) -> Figures:
    keys = [key for columns in DESK_COLUMNS.values() for key in columns]
    table = report.table("by_site")
    out: Figures = {}
    for row in [*table.rows, table.total]:
        for key in keys:
            value = row.cells[key].value
            if value or row.key == "total":  # a site with none of them has no row from the statement
                out[f"by_site.{row.key}.{key}"] = value
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


BASELINES: dict[str, Baseline] = {
    "referrals": Baseline(REFERRALS, _referral_figures, _referrals_from_report),
    "skills": Baseline(SKILLS, _skills_figures, _skills_from_report),
    "desk": Baseline(DESK, _desk_figures, _desk_from_report),
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
