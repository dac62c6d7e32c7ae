"""Retention: how long each kind of record is kept after the resident's last contact, and the
sweep that anonymises what has been kept long enough.

Periods are months, stored as shared settings (`retention_months.<kind>`), set by an
administrator (validated, audited). The sweep anonymises through the same code as erasure at a
resident's request, so its rules and the reports' counts are the same. A dry run (`plan`) lists
what would go and changes nothing, not even the audit. A resident under a legal hold, with an
open advocacy case, in today's queue, with a callback still open, or with a request or referral
waiting in the outbox is held back, and the plan says why; a case closed less than its own period
ago holds back the whole-record rule. The sweep does only what a confirmed plan listed (and is
still due): a preview made under other periods is refused. Each resident swept is audited on their
record, and the sweep as a whole once. "Last contact" is the latest thing done with or for the
resident, whatever the kind (`retention_contact`), or their registration when there was none."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from ..casework.models import Case, CaseActivity
from ..casework.vocab import CLOSED
from ..core.audit import record_audit
from ..core.clock import LONDON, Clock, local_text
from ..core.db import Database
from ..core.errors import ValidationError
from ..core.models import AppSetting
from ..core.security import Actor, Permission, require
from ..desk.attachment_models import Attachment
from ..desk.models import Interaction, Resident
from ..desk.queue_common import london_day
from ..desk.submission_models import Submission
from ..inclusion.models import SkillsAssessment
from ..inclusion.referral_models import Referral
from .erasure import erase_in_session, in_queue_or_awaiting_callback, refusal
from .erasure_rules import (anonymise_cases, anonymise_skills_and_referrals, delete_attachments,
                            skills_and_referral_text_left)
from .models import LegalHold
from .retention_contact import last_contacts, recent_closed_cases

MAX_MONTHS = 240  # 20 years: longer is not retention, it is keeping for ever


@dataclass(frozen=True)
class RetentionKind:
    key: str
    label: str
    default_months: int
    measured_from: str  # "last contact" or "closing"
    what_goes: str


# The defaults and why they are what they are: README.md, "Retention".
KINDS: tuple[RetentionKind, ...] = (
    RetentionKind("residents", "Resident records and contacts", 72, "last contact",
                  "the whole record anonymised, as erasure does"),
    RetentionKind("attachments", "Attachments (copies of documents)", 12, "last contact",
                  "files deleted"),
    RetentionKind("skills_referrals", "Skills assessments and referrals", 36, "last contact",
                  "own words in assessments and referrals emptied; levels and outcomes kept"),
    RetentionKind("closed_cases", "Closed advocacy cases", 72, "closing",
                  "case summary, notes and files removed; dates, statuses and outcome kept"),
)
_KIND = {kind.key: kind for kind in KINDS}


def setting_key(kind: str) -> str:
    return f"retention_months.{kind}"


@dataclass(frozen=True)
class RetentionPeriod:
    kind: RetentionKind
    months: int

    @property
    def is_default(self) -> bool:
        return self.months == self.kind.default_months


@dataclass(frozen=True)
class RetentionItem:
    kind: RetentionKind
    resident_id: int
    since: datetime  # the last contact (or, for cases, the latest closing) the period runs from
    count: int  # things that go: files, cases, assessments and referrals; 1 for a whole record

    @property
    def reference(self) -> str:
        return f"Record {self.resident_id}"


@dataclass(frozen=True)
class HeldBack:
    resident_id: int
    kinds: tuple[str, ...]  # labels of the kinds that are due
    reason: str


@dataclass(frozen=True)
class RetentionPlan:
    at: datetime
    periods: tuple[RetentionPeriod, ...]
    items: tuple[RetentionItem, ...]
    held_back: tuple[HeldBack, ...]

    def counts(self) -> dict[str, int]:
        """Residents due, per kind key."""
        totals = {kind.key: 0 for kind in KINDS}
        for item in self.items:
            totals[item.kind.key] += 1
        return totals


@dataclass(frozen=True)
class RetentionResult:
    plan: RetentionPlan
    done: tuple[RetentionItem, ...]
    skipped: tuple[HeldBack, ...]  # confirmed, but held back or no longer due when the sweep reached them
    unlisted: tuple[RetentionItem, ...] = ()  # due now but not in the confirmed list: left for a new preview


def months_before(moment: datetime, months: int) -> datetime:
    """The same London day and time `months` earlier (the 31st becomes the month's last day)."""
    local = moment.astimezone(LONDON)
    total = local.year * 12 + local.month - 1 - months
    year, month = divmod(total, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def _live():
    return (Resident.erased_at.is_(None), Resident.merged_into_id.is_(None))


class RetentionService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ---- periods -------------------------------------------------------------------------------

    def periods(self) -> tuple[RetentionPeriod, ...]:
        """Each kind's period in months (its default when never set). No permission needed: the
        periods are policy, not personal data."""
        with self.db.unit_of_work() as session:
            return self._periods(session)

    @staticmethod
    def _periods(session: Session) -> tuple[RetentionPeriod, ...]:
        stored = dict(session.execute(select(AppSetting.key, AppSetting.value).where(
            AppSetting.key.in_([setting_key(kind.key) for kind in KINDS]))).all())
        periods = []
        for kind in KINDS:
            try:
                months = int(stored.get(setting_key(kind.key), kind.default_months))
            except ValueError:
                months = kind.default_months
            periods.append(RetentionPeriod(kind, months if 1 <= months <= MAX_MONTHS else kind.default_months))
        return tuple(periods)

    def set_periods(self, actor: Actor, months: dict[str, int]) -> tuple[RetentionPeriod, ...]:
        """Set the periods given (kind key -> months); each change audited as old -> new.
        Refuses without manage-retention, an unknown kind, and a period outside 1 to 240 months."""
        require(actor, Permission.MANAGE_RETENTION)
        for key, value in months.items():
            kind = _KIND.get(key)
            if kind is None:
                raise ValidationError(f"'{key}' is not a kind of record with a retention period: "
                                      f"{', '.join(_KIND)}.", field=key)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MONTHS:
                raise ValidationError(f"{kind.label} must be kept between 1 and {MAX_MONTHS} months "
                                      f"(20 years) after {kind.measured_from}; {value!r} is not.", field=key)
        with self.db.unit_of_work() as session:
            old = {period.kind.key: period.months for period in self._periods(session)}
            now = self.clock.now()
            for key, value in months.items():
                if old[key] == value and session.get(AppSetting, setting_key(key)) is not None:
                    continue
                row = session.get(AppSetting, setting_key(key))
                if row is None:
                    session.add(AppSetting(key=setting_key(key), value=str(value), updated_at=now,
                                           updated_by=actor.username))
                else:
                    row.value, row.updated_at, row.updated_by = str(value), now, actor.username
                if old[key] != value:
                    record_audit(session, self.clock, actor, "retention.period_changed", "setting", setting_key(key),
                                 f"{_KIND[key].label}: {old[key]} -> {value} months after {_KIND[key].measured_from}")
            session.flush()
            return self._periods(session)

    # ---- what would go -------------------------------------------------------------------------

    def plan(self, actor: Actor) -> RetentionPlan:
        """What a sweep would anonymise now, per kind and resident, and who is held back and why.
        Changes nothing. Refuses without manage-retention."""
        require(actor, Permission.MANAGE_RETENTION)
        with self.db.unit_of_work() as session:
            return self._plan(session)

    def _plan(self, session: Session) -> RetentionPlan:
        now = self.clock.now()
        periods = self._periods(session)
        months = {period.kind.key: period.months for period in periods}
        cutoff = {key: months_before(now, value) for key, value in months.items()}
        due: dict[str, dict[int, tuple[datetime, int]]] = {}
        old = last_contacts(cutoff["residents"]).subquery()
        due["residents"] = {rid: (since, 1) for rid, since in session.execute(select(old.c.rid, old.c.at))}
        # A case closed less than its own period ago is kept, and so is the record it belongs to.
        case_kept = recent_closed_cases(session, sorted(due["residents"]), cutoff["closed_cases"],
                                        months["closed_cases"])
        whole = set(due["residents"]) - set(case_kept)
        old = last_contacts(cutoff["attachments"]).cte("old_files")
        owners = union(
            select(Attachment.resident_id.label("rid"), Attachment.id.label("aid"))
            .where(Attachment.resident_id.in_(select(old.c.rid))),
            select(Interaction.resident_id, Attachment.id).join(Interaction, Interaction.id == Attachment.interaction_id)
            .where(Interaction.resident_id.in_(select(old.c.rid))),
            select(Submission.resident_id, Attachment.id).join(Submission, Submission.id == Attachment.submission_id)
            .where(Submission.resident_id.in_(select(old.c.rid))),
            select(Case.resident_id, CaseActivity.attachment_id).join(Case, Case.id == CaseActivity.case_id)
            .where(Case.resident_id.in_(select(old.c.rid)), CaseActivity.attachment_id.is_not(None)),
        ).subquery()
        due["attachments"] = {rid: (since, n) for rid, since, n in session.execute(
            select(owners.c.rid, func.max(old.c.at), func.count(owners.c.aid.distinct()))
            .join(old, old.c.rid == owners.c.rid).group_by(owners.c.rid)) if rid not in whole}
        old = last_contacts(cutoff["skills_referrals"]).subquery()
        texts = session.execute(select(old.c.rid, old.c.at).join(Resident, Resident.id == old.c.rid)
                                .where(skills_and_referral_text_left())).all()
        ids = [rid for rid, _ in texts if rid not in whole]
        counted: dict[int, int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for model in (SkillsAssessment, Referral):
                for rid, n in session.execute(select(model.resident_id, func.count()).where(
                        model.resident_id.in_(chunk)).group_by(model.resident_id)):
                    counted[rid] = counted.get(rid, 0) + n
        due["skills_referrals"] = {rid: (since, counted.get(rid, 0)) for rid, since in texts if rid not in whole}
        cases = session.execute(select(Case.resident_id, func.max(Case.closed_at), func.count()).join(
            Resident, Resident.id == Case.resident_id).where(
            *_live(), Case.status == CLOSED, Case.closed_at < cutoff["closed_cases"], Case.summary != "")
            .group_by(Case.resident_id)).all()
        due["closed_cases"] = {rid: (since, n) for rid, since, n in cases if rid not in whole}

        candidates = sorted({rid for found in due.values() for rid in found})
        held = self._held_back(session, candidates, now)
        items, held_back = [], []
        for rid in candidates:
            kinds = [kind for kind in KINDS if rid in due[kind.key]]
            if rid in held:
                held_back.append(HeldBack(rid, tuple(kind.label for kind in kinds), held[rid]))
                continue
            if rid in case_kept:
                held_back.append(HeldBack(rid, (_KIND["residents"].label,), case_kept[rid]))
                kinds = [kind for kind in kinds if kind.key != "residents"]
            items.extend(RetentionItem(kind, rid, *due[kind.key][rid]) for kind in kinds)
        items.sort(key=lambda item: ([k.key for k in KINDS].index(item.kind.key), item.since, item.resident_id))
        return RetentionPlan(now, periods, tuple(items), tuple(held_back))

    @staticmethod
    def _held_back(session: Session, ids: list[int], now: datetime) -> dict[int, str]:
        """Why each of these residents must be left alone now, for those that must."""
        reasons: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for rid, by, at, why in session.execute(select(
                    LegalHold.resident_id, LegalHold.placed_by, LegalHold.placed_at, LegalHold.reason).where(
                    LegalHold.resident_id.in_(chunk), LegalHold.lifted_at.is_(None))):
                reasons.setdefault(rid, f"legal hold placed by {by} on {local_text(at)}: {why}")
            for rid, reference in session.execute(select(Case.resident_id, Case.reference).where(
                    Case.resident_id.in_(chunk), Case.status != CLOSED).order_by(Case.reference)):
                reasons.setdefault(rid, f"open advocacy case {reference}")
            for rid, why in in_queue_or_awaiting_callback(session, chunk, london_day(now)).items():
                reasons.setdefault(rid, why)
        return reasons

    # ---- the sweep -----------------------------------------------------------------------------

    def sweep(self, actor: Actor, confirmed: RetentionPlan) -> Iterator[str]:
        """Anonymise what the `confirmed` plan lists (the one the person saw and agreed to) and is
        still due now, one resident per unit of work (a hold placed meanwhile still wins), yielding
        progress; returns a RetentionResult saying what was left and why: no longer due, or newly
        due and not in the list (a new preview shows them). Each resident is audited on their
        record, the sweep once with its counts. Refuses without manage-retention, without a
        confirmed plan, and when the periods changed since it was made (nothing is touched)."""
        require(actor, Permission.MANAGE_RETENTION)
        if not isinstance(confirmed, RetentionPlan):
            raise ValidationError("Preview what would go first: the sweep anonymises only a list that was shown "
                                  "and confirmed.")
        with self.db.unit_of_work() as session:
            fresh = self._plan(session)
        changed = [f"{then.kind.label}: {then.months} -> {now.months} month{'s' if now.months != 1 else ''}"
                   for then, now in zip(confirmed.periods, fresh.periods) if then.months != now.months]
        if changed:
            raise ValidationError(f"The retention periods changed since the list was made at "
                                  f"{local_text(confirmed.at)} ({'; '.join(changed)}). Nothing was anonymised: "
                                  "preview again and confirm the new list.")
        agreed = {(item.kind.key, item.resident_id) for item in confirmed.items}
        still_due = {(item.kind.key, item.resident_id) for item in fresh.items}
        held_now = {held.resident_id: held.reason for held in fresh.held_back}
        by_resident: dict[int, list[RetentionItem]] = {}
        for item in confirmed.items:
            if (item.kind.key, item.resident_id) in still_due:
                by_resident.setdefault(item.resident_id, []).append(item)
        skipped: list[HeldBack] = []
        for rid in sorted({item.resident_id for item in confirmed.items} - set(by_resident)):
            kinds = tuple(item.kind.label for item in confirmed.items if item.resident_id == rid)
            skipped.append(HeldBack(rid, kinds, held_now.get(rid, "no longer due: in touch since the list was made")))
        unlisted = tuple(item for item in fresh.items if (item.kind.key, item.resident_id) not in agreed)
        done: list[RetentionItem] = []
        for n, (rid, items) in enumerate(by_resident.items(), 1):
            if n == 1 or n % 50 == 0:
                yield f"Anonymising record {n} of {len(by_resident)}…"
            with self.db.unit_of_work() as session:
                why = self._sweep_one(session, actor, rid, items, confirmed)
            if why:
                skipped.append(HeldBack(rid, tuple(item.kind.label for item in items), why))
            else:
                done.extend(items)
        with self.db.unit_of_work() as session:
            totals = {kind.label: sum(1 for item in done if item.kind is kind) for kind in KINDS}
            summary = "; ".join(f"{label}: {count} resident{'s' if count != 1 else ''}" for label, count in totals.items())
            record_audit(session, self.clock, actor, "retention.swept", "retention", confirmed.at.date().isoformat(),
                         f"{summary}; held back: {len(confirmed.held_back) + len(skipped)}; "
                         f"due but not in the confirmed list: {len(unlisted)}")
        return RetentionResult(confirmed, tuple(done), tuple(skipped), unlisted)

    def run(self, actor: Actor, confirmed: RetentionPlan) -> RetentionResult:
        """The sweep without progress (the command line)."""
        steps = self.sweep(actor, confirmed)
        while True:
            try:
                next(steps)
            except StopIteration as finished:
                return finished.value

    def _sweep_one(self, session: Session, actor: Actor, rid: int, items: list[RetentionItem],
                   confirmed: RetentionPlan) -> str:
        row = session.get(Resident, rid, with_for_update=True)
        if row is None or row.erased_at is not None or row.merged_into_id is not None:
            return "no longer a record of its own (erased or merged meanwhile)"
        kinds = {item.kind.key for item in items}
        months = {period.kind.key: period.months for period in confirmed.periods}
        cases_kept_since = months_before(confirmed.at, months["closed_cases"])
        if "residents" in kinds:
            why = refusal(session, row, self.clock.now()) or recent_closed_cases(
                session, [rid], cases_kept_since, months["closed_cases"]).get(rid, "")
            if why:
                return why
            since = next(item.since for item in items if item.kind.key == "residents")
            erase_in_session(session, self.clock, actor, row, f"retention: no contact since "
                             f"{local_text(since)[:10]}", "resident.erased_by_retention")
            return ""
        why = self._held_back(session, [rid], self.clock.now()).get(rid)
        if why:
            return why
        parts = []
        if "attachments" in kinds:
            parts.append(f"{delete_attachments(session, [rid])} attachment(s) deleted")
        if "skills_referrals" in kinds:
            parts.append(f"{anonymise_skills_and_referrals(session, [rid])} assessment(s) and referral(s) anonymised")
        if "closed_cases" in kinds:
            case_ids = select(Case.id).where(Case.resident_id == rid, Case.status == CLOSED,
                                             Case.closed_at < cases_kept_since)
            parts.append(f"{anonymise_cases(session, case_ids)} closed case(s) anonymised")
        session.expire(row)
        record_audit(session, self.clock, actor, "resident.retention_applied", "resident", rid,
                     "retention: " + ", ".join(parts))
        return ""
