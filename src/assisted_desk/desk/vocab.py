"""The fixed choices the desk records, each with the words a person sees.

Stored values never change (reports and old records depend on them); labels may."""

from __future__ import annotations

import enum

from ..core.errors import ValidationError


class Choice(str, enum.Enum):
    """A stored value with a label; `parse` names what is allowed when given something else."""

    @property
    def label(self) -> str:
        return _LABELS.get((type(self), self.value), self.value.replace("_", " ").capitalize())

    @classmethod
    def parse(cls, value: "str | Choice", *, field: str, what: str) -> "Choice":
        if isinstance(value, cls):
            return value
        text = str(value or "").strip().lower()
        for member in cls:
            if text in (member.value, member.label.lower()):
                return member
        allowed = ", ".join(m.label for m in cls)
        raise ValidationError(f"{what} '{value}' is not one of: {allowed}.", field=field)


class Channel(Choice):
    FACE_TO_FACE = "face_to_face"
    PHONE = "phone"
    EMAIL = "email"
    WEBCHAT = "webchat"
    POST = "post"


class HelpType(Choice):
    INFORMATION = "information"  # information or signposting
    ASSISTED_SELF_SERVICE = "assisted"  # the resident did it, with help
    ON_BEHALF = "on_behalf"  # staff did it for the resident: needs consent or authority


class Outcome(Choice):
    RESOLVED = "resolved"  # at first contact
    FOLLOW_UP = "follow_up"
    REFERRED = "referred"
    ESCALATED = "escalated"  # to advocacy


class AvoidableReason(Choice):
    CHASING = "chasing"  # chasing progress
    FAILED_ONLINE = "failed_online"  # repeat of a failed online attempt
    OTHER = "other"


class Satisfaction(Choice):
    GOOD = "good"
    AVERAGE = "average"
    POOR = "poor"


class ConsentPurpose(Choice):
    ACT_ON_BEHALF = "act_on_behalf"  # scope: a service code
    SHARE_WITH_PARTNER = "share"  # scope: a partner organisation's name
    CONTACT = "contact"  # scope: a ContactMethod value


class ConsentMethod(Choice):
    VERBAL = "verbal"
    WRITTEN = "written"
    DIGITAL = "digital"


class ContactMethod(Choice):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    POST = "post"


class RepresentativeKind(Choice):
    FAMILY = "family"
    CARER = "carer"
    ADVOCATE = "advocate"
    ATTORNEY = "attorney"  # under a lasting power of attorney
    OTHER = "other"


class TicketStatus(Choice):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"


class CallbackStatus(Choice):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class AttemptOutcome(Choice):
    REACHED = "reached"  # spoke to the resident; the callback is done
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"  # left a message; try again
    WRONG_NUMBER = "wrong_number"


class SubmissionState(Choice):
    """The desk's side of a back-office request."""
    QUEUED = "queued"  # waiting to be sent (again)
    SENDING = "sending"  # a sender holds it now
    ACCEPTED = "accepted"  # the back office acknowledged it with its own reference
    NEEDS_ATTENTION = "needs_attention"  # refused for good: staff fix and resend, or cancel
    CANCELLED = "cancelled"


class BackOfficeStatus(Choice):
    """The council's side, once a request is accepted (the interface's status values)."""
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"


class SubmissionEventKind(Choice):
    QUEUED = "queued"
    ATTEMPT_FAILED = "attempt_failed"  # will be retried
    REFUSED = "refused"  # permanent refusal: needs attention
    ACCEPTED = "accepted"
    STATUS_CHANGED = "status_changed"
    FIXED = "fixed"  # staff corrected it and queued it again
    RESENT = "resent"  # staff asked for it to go now
    CANCELLED = "cancelled"


# Equality monitoring answers (ONS 2021 census groupings). "Prefer not to say" is always allowed.
PREFER_NOT_TO_SAY = "Prefer not to say"
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "Under 16", PREFER_NOT_TO_SAY)
SEXES = ("Female", "Male", PREFER_NOT_TO_SAY)
ETHNICITIES = (
    "Asian or Asian British: Bangladeshi", "Asian or Asian British: Chinese", "Asian or Asian British: Indian",
    "Asian or Asian British: Pakistani", "Asian or Asian British: Other Asian",
    "Black or Black British: African", "Black or Black British: Caribbean", "Black or Black British: Other Black",
    "Mixed: White and Asian", "Mixed: White and Black African", "Mixed: White and Black Caribbean",
    "Mixed: Other Mixed", "White: English, Welsh, Scottish, Northern Irish or British", "White: Irish",
    "White: Gypsy or Irish Traveller", "White: Roma", "White: Other White", "Other: Arab",
    "Other: Any other ethnic group", PREFER_NOT_TO_SAY,
)
DISABILITY = ("Yes, limited a lot", "Yes, limited a little", "No", PREFER_NOT_TO_SAY)

# Pairs, not a dict keyed by member: members of different choices with the same value (a
# request's state and a history event both "queued") are equal strings and would collide.
_LABEL_PAIRS: tuple[tuple[Choice, str], ...] = (
    (Channel.FACE_TO_FACE, "Face to face"),
    (Channel.WEBCHAT, "Webchat"),
    (HelpType.INFORMATION, "Information or signposting"),
    (HelpType.ASSISTED_SELF_SERVICE, "Assisted self-service"),
    (HelpType.ON_BEHALF, "Done on the resident's behalf"),
    (Outcome.RESOLVED, "Resolved at first contact"),
    (Outcome.FOLLOW_UP, "Follow-up needed"),
    (Outcome.REFERRED, "Referred on"),
    (Outcome.ESCALATED, "Escalated to advocacy"),
    (AvoidableReason.CHASING, "Chasing progress"),
    (AvoidableReason.FAILED_ONLINE, "Repeat of a failed online attempt"),
    (AvoidableReason.OTHER, "Other avoidable contact"),
    (ConsentPurpose.ACT_ON_BEHALF, "Act on their behalf with a service"),
    (ConsentPurpose.SHARE_WITH_PARTNER, "Share details with a partner"),
    (ConsentPurpose.CONTACT, "Contact them"),
    (ContactMethod.SMS, "SMS"),
    (RepresentativeKind.FAMILY, "Family member"),
    (RepresentativeKind.ATTORNEY, "Attorney (lasting power of attorney)"),
    (TicketStatus.NO_SHOW, "No-show"),
    (AttemptOutcome.REACHED, "Reached"),
    (AttemptOutcome.NO_ANSWER, "No answer"),
    (AttemptOutcome.VOICEMAIL, "Left voicemail"),
    (AttemptOutcome.WRONG_NUMBER, "Wrong number"),
    (SubmissionState.QUEUED, "Waiting to send"),
    (SubmissionState.SENDING, "Sending"),
    (SubmissionState.ACCEPTED, "Accepted"),
    (SubmissionState.NEEDS_ATTENTION, "Needs attention"),
    (SubmissionState.CANCELLED, "Cancelled"),
    (BackOfficeStatus.RECEIVED, "Received"),
    (BackOfficeStatus.IN_PROGRESS, "In progress"),
    (BackOfficeStatus.COMPLETED, "Completed"),
    (BackOfficeStatus.REJECTED, "Rejected"),
    (SubmissionEventKind.QUEUED, "Queued"),
    (SubmissionEventKind.ATTEMPT_FAILED, "Attempt failed"),
    (SubmissionEventKind.REFUSED, "Refused by the back office"),
    (SubmissionEventKind.ACCEPTED, "Accepted by the back office"),
    (SubmissionEventKind.STATUS_CHANGED, "Status changed"),
    (SubmissionEventKind.FIXED, "Corrected and queued again"),
    (SubmissionEventKind.RESENT, "Sent again on request"),
    (SubmissionEventKind.CANCELLED, "Cancelled"),
)
_LABELS: dict[tuple[type, str], str] = {(type(member), member.value): text for member, text in _LABEL_PAIRS}
