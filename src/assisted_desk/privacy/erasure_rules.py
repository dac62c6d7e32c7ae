"""What erasing a resident does to each table, table by table.

The rule of thumb: a row that a report counts stays (contacts, tickets, callbacks, cases and
their history, assessments, referrals and their events, prints), with everything in it that
says who the person is emptied: names, contact details, free text, payloads. A row that only
exists to identify someone goes (attachments and their content, representatives — other
people —, the search name index). The counts kept per day (interaction_day*) and the equality
answers (coarse categories: an age band, never a date of birth) stay, so every report's figures
are the same before and after; nothing left links them to a person.

`ERASURE_RULES` names every table a resident's data reaches (through `desk.merge.RESIDENT_LINKS`
and the rows hanging off those); tests/privacy/test_erasure.py fails when a table is added that
has no rule here. All updates are SQL over the ids given: one statement per table, whatever the
number of rows. A row with a version column gets a new version, so a desk editing it from before
must reload rather than save over the erasure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from ..casework.models import Case, CaseActivity, CaseMember
from ..desk.attachment_models import Attachment, AttachmentContent
from ..desk.models import (
    Callback, CallbackAttempt, Consent, Interaction, QueueTicket, RecordReference, Representative, Resident,
    ResidentEquality, ResidentMerge, ResidentNameVariant, ResidentNameWord,
)
from ..desk.submission_models import Submission, SubmissionEvent
from ..inclusion.models import SkillsAnswer, SkillsAssessment, SkillsBarrier, SkillsGoal, SkillsResultLevel
from ..inclusion.referral_models import Referral, ReferralEvent
from ..printing.print_models import PrintRecord
from ..printing.print_records import PrintKind
from .models import LegalHold

ERASED_NAME = "Erased record"  # what an erased resident's record is called wherever it shows


def _scrub(session: Session, model, where, **values) -> int:
    table = model.__table__
    if "version" in table.c:
        values["version"] = table.c.version + 1
    result = session.execute(update(table).where(where).values(**values)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0


def _delete(session: Session, model, where) -> int:
    result = session.execute(delete(model.__table__).where(where).execution_options(synchronize_session=False))
    return result.rowcount or 0


def _cases(ids):
    return select(Case.id).where(Case.resident_id.in_(ids))


def _attachments_of(ids):
    """Every file of the residents: on their record, their contacts, requests and case files."""
    return select(Attachment.id).where(or_(
        Attachment.resident_id.in_(ids),
        Attachment.interaction_id.in_(select(Interaction.id).where(Interaction.resident_id.in_(ids))),
        Attachment.submission_id.in_(select(Submission.id).where(Submission.resident_id.in_(ids))),
        Attachment.id.in_(select(CaseActivity.attachment_id).where(CaseActivity.case_id.in_(_cases(ids)))),
    ))


# ---- pieces the retention sweep also uses on their own ----------------------------------------

def delete_attachments(session: Session, ids) -> int:
    """Delete the residents' files: content and rows (a case note keeps its words, not the file)."""
    files = [row for row in session.scalars(_attachments_of(ids))]
    if not files:
        return 0
    _scrub(session, CaseActivity, CaseActivity.attachment_id.in_(files), attachment_id=None)
    _delete(session, AttachmentContent, AttachmentContent.attachment_id.in_(files))
    return _delete(session, Attachment, Attachment.id.in_(files))


def anonymise_cases(session: Session, case_ids) -> int:
    """Empty the free text of cases and of every line of their history; their files go."""
    files = list(session.scalars(select(CaseActivity.attachment_id).where(
        CaseActivity.case_id.in_(case_ids), CaseActivity.attachment_id.is_not(None))))
    _scrub(session, CaseActivity, CaseActivity.case_id.in_(case_ids), text="", attachment_id=None)
    if files:
        _delete(session, AttachmentContent, AttachmentContent.attachment_id.in_(files))
        _delete(session, Attachment, Attachment.id.in_(files))
    return _scrub(session, Case, Case.id.in_(case_ids), summary="", restricted_reason="", outcome_reason="")


def anonymise_skills_and_referrals(session: Session, ids) -> int:
    """Empty what residents said in their own words in assessments and referrals; the levels,
    barriers, needs and statuses the reports count stay."""
    assessments = select(SkillsAssessment.id).where(SkillsAssessment.resident_id.in_(ids))
    referrals = select(Referral.id).where(Referral.resident_id.in_(ids))
    count = _scrub(session, SkillsAssessment, SkillsAssessment.resident_id.in_(ids), goals_own_words="",
                   discard_reason="")
    _scrub(session, SkillsBarrier, SkillsBarrier.assessment_id.in_(assessments), detail="")
    count += _scrub(session, Referral, Referral.resident_id.in_(ids), need_text="", status_reason="",
                    last_error="", partner_reference="")
    _scrub(session, ReferralEvent, ReferralEvent.referral_id.in_(referrals), note="")
    return count


def skills_and_referral_text_left():
    """A condition on Resident: some own-words text is still held in an assessment or referral."""
    return or_(
        select(SkillsAssessment.id).where(SkillsAssessment.resident_id == Resident.id, or_(
            SkillsAssessment.goals_own_words != "", SkillsAssessment.discard_reason != "")).exists(),
        select(SkillsBarrier.id).join(SkillsAssessment, SkillsAssessment.id == SkillsBarrier.assessment_id)
        .where(SkillsAssessment.resident_id == Resident.id, SkillsBarrier.detail != "").exists(),
        select(Referral.id).where(Referral.resident_id == Resident.id, or_(
            Referral.need_text != "", Referral.status_reason != "", Referral.partner_reference != "")).exists(),
        select(ReferralEvent.id).join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(Referral.resident_id == Resident.id, ReferralEvent.note != "").exists(),
    )


# ---- the rules ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ErasureRule:
    what: str  # what happens to the table's rows, as the README and a reviewer read it
    apply: Callable[[Session, list[int], datetime, str], int] | None = None  # None: kept as they are


def _representatives(ids):
    return select(Representative.id).where(Representative.resident_id.in_(ids))


def _unlink_representatives(model):
    def apply(session, ids, _now, _by):
        return _scrub(session, model, model.representative_id.in_(_representatives(ids)), representative_id=None)
    return apply


def _print_titles(session, ids, _now, _by):
    count = 0
    for kind in PrintKind:
        if kind is not PrintKind.GUIDE:  # a guide's title is the guide's, not the person's
            count += _scrub(session, PrintRecord, and_(PrintRecord.resident_id.in_(ids),
                                                       PrintRecord.kind == kind.value), title=kind.label)
    return count


def _stub(session, ids, now, by):
    return _scrub(session, Resident, Resident.id.in_(ids), given_name=ERASED_NAME, family_name="",
                  preferred_name="", date_of_birth=None, address_line1="", address_line2="", town="", postcode="",
                  postcode_key="", phone="", email="", email_key="", library_card="", preferred_language="",
                  interpreter_needed=False, accessibility_needs="", preferred_contact="", sort_name="",
                  erased_at=now, erased_by=by, updated_at=now, updated_by=by)


# In the order they run: links to rows about to go are cut before those rows are deleted.
ERASURE_RULES: dict[str, ErasureRule] = {
    "attachment_content": ErasureRule("deleted, with the attachment (the copy of the file is gone)"),
    "attachment": ErasureRule("deleted: files on the record, contacts, requests and case files",
                              lambda s, ids, _n, _b: delete_attachments(s, ids)),
    "advocacy_case": ErasureRule("kept for the case figures; summary and reasons emptied",
                                 lambda s, ids, _n, _b: anonymise_cases(s, _cases(ids))),
    "case_activity": ErasureRule("kept (status moves, tasks, escalations count); text emptied, file links cut "
                                 "(with advocacy_case)"),
    "case_member": ErasureRule("kept: staff on the case, nothing about the resident"),
    "consent": ErasureRule("kept (a referral names the consent it relied on); notes emptied",
                           lambda s, ids, _n, _b: _scrub(s, Consent, Consent.resident_id.in_(ids), note="",
                                                         withdrawal_note="")),
    "interaction": ErasureRule("kept for the desk figures; notes and the satisfaction reason emptied",
                               lambda s, ids, _n, _b: _scrub(s, Interaction, Interaction.resident_id.in_(ids),
                                                             notes="", satisfaction_reason="")),
    "submission": ErasureRule("kept; the form, the resident's details and the sent envelope (outbox body) "
                              "replaced by {}, messages emptied",
                              lambda s, ids, _n, _b: _scrub(
                                  s, Submission, Submission.resident_id.in_(ids), fields_json="{}",
                                  resident_json="{}", envelope_json="{}", last_error="", back_office_message="",
                                  cancel_reason="")),
    "submission_event": ErasureRule("kept (the request's history); messages emptied",
                                    lambda s, ids, _n, _b: _scrub(s, SubmissionEvent, SubmissionEvent.submission_id.in_(
                                        select(Submission.id).where(Submission.resident_id.in_(ids))), message="")),
    "representative.links": ErasureRule("links from consents, contacts, requests and cases cut",
                                        lambda s, ids, n, b: sum(_unlink_representatives(m)(s, ids, n, b) for m in (
                                            Consent, Interaction, Submission, Case))),
    "representative": ErasureRule("deleted: they are other people, named only because of this resident",
                                  lambda s, ids, _n, _b: _delete(s, Representative,
                                                                 Representative.resident_id.in_(ids))),
    "callback": ErasureRule("kept (callbacks made on time count); caller, phone and reasons emptied",
                            lambda s, ids, _n, _b: _scrub(s, Callback, Callback.resident_id.in_(ids), caller_name="",
                                                          phone="", reason="", cancel_reason="")),
    "callback_attempt": ErasureRule("kept; notes emptied",
                                    lambda s, ids, _n, _b: _scrub(s, CallbackAttempt, CallbackAttempt.callback_id.in_(
                                        select(Callback.id).where(Callback.resident_id.in_(ids))), note="")),
    "queue_ticket": ErasureRule("kept (waits count); the name called out, the reason and transfer notes emptied",
                                lambda s, ids, _n, _b: _scrub(s, QueueTicket, QueueTicket.resident_id.in_(ids),
                                                              visitor_name="", reason="", transfer_note="")),
    "skills_assessment": ErasureRule("kept with its levels; goals in own words and discard reason emptied",
                                     lambda s, ids, _n, _b: anonymise_skills_and_referrals(s, ids)),
    "skills_barrier": ErasureRule("kept (barriers count); details emptied (with skills_assessment)"),
    "skills_answer": ErasureRule("kept: answers to the framework's statements, codes only"),
    "skills_goal": ErasureRule("kept: goal codes the report counts"),
    "skills_result_level": ErasureRule("kept: levels the report counts"),
    "referral": ErasureRule("kept with status and needs; need text, reasons, errors and the partner's "
                            "reference emptied (with skills_assessment)"),
    "referral_event": ErasureRule("kept (the funnel and reasons count); notes emptied (with skills_assessment)"),
    "print_record": ErasureRule("kept (guides printed count); a plan's, slip's or case's title becomes its kind",
                                _print_titles),
    "record_reference": ErasureRule("kept: a reference says nothing about the person, and quoting it again "
                                    "says the record was erased"),
    "resident_equality": ErasureRule("kept: coarse answers (age band, sex, ...) behind the equality breakdowns; "
                                     "no longer linked to anyone who can be identified"),
    "resident_name_word": ErasureRule("deleted: the record leaves search",
                                      lambda s, ids, _n, _b: _delete(s, ResidentNameWord,
                                                                     ResidentNameWord.resident_id.in_(ids))),
    "resident_name_variant": ErasureRule("deleted: the record leaves search",
                                         lambda s, ids, _n, _b: _delete(s, ResidentNameVariant,
                                                                        ResidentNameVariant.resident_id.in_(ids))),
    "resident_merge": ErasureRule("kept: only record numbers and row ids; records merged in are erased too"),
    "legal_hold": ErasureRule("kept: the council's record of a legal matter (erasure is refused while one "
                              "is in place)"),
    "resident": ErasureRule(f"kept as a stub called '{ERASED_NAME}', every personal field emptied, "
                            "flagged erased (when, by whom)", _stub),
}

# Tables a resident's data reaches, and the models behind them: the test's list to check.
COVERED_MODELS = (
    Attachment, AttachmentContent, Case, CaseActivity, CaseMember, Consent, Interaction, Submission,
    SubmissionEvent, Representative, Callback, CallbackAttempt, QueueTicket, SkillsAssessment, SkillsBarrier,
    SkillsAnswer, SkillsGoal, SkillsResultLevel, Referral, ReferralEvent, PrintRecord, RecordReference,
    ResidentEquality, ResidentNameWord, ResidentNameVariant, ResidentMerge, LegalHold, Resident,
)


def erase_rows(session: Session, ids: list[int], now: datetime, by: str) -> dict[str, int]:
    """Apply every rule to the residents `ids`, in order; rows touched per table."""
    return {name: rule.apply(session, ids, now, by) for name, rule in ERASURE_RULES.items() if rule.apply}
