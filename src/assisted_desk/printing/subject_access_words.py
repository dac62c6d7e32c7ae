"""The words of the subject access PDF: what each stored field is called, which stored codes
mean what, what is machinery a resident has no use for, and the audit told in plain English.

The JSON keeps every column and every code (machines read it); the PDF is for the person it is
about, so it shows names for ids, words for codes, and leaves out positions, counters and ids."""

from __future__ import annotations

import re
from datetime import datetime

from ..casework.vocab import ESCALATION_LEVELS, ActivityKind, CaseOutcome, CasePriority
from ..core.clock import local_text
from ..core.security import Role
from ..desk.vocab import (AttemptOutcome, AvoidableReason, BackOfficeStatus, CallbackStatus, Channel, ConsentMethod,
                          ConsentPurpose, ContactMethod, HelpType, Outcome, RepresentativeKind, Satisfaction,
                          SubmissionEventKind, SubmissionState, TicketStatus)
from ..inclusion.referral_vocab import DeliveryState, ReferralMethod, ReferralStatus, UpdateSource
from ..inclusion.scoring import Reached
from ..inclusion.skills_vocab import Answer, AssessmentKind, AssessmentState, Barrier, Evidence, Goal
from .print_records import PrintKind, language_words

LABELS = {
    "given_name": "Given name", "family_name": "Family name", "preferred_name": "Name you go by",
    "date_of_birth": "Date of birth", "address_line1": "Address", "address_line2": "Address (line 2)",
    "library_card": "Library card", "accessibility_needs": "Accessibility needs",
    "preferred_contact": "Preferred contact", "last_contact_at": "Last contact", "created_at": "Recorded",
    "created_by": "Recorded by", "updated_at": "Last changed", "updated_by": "Last changed by",
    "registered_site_name": "Registered at", "merged_into": "Merged into record", "occurred_at": "When",
    "staff_name": "Staff", "site_name": "Where", "service_code_name": "Service", "help_type": "Help given",
    "notes": "Notes", "minutes": "Minutes", "given_at": "Given", "expires_at": "Ends",
    "withdrawn_at": "Withdrawn", "representative_name": "Representative", "owner_name": "Advocate",
    "happened_at": "When", "recorded_at": "Recorded", "recorded_by": "Recorded by", "text": "What was written",
    "service_name": "Partner service", "need_text": "Need", "printed_at": "When", "printed_by": "By",
    "assignee_name": "Assigned to", "other_staff_name": "Other colleague",
    "record_type": "For", "merged_by": "Merged by", "undone_at": "Undone", "undone_by": "Undone by",
    "survivor_id": "Record kept", "merged_id": "Record merged", "filename": "File", "media_type": "Type",
    "size": "Size (bytes)", "added_at": "Added", "added_by": "Added by", "removed_at": "Removed",
    "fields_json": "What was asked", "resident_json": "Your details sent", "envelope_json": "Sent by",
    "result_json": "Result", "internal_lines_withheld": "Internal lines left out",
    "merged_into_id": "Merged into record", "case_type_name": "Case type", "scope": "For",
    "authority_scope": "May act for you with", "escalation_level": "Escalated to", "need_areas": "Skills areas",
    "goals_own_words": "Your goals in your own words", "wait_seconds": "Waited (minutes)", "language": "Language",
    "preferred_language": "Preferred language", "services": "Services involved", "back_office_status": "Council's status",
    "back_office_reference": "Council's reference", "status_reason": "Why", "partner_reference": "Partner's reference",
}

# Stored codes and the words for them, by field; "<section>.<child list>" for a record's lines.
_ANY = "*"
CODES: dict[tuple[str, str], type] = {
    (_ANY, "channel"): Channel, (_ANY, "help_type"): HelpType, ("contacts", "outcome"): Outcome,
    (_ANY, "avoidable"): AvoidableReason, (_ANY, "satisfaction"): Satisfaction,
    ("consents", "purpose"): ConsentPurpose, ("consents", "method"): ConsentMethod,
    (_ANY, "preferred_contact"): ContactMethod, ("representatives", "relationship"): RepresentativeKind,
    ("queue_visits", "status"): TicketStatus, ("callbacks", "status"): CallbackStatus,
    ("callbacks.attempts", "outcome"): AttemptOutcome, ("requests", "state"): SubmissionState,
    ("requests", "back_office_status"): BackOfficeStatus, ("requests.history", "kind"): SubmissionEventKind,
    ("requests.history", "status"): BackOfficeStatus,
    ("cases", "priority"): CasePriority, ("cases", "outcome"): CaseOutcome, ("cases.activities", "kind"): ActivityKind,
    ("assessments", "kind"): AssessmentKind, ("assessments", "state"): AssessmentState,
    ("assessments.answers", "answer"): Answer, ("assessments.answers", "evidence"): Evidence,
    ("assessments.barriers", "barrier"): Barrier, ("assessments.goals", "goal"): Goal,
    ("referrals", "method"): ReferralMethod, ("referrals", "status"): ReferralStatus,
    ("referrals", "delivery_state"): DeliveryState, ("referrals.history", "from_status"): ReferralStatus,
    ("referrals.history", "to_status"): ReferralStatus, ("referrals.history", "source"): UpdateSource,
    ("prints", "kind"): PrintKind,
}

# Machinery: positions, counters, retry clocks, hashes, and ids where a name or reference says it.
HIDDEN = {"id", "resident_id", "resident_record_id", "file", "format", "format_version", "position", "attempts",
          "next_attempt_at", "last_attempt_at", "last_error", "may_have_arrived", "change_id", "internal",
          "sha256", "reference", "guide_slug", "framework_version", "record_id", "interaction_id", "submission_id",
          "result_levels", "printer_name", "erased_by"}
_KEPT_IDS = {"survivor_id", "merged_id", "merged_into_id"}  # record numbers: the header names them too


def hidden(section: str, key: str, item: dict) -> bool:
    if key in HIDDEN or key.endswith("_id") and key not in _KEPT_IDS:
        return True
    value = item.get(key)
    if key == "delivery_state" and value == DeliveryState.NOT_BY_API.value:
        return True  # only referrals sent through a partner's system have a delivery to speak of
    if key in ("escalation_level", "reopen_count") and not value:
        return True
    return False


def label(key: str) -> str:
    return LABELS.get(key) or key.replace("_name", "").replace("_", " ").strip().capitalize()


def code_words(section: str, key: str, value: str) -> str | None:
    """The words for a stored code, or None when the field holds no known code."""
    choice = CODES.get((section, key)) or CODES.get((_ANY, key))
    if choice is not None:
        try:
            return choice(value).label
        except ValueError:
            return None
    if key in ("language", "preferred_language"):
        return language_words(value)
    if key == "escalation_level" and isinstance(value, int):
        return ESCALATION_LEVELS.get(value, str(value))
    if key == "scope" and value == "*" or key == "authority_scope" and value == "*":
        return "every service"
    if key == "record_type":
        return _RECORD_WORDS.get(value)
    if key == "wait_seconds" and isinstance(value, int):
        return str(round(value / 60))
    return None


_RECORD_WORDS = {"interaction": "A contact with the desk", "advocacy_case": "An advocacy case",
                 "submission": "A request to the council", "referral": "A referral to a partner",
                 "resident": "Your record", "skills_assessment": "A skills assessment"}


def reached_words(status: str) -> str:
    try:
        return Reached(status).label
    except ValueError:
        return status.replace("_", " ").capitalize()


# ---- the audit, for a resident -----------------------------------------------------------------

_ACTIONS = {
    "resident.registered": "created your record", "resident.updated": "changed your details",
    "resident.merged": "joined another record into yours", "resident.merged_away": "joined this record into yours",
    "resident.merge_undone": "undid a joining of records", "resident.equality_recorded": "recorded your equality answers",
    "resident.equality_viewed": "looked at your equality answers",
    "resident.exported": "prepared a copy of everything held about you",
    "resident.export_not_written": "could not save a copy of everything held about you",
    "resident.legal_hold_placed": "placed a legal hold", "resident.legal_hold_lifted": "lifted a legal hold",
    "resident.retention_applied": "removed details kept past their time",
    "representative.added": "added someone who acts for you", "representative.updated": "changed someone who acts for you",
    "representative.ended": "ended someone's authority to act for you",
    "consent.recorded": "recorded a consent", "consent.replaced": "replaced a consent",
    "consent.withdrawn": "recorded a consent withdrawn", "interaction.logged": "recorded a contact",
    "attachment.added": "attached a file", "attachment.opened": "opened a file", "attachment.removed": "removed a file",
    "submission.queued": "made a request to the council", "submission.fixed": "corrected a request",
    "submission.cancelled": "cancelled a request", "print.record": "printed or saved a document for you",
    "callback.created": "promised a phone callback", "callback.cancelled": "cancelled a phone callback",
    "queue.issued": "gave you a queue ticket",
    "case.opened": "opened an advocacy case", "case.restricted": "restricted who may open a case",
    "case.restricted_opened": "opened a restricted case", "case.closed": "closed a case",
    "case.reopened": "reopened a case", "case.escalated": "escalated a case", "case.status_changed": "moved a case on",
    "case.evidence_added": "added evidence to a case", "case.team_added": "added a colleague to a case",
    "case.team_removed": "removed a colleague from a case", "case.task_added": "set a task on a case",
    "case.task_cancelled": "cancelled a task on a case",
    "skills.started": "started a digital skills assessment", "skills.answered": "recorded an answer in an assessment",
    "skills.barriers": "recorded barriers", "skills.goals": "recorded goals", "skills.paused": "paused an assessment",
    "skills.completed": "completed an assessment", "skills.discarded": "discarded an assessment",
    "referral.drafted": "drafted a referral to a partner", "referral.queued": "sent a referral to a partner",
    "referral.shared": "shared your details with a partner", "referral.content_viewed": "looked at a referral",
}
# Summaries that say something a resident needs in other words; others are cleaned up below.
_SUMMARY = {"resident.exported": "", "resident.export_not_written": "nothing was handed over",
            "resident.equality_viewed": ""}
_NUMBERED = re.compile(r"\b(owner|staff|service|framework|merge|change) \d+\b")
_RECORDS = re.compile(r"\b(resident|interaction|submission|referral|callback|attachment) (\d+)\b")
_RECORD_NOUNS = {"resident": "record", "interaction": "contact", "submission": "request", "referral": "referral",
                 "callback": "callback", "attachment": "file"}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")
_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_CODE_WORD = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
_SHA = re.compile(r",? ?sha256 [0-9a-f]{16,}")
_TABLE_WORDS = {"resident_name_word": "name search keys", "resident_name_variant": "name search keys"}
_NUMBERED_WORDS = {"owner": "an advocate", "staff": "a colleague", "service": "a service", "framework": "",
                   "merge": "", "change": ""}


def who(actor: str, role: str | None) -> str:
    if actor.startswith("cli:"):
        return "council staff using the command line"
    try:
        role_words = Role(role).label if role else ""
    except ValueError:
        role_words = role or ""
    return f"{actor} ({role_words.lower()})" if role_words else actor


def what_happened(action: str) -> str:
    if action in _ACTIONS:
        return _ACTIONS[action]
    area, _, verb = action.partition(".")
    if area == "case":
        try:
            return f"recorded a {ActivityKind(verb).label.lower()} on a case"
        except ValueError:
            pass
    return verb.replace("_", " ") or action


def summary_words(action: str, summary: str) -> str:
    """An audit summary with its internal wording made plain: no staff ids, no raw codes, London times."""
    if action in _SUMMARY:
        return _SUMMARY[action]
    text = _SHA.sub("", summary or "")
    for table, words in _TABLE_WORDS.items():
        text = text.replace(table, words)
    text = _NUMBERED.sub(lambda m: _NUMBERED_WORDS[m.group(1)], text)
    text = _RECORDS.sub(lambda m: f"{_RECORD_NOUNS[m.group(1)]} {m.group(2)}", text)
    text = _ISO.sub(lambda m: _local(m.group(0)), text)
    text = _DAY.sub(lambda m: f"{m.group(3)}/{m.group(2)}/{m.group(1)}", text)
    text = _CODE_WORD.sub(lambda m: m.group(0).replace("_", " "), text)
    text = re.sub(r"\(\s*\)", "", text)
    return " ".join(text.replace(" ,", ",").split()).replace(" ;", ";").strip(" ,;:")


def _local(text: str) -> str:
    try:
        return local_text(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return text
