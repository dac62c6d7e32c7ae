"""The fixed words of casework: priorities, what can happen on a case, and how a case ends.

Stored values never change (reports and old records depend on them); labels may. A case type's
own statuses are data (case_types.py); "closed" is the one status every type shares."""

from __future__ import annotations

from ..desk.vocab import Choice

CASE_PREFIX = "CS"
CLOSED = "closed"  # the status of every closed case, whatever its type
TASK_DONE = "done"  # a finished task's to_status
TASK_CANCELLED = "cancelled"
MAX_LEVEL = 3  # escalation levels above the advocate: 1 team leader, 2 service manager, 3 head of service


class CasePriority(Choice):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return {"low": 0, "normal": 1, "high": 2, "urgent": 3}[self.value]


class CaseOutcome(Choice):
    RESOLVED = "resolved"
    PARTLY_RESOLVED = "partly_resolved"
    NOT_RESOLVED = "not_resolved"  # needs a reason
    WITHDRAWN = "withdrawn"  # the resident withdrew


class ActivityKind(Choice):
    """What a line on a case's timeline records. The first four are contact with the resident
    (or for them) and start the first-response clock's answer; the rest are the case's own story."""

    CALL = "call"
    LETTER = "letter"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    TASK = "task"
    INTERACTION = "interaction"  # a desk contact linked to the case
    SUBMISSION = "submission"  # a back-office request linked to the case
    ATTACHMENT = "attachment"  # evidence linked to the case
    OPENED = "opened"
    STATUS = "status"
    HANDOVER = "handover"
    REASSIGNED = "reassigned"
    ESCALATED = "escalated"
    TEAM = "team"  # a team member added or removed
    RESTRICTION = "restriction"  # restricted or unrestricted
    CLOSED = "closed"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        return _ACTIVITY_WORDS.get(self.value) or self.value.replace("_", " ").capitalize()

    @property
    def is_contact(self) -> bool:
        return self in CONTACT_KINDS

    @property
    def is_recorded_by_staff(self) -> bool:
        """Kinds a person adds by hand; the others are written by the case's own actions."""
        return self in CONTACT_KINDS or self is ActivityKind.NOTE


_ACTIVITY_WORDS = {"interaction": "Desk contact", "submission": "Request", "attachment": "Evidence",
                   "reassigned": "Reassigned", "team": "Team"}

CONTACT_KINDS = frozenset({ActivityKind.CALL, ActivityKind.LETTER, ActivityKind.EMAIL, ActivityKind.MEETING})

ESCALATION_LEVELS = {1: "Team leader", 2: "Service manager", 3: "Head of service"}
