"""After the `load` run: the database against what every desk was told.

Each write a desk made carries its token ("load-<desk>-<n>") in the text it wrote. A write the
desk was told succeeded must be in its table exactly once, under the id the service returned
(else it was lost, or duplicated); a row with a token no desk was told was saved (a conflict or
an error that wrote anyway) is extra, and so is any row of the run without a token. Then what
the rows say must add up: ticket numbers unique and unbroken per site and day, each desk holding
at most one ticket, every referral's history a chain ending in its status, with one event and
one version per update reported, callbacks closed exactly when someone reached the resident, the
contacts counted per day (`interaction_day`, `interaction_day_group`) as a recount from the
contacts gives them, and one audit event per contact."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from sqlalchemy import create_engine, select, text

TOKEN = re.compile(r"^(load-\d+-\d+)\b")

# operation -> (table, column holding the token, column matching what the service returned)
WRITES = {
    "log_interaction": ("interaction", "notes", "reference"),
    "issue_ticket": ("queue_ticket", "reason", "id"),
    "create_callback": ("callback", "reason", "id"),
    "log_callback_attempt": ("callback_attempt", "note", "callback_id"),
    "record_referral_update": ("referral_event", "note", "referral_id"),
}
SEEDED_EVENTS_PER_REFERRAL = 2  # made as a draft, then sent


def check_database(url, operations: list[list], referral_versions: dict[int, int]) -> dict[str, object]:
    engine = create_engine(url)
    problems: list[str] = []
    out: dict[str, object] = {}
    try:
        with engine.connect() as connection:
            lost = duplicated = extra = 0
            writes: dict[str, int] = {}
            for op, (table, token_column, id_column) in WRITES.items():
                told = {row[6]: row[5] for row in operations if row[1] == op and row[4] == "ok"}
                writes[op] = len(told)
                found: dict[str, list] = defaultdict(list)
                untokened = 0
                for written_text, written_id in connection.execute(
                        text(f'SELECT "{token_column}", "{id_column}" FROM "{table}"')):
                    match = TOKEN.match(written_text or "")
                    if match:
                        found[match.group(1)].append(written_id)
                    else:
                        untokened += 1
                gone = [t for t in told if t not in found]
                twice = sum(len(ids) - 1 for ids in found.values() if len(ids) > 1)
                made_up = [t for t in found if t not in told]
                wrong_id = [t for t, ids in found.items() if t in told and told[t] not in ids]
                seeded = len(referral_versions) * SEEDED_EVENTS_PER_REFERRAL if table == "referral_event" else 0
                if untokened != seeded:
                    extra += abs(untokened - seeded)
                    problems.append(f"{table}: {untokened} rows without a desk's token, {seeded} expected")
                lost, duplicated, extra = lost + len(gone), duplicated + twice, extra + len(made_up)
                for what, items in (("lost", gone), ("extra", made_up), ("under another id", wrong_id)):
                    if items:
                        problems.append(f"{table}: {len(items)} {what}, e.g. {items[:5]}")
                if twice:
                    problems.append(f"{table}: {twice} duplicated rows")
            out.update(writes=writes, writes_total=sum(writes.values()), lost_writes=lost,
                       duplicated_writes=duplicated, extra_writes=extra)
            problems += _tickets(connection, operations)
            problems += _referrals(connection, operations, referral_versions)
            problems += _callbacks(connection)
            out["contact_days_mismatches"] = _contact_days(connection)
            if out["contact_days_mismatches"]:
                problems.append(f"interaction_day: {out['contact_days_mismatches']} rows differ from a recount "
                                "(-1: no contacts were counted at all)")
            audited = connection.scalar(text("SELECT count(*) FROM audit_event WHERE action = 'interaction.logged'"))
            contacts = connection.scalar(text("SELECT count(*) FROM interaction"))
            if audited != contacts:
                problems.append(f"audit: {audited} interaction.logged events for {contacts} contacts")
    finally:
        engine.dispose()
    out["consistency_problems"] = problems
    return out


def _tickets(connection, operations: list[list]) -> list[str]:
    problems = []
    clashes = connection.scalar(text(
        "SELECT count(*) FROM (SELECT site_id, day, number FROM queue_ticket GROUP BY site_id, day, number "
        "HAVING count(*) > 1) AS clash"))
    if clashes:
        problems.append(f"queue_ticket: {clashes} numbers given twice at one site on one day")
    gaps = connection.execute(text(
        "SELECT site_id, day, count(*), max(number) FROM queue_ticket GROUP BY site_id, day "
        "HAVING count(*) <> max(number)")).all()
    if gaps:
        problems.append(f"queue_ticket: numbering broken at {len(gaps)} site-days, e.g. {gaps[:3]}")
    holding = connection.execute(text(
        "SELECT served_by_id, count(*) FROM queue_ticket WHERE status IN ('called', 'serving') "
        "GROUP BY served_by_id HAVING count(*) > 1")).all()
    if holding:
        problems.append(f"queue_ticket: staff holding more than one ticket: {holding}")
    ended = {row[5] for row in operations if row[1] == "end_service" and row[4] == "ok"}
    if ended:
        statuses = dict(connection.execute(text("SELECT id, status FROM queue_ticket")).all())
        not_done = [t for t in ended if statuses.get(t) != "done"]
        if not_done:
            problems.append(f"queue_ticket: {len(not_done)} tickets ended but not done, e.g. {not_done[:5]}")
    return problems


def _referrals(connection, operations: list[list], versions: dict[int, int]) -> list[str]:
    updates = Counter(row[5] for row in operations if row[1] == "record_referral_update" and row[4] == "ok")
    events: dict[int, list] = defaultdict(list)
    for referral_id, from_status, to_status in connection.execute(text(
            "SELECT referral_id, from_status, to_status FROM referral_event ORDER BY id")):
        events[referral_id].append((from_status, to_status))
    problems = []
    for referral_id, status, version in connection.execute(text("SELECT id, status, version FROM referral")):
        chain = events.get(referral_id, [])
        expected_events = SEEDED_EVENTS_PER_REFERRAL + updates.get(referral_id, 0)
        broken = [n for n in range(1, len(chain)) if chain[n][0] != chain[n - 1][1]]
        if len(chain) != expected_events:
            problems.append(f"referral {referral_id}: {len(chain)} events, {expected_events} expected")
        elif broken or chain[0][0] != "" or chain[-1][1] != status:
            problems.append(f"referral {referral_id}: history {chain} does not end in its status {status}")
        if referral_id in versions and version != versions[referral_id] + updates.get(referral_id, 0):
            problems.append(f"referral {referral_id}: version {version}, expected {versions[referral_id]} + "
                            f"{updates.get(referral_id, 0)} updates")
    return problems[:20] + ([f"... and {len(problems) - 20} more referral problems"] if len(problems) > 20 else [])


def _callbacks(connection) -> list[str]:
    wrong = connection.execute(text(
        "SELECT c.id, c.status FROM callback c WHERE (c.status = 'done') <> EXISTS (SELECT 1 FROM callback_attempt a "
        "WHERE a.callback_id = c.id AND a.outcome = 'reached')")).all()
    reached_twice = connection.scalar(text(
        "SELECT count(*) FROM (SELECT callback_id FROM callback_attempt WHERE outcome = 'reached' "
        "GROUP BY callback_id HAVING count(*) > 1) AS twice"))
    problems = []
    if wrong:
        problems.append(f"callback: {len(wrong)} closed without being reached or reached but open, e.g. {wrong[:5]}")
    if reached_twice:
        problems.append(f"callback: {reached_twice} callbacks reached twice (an attempt on a closed callback)")
    return problems


def _contact_days(connection) -> int:
    """Counts kept as contacts were logged against a recount from the contacts (rolled back)."""
    from assisted_desk.desk.contact_days import recount_contact_days
    from assisted_desk.desk.models import InteractionDay, InteractionDayGroup

    def read() -> tuple[dict, dict]:
        days = {tuple(row[:2]): tuple(row[2:]) for row in connection.execute(
            select(InteractionDay.__table__).order_by(InteractionDay.day, InteractionDay.site_id))}
        table = InteractionDayGroup.__table__
        keys = ("day", "site_id", "dimension", "grp")
        columns = [table.c[k] for k in keys] + [c for c in table.c if c.name not in keys]
        groups = {tuple(row[:4]): tuple(row[4:]) for row in connection.execute(select(*columns))}
        return days, groups

    connection.rollback()
    with connection.begin() as transaction:
        kept_days, kept_groups = read()
        recount_contact_days(connection)
        days, groups = read()
        transaction.rollback()
    if not kept_days:
        return -1  # nothing was counted: a run without contacts proves nothing
    return sum(kept_days.get(k) != days.get(k) for k in set(kept_days) | set(days)) + \
        sum(kept_groups.get(k) != groups.get(k) for k in set(kept_groups) | set(groups))
