"""Retention: periods set by an administrator, a dry run that changes nothing, and a sweep that
anonymises what has been kept long enough (through erasure's code), holding back held records and
open cases; audited per resident and once as a whole. The injected clock decides what is old."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from assisted_desk.casework.models import Case
from assisted_desk.casework.vocab import CaseOutcome
from assisted_desk.core.errors import PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Role
from assisted_desk.desk.attachment_models import Attachment
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.models import Resident
from assisted_desk.inclusion.models import SkillsBarrier
from assisted_desk.privacy.retention import KINDS, months_before
from tests.casework.case_fixtures import open_case
from tests.conftest import make_actor
from tests.desk.attachment_files import png
from tests.desk.contact_fixtures import contact, register
from tests.privacy.erasure_world import every_text, row_counts

YEAR = 365.25


@dataclass
class Old:
    gone: int  # no contact for 7 years: the whole record
    held: int  # as old, under a legal hold
    busy: int  # as old, with an open case
    files: int  # a contact 2 years ago; a file from 7 years ago
    case: int  # a contact half a year ago (their files stay); a case closed 7 years ago
    words: int  # a contact 4 years ago; a barrier in their own words


def build(services, admin) -> Old:
    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    advocate = make_actor(services, admin, "advocate", Role.ADVOCATE)
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    names = ("Gone", "Held", "Busy", "Files", "Case", "Words")
    ids = [register(services, desk, name, "Person", born=f"0{n + 1}/01/1960") for n, name in enumerate(names)]
    old = Old(*ids)
    for rid in ids:
        services.interactions.log_interaction(desk, contact(rid, notes=f"Seen {rid}"),
                                              [AttachmentInput(f"scan{rid}.png", png(3, 3, (rid, 0, 0)))])
    case = open_case(services, advocate, old.case, summary="Rent arrears")
    record = services.cases.get_case(advocate, case.id)
    services.cases.close_case(advocate, case.id, CaseOutcome.RESOLVED, "", record.version)
    open_case(services, advocate, old.busy, summary="Still going")
    assessment = services.skills.start(coordinator, old.words, "quick")
    services.skills.save_barriers(coordinator, assessment.id, {"confidence": "Frightened of banks online"})
    services.erasure.place_legal_hold(admin, old.held, "Ombudsman complaint 77")
    clock = services.clock
    clock.advance(days=3 * YEAR)
    services.interactions.log_interaction(desk, contact(old.words))
    clock.advance(days=2 * YEAR)
    services.interactions.log_interaction(desk, contact(old.files))
    clock.advance(days=1.5 * YEAR)
    services.interactions.log_interaction(desk, contact(old.case))
    clock.advance(days=0.5 * YEAR)
    return old


def test_periods_have_defaults_and_are_set_by_an_administrator(services, admin):
    periods = {p.kind.key: p.months for p in services.retention.periods()}
    assert periods == {"residents": 72, "attachments": 12, "skills_referrals": 36, "closed_cases": 72}
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    with pytest.raises(PermissionDenied):
        services.retention.set_periods(manager, {"attachments": 6})
    with pytest.raises(PermissionDenied):
        services.retention.plan(manager)
    for bad in (0, 241, True, "12"):
        with pytest.raises(ValidationError, match="between 1 and 240 months"):
            services.retention.set_periods(admin, {"attachments": bad})
    with pytest.raises(ValidationError, match="'photos' is not a kind"):
        services.retention.set_periods(admin, {"photos": 6})
    changed = services.retention.set_periods(admin, {"attachments": 6, "residents": 72})
    assert {p.kind.key: p.months for p in changed}["attachments"] == 6
    assert {p.kind.key: p.months for p in services.retention.periods()}["attachments"] == 6
    with services.db.unit_of_work() as session:
        audit = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "retention.period_changed")).all()
    assert audit == ["Attachments (copies of documents): 12 -> 6 months after last contact"]


def test_dry_run_changes_nothing_and_the_sweep_anonymises_what_is_due(services, admin):
    old = build(services, admin)
    counts, texts = row_counts(services), every_text(services)
    plan = services.retention.plan(admin)
    assert row_counts(services) == counts and every_text(services) == texts  # not even an audit row

    due = {(item.kind.key, item.resident_id) for item in plan.items}
    assert due == {("residents", old.gone), ("attachments", old.files), ("attachments", old.words), ("closed_cases", old.case), ("skills_referrals", old.words)}
    item = next(i for i in plan.items if i.kind.key == "residents")
    assert item.reference == f"Record {old.gone}" and item.since.year == 2026
    held = {h.resident_id: h.reason for h in plan.held_back}
    assert held[old.held].startswith("legal hold placed by admin on 23/11/2026") and "Ombudsman" in held[old.held]
    assert held[old.busy].startswith("open advocacy case CS-")
    assert plan.counts() == {"residents": 1, "attachments": 2, "skills_referrals": 1, "closed_cases": 1}

    result = services.retention.run(admin, plan)
    assert len(result.done) == 5 and result.skipped == ()
    left = "\n".join(every_text(services))
    with services.db.unit_of_work() as session:
        erased = set(session.scalars(select(Resident.id).where(Resident.erased_at.is_not(None))))
        assert erased == {old.gone}
        owners = set(session.scalars(select(Attachment.resident_id)))
        assert owners == {old.held, old.busy, old.case}  # held back, or in contact within the year
        assert session.scalar(select(Case.summary).where(Case.resident_id == old.case)) == ""
        assert session.scalar(select(Case.summary).where(Case.resident_id == old.busy)) == "Still going"
        assert session.scalar(select(func.count()).select_from(SkillsBarrier).where(SkillsBarrier.detail != "")) == 0
        actions = dict(session.execute(select(AuditEvent.action, func.count()).where(
            AuditEvent.action.in_(["resident.erased_by_retention", "resident.retention_applied", "retention.swept"]))
            .group_by(AuditEvent.action)).all())
        summary = session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "retention.swept"))
    assert actions == {"resident.erased_by_retention": 1, "resident.retention_applied": 3, "retention.swept": 1}
    assert "Resident records and contacts: 1 resident;" in summary and "held back: 2" in summary
    assert "Gone" not in left and "Rent arrears" not in left and "Frightened" not in left
    assert "Files" in left and "Held" in left and "Still going" in left  # kept: not due, or held back

    again = services.retention.plan(admin)
    assert again.items == () and len(again.held_back) == 2  # nothing left to do but the held back


def test_months_before_keeps_the_day_or_takes_the_months_last():
    from datetime import datetime, timezone

    moment = datetime(2026, 3, 31, 12, 0, tzinfo=timezone.utc)
    assert months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert months_before(moment, 72).date().isoformat() == "2020-03-31"
    assert [kind.key for kind in KINDS] == ["residents", "attachments", "skills_referrals", "closed_cases"]


def test_the_sweep_does_only_what_was_confirmed(services, admin):
    """A list made under other periods is refused; one made earlier is done only where still due,
    and what became due since is left for a new preview."""
    clock = services.clock
    gone = register(services, admin, "Gone", "Away", born="01/01/1950")
    back = register(services, admin, "Came", "Back", born="02/01/1950")
    clock.advance(days=10)
    late = register(services, admin, "Late", "Comer", born="03/01/1950")
    recent = register(services, admin, "Recent", "Visitor", born="04/01/1950")
    clock.advance(days=2192 + 5 - 10 - 15)  # 72 months are 2192 days from 23/11/2026
    services.interactions.log_interaction(admin, contact(recent))
    clock.advance(days=15)  # 72 months and 5 days after the first two registered
    plan = services.retention.plan(admin)
    assert {item.resident_id for item in plan.items} == {gone, back}

    # Periods changed after the preview (the trial: "7 residents" confirmed, 47 anonymised).
    counts = row_counts(services)
    services.retention.set_periods(admin, {"residents": 1})
    assert {item.resident_id for item in services.retention.plan(admin).items} == {gone, back, late}  # 3 confirmed as 2
    with pytest.raises(ValidationError, match="retention periods changed since the list was made at .* "
                                              "\\(Resident records and contacts: 72 -> 1 month\\). Nothing was "
                                              "anonymised: preview again"):
        services.retention.run(admin, plan)
    assert row_counts(services)["resident"] == counts["resident"]
    with services.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Resident).where(Resident.erased_at.is_not(None))) == 0
    with pytest.raises(ValidationError, match="Preview what would go first"):
        services.retention.run(admin, None)

    # Same periods again, later: one confirmed came back meanwhile, one more became due.
    services.retention.set_periods(admin, {"residents": 72})
    services.interactions.log_interaction(admin, contact(back))
    clock.advance(days=10)
    result = services.retention.run(admin, plan)
    assert [item.resident_id for item in result.done] == [gone]
    assert [(h.resident_id, h.reason) for h in result.skipped] == [(back, "no longer due: in touch since the list was made")]
    assert [item.resident_id for item in result.unlisted] == [late]
    assert services.residents.get(admin, late).name == "Late Comer"
    assert services.residents.get(admin, gone).name == "Erased record"


def test_last_contact_is_the_latest_thing_done_with_them(services, admin):
    """The trial: a case closed last month, with no desk contact logged, was anonymised under a
    5-month period. Every kind of contact counts; a case still kept holds back the whole record."""
    from datetime import timedelta

    from assisted_desk.desk.consent import ConsentInput
    from assisted_desk.desk.vocab import ConsentPurpose
    from tests.inclusion.referral_fixtures import add_partner

    clock = services.clock
    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    advocate = make_actor(services, admin, "advocate", Role.ADVOCATE)
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    names = ("None", "Case", "Kept", "Queue", "Attempt", "Assessed", "Referred", "Owed")
    none, closed, kept, queued, attempted, assessed, referred, owed = (
        register(services, desk, name, "Person", born=f"0{n + 1}/02/1960") for n, name in enumerate(names))
    cases = {rid: open_case(services, advocate, rid, summary=f"Case of {rid}").id for rid in (closed, kept)}
    ring = {rid: services.callbacks.create(desk, reason="Ring back", resident_id=rid, phone="020 7946 0123",
                                           due_by=clock.now() + timedelta(days=1)).id for rid in (attempted, owed)}
    service_id = add_partner(services, "Good Things Foundation", service_name="Learn My Way")
    services.consent.record_consent(coordinator, referred, ConsentInput(
        ConsentPurpose.SHARE_WITH_PARTNER, "Good Things Foundation", "verbal"))
    referral = services.referrals.draft(coordinator, referred, service_id, need_text="Online forms")

    def close(rid):
        record = services.cases.get_case(advocate, cases[rid])
        services.cases.close_case(advocate, cases[rid], CaseOutcome.RESOLVED, "", record.version)

    clock.advance(days=365)
    close(kept)
    clock.advance(days=335)  # a month before the preview
    close(closed)
    services.queue.mark_no_show(desk, services.queue.issue_ticket(desk, resident_id=queued).id)
    services.callbacks.log_attempt(desk, ring[attempted], "reached")
    services.skills.start(coordinator, assessed, "quick")
    services.referrals.send(coordinator, referral.id, None)
    clock.advance(days=30)
    services.retention.set_periods(admin, {"residents": 5})

    plan = services.retention.plan(admin)
    assert {item.resident_id for item in plan.items if item.kind.key == "residents"} == {none}
    held = {h.resident_id: (h.kinds, h.reason) for h in plan.held_back}
    assert set(held) == {kept, owed}
    assert held[kept][0] == ("Resident records and contacts",)
    assert held[kept][1].startswith("case CS-") and "closed on 23/11/2027 is kept 72 months after closing " \
        "(until 23/11/2033)" in held[kept][1]
    assert held[owed][1] == "has an open callback due 24/11/2026 10:00: make it or cancel it first"

    result = services.retention.run(admin, plan)
    assert [item.resident_id for item in result.done] == [none] and result.skipped == ()
    assert services.cases.get_case(advocate, cases[kept]).summary == f"Case of {kept}"
    assert services.residents.get(admin, closed).name == "Case Person"
