"""The words of the partner directory and of referrals: what a service offers, how it takes
referrals, and the closed loop a referral follows until its outcome is known.

`ALLOWED` is the one table of referral transitions: the service refuses anything not in it, the
screens offer only what it allows, and the tests walk every pair."""

from __future__ import annotations

from ..desk.vocab import Choice


class ServiceOffer(Choice):
    """What a partner service offers besides (or instead of) teaching skill areas."""

    SKILLS_TRAINING = "skills_training"
    DEVICE_LENDING = "device_lending"
    FREE_DEVICE = "free_device"
    FREE_DATA = "free_data"  # free mobile data, SIMs, or low-cost broadband
    ACCESSIBILITY_SUPPORT = "accessibility_support"
    LANGUAGE_SUPPORT = "language_support"
    CONFIDENCE = "confidence"  # drop-in, "digital buddy", building confidence

    @property
    def label(self) -> str:
        return {
            ServiceOffer.SKILLS_TRAINING: "Skills training",
            ServiceOffer.DEVICE_LENDING: "Device lending",
            ServiceOffer.FREE_DEVICE: "Free device",
            ServiceOffer.FREE_DATA: "Free data or connectivity",
            ServiceOffer.ACCESSIBILITY_SUPPORT: "Accessibility support",
            ServiceOffer.LANGUAGE_SUPPORT: "Language support",
            ServiceOffer.CONFIDENCE: "Confidence building",
        }[self]


class Delivery(Choice):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"
    EITHER = "either"

    @property
    def label(self) -> str:
        return {Delivery.ONE_TO_ONE: "One-to-one", Delivery.GROUP: "Group", Delivery.EITHER: "One-to-one or group"}[self]


class Accessibility(Choice):
    WHEELCHAIR = "wheelchair"
    HEARING_LOOP = "hearing_loop"
    BSL = "bsl"
    LARGE_PRINT = "large_print"
    SCREEN_READER = "screen_reader"
    QUIET_SPACE = "quiet_space"

    @property
    def label(self) -> str:
        return {
            Accessibility.WHEELCHAIR: "Wheelchair accessible",
            Accessibility.HEARING_LOOP: "Hearing loop",
            Accessibility.BSL: "British Sign Language",
            Accessibility.LARGE_PRINT: "Large print materials",
            Accessibility.SCREEN_READER: "Screen-reader trained",
            Accessibility.QUIET_SPACE: "Quiet space",
        }[self]


class ReferralMethod(Choice):
    """How a partner takes referrals."""

    API = "api"  # the partner's referral API, through the outbox
    EMAIL = "email"  # an email drafted for staff to send
    PHONE = "phone"  # staff phone the partner
    SLIP = "slip"  # a printed slip the resident takes

    @property
    def label(self) -> str:
        return {ReferralMethod.API: "Partner's system (sent automatically)", ReferralMethod.EMAIL: "Email",
                ReferralMethod.PHONE: "Phone call", ReferralMethod.SLIP: "Printed slip the resident takes"}[self]


class ReferralStatus(Choice):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ATTENDED_FIRST_SESSION = "attended_first_session"
    DID_NOT_ATTEND = "did_not_attend"
    COMPLETED = "completed"
    STOPPED = "stopped"
    WITHDRAWN = "withdrawn"
    REROUTED = "rerouted"  # closed here; the history continues on the referral it was re-routed to

    @property
    def label(self) -> str:
        return {
            ReferralStatus.DRAFT: "Draft",
            ReferralStatus.SENT: "Sent",
            ReferralStatus.ACCEPTED: "Accepted",
            ReferralStatus.DECLINED: "Declined",
            ReferralStatus.ATTENDED_FIRST_SESSION: "Attended first session",
            ReferralStatus.DID_NOT_ATTEND: "Did not attend",
            ReferralStatus.COMPLETED: "Completed",
            ReferralStatus.STOPPED: "Stopped",
            ReferralStatus.WITHDRAWN: "Withdrawn",
            ReferralStatus.REROUTED: "Re-routed",
        }[self]

    @property
    def is_closed(self) -> bool:
        return not ALLOWED[self] or self == ReferralStatus.DECLINED

    @property
    def needs_reason(self) -> bool:
        return self in NEEDS_REASON


_S = ReferralStatus

ALLOWED: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    _S.DRAFT: frozenset({_S.SENT, _S.WITHDRAWN}),
    _S.SENT: frozenset({_S.ACCEPTED, _S.DECLINED, _S.WITHDRAWN, _S.REROUTED}),
    _S.ACCEPTED: frozenset({_S.ATTENDED_FIRST_SESSION, _S.DID_NOT_ATTEND, _S.WITHDRAWN, _S.REROUTED}),
    # a missed first session may be made up, or the place given up
    _S.DID_NOT_ATTEND: frozenset({_S.ATTENDED_FIRST_SESSION, _S.STOPPED, _S.WITHDRAWN, _S.REROUTED}),
    _S.ATTENDED_FIRST_SESSION: frozenset({_S.COMPLETED, _S.STOPPED, _S.WITHDRAWN}),
    # a declined referral is closed, but may still be re-routed to another service
    _S.DECLINED: frozenset({_S.REROUTED}),
    _S.COMPLETED: frozenset(),
    _S.STOPPED: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.REROUTED: frozenset(),
}

NEEDS_REASON = frozenset({_S.DECLINED, _S.STOPPED, _S.WITHDRAWN, _S.REROUTED})


class UpdateSource(Choice):
    """Where a status change came from."""

    STAFF = "staff"  # recorded at the desk
    CALL = "call"  # staff recording what a partner said on the phone
    PARTNER_API = "partner_api"
    PARTNER_CSV = "partner_csv"

    @property
    def label(self) -> str:
        return {UpdateSource.STAFF: "Recorded by staff", UpdateSource.CALL: "Partner phoned",
                UpdateSource.PARTNER_API: "Partner's system", UpdateSource.PARTNER_CSV: "Partner's spreadsheet"}[self]


class DeliveryState(Choice):
    """Where a referral sent through a partner's API is in the outbox."""

    NOT_BY_API = "not_by_api"
    QUEUED = "queued"
    SENDING = "sending"
    DELIVERED = "delivered"
    REFUSED = "refused"  # the partner's system refused it for good; staff must act
    CANCELLED = "cancelled"  # moved on from sent (withdrawn, re-routed, accepted by phone...) before it went

    @property
    def label(self) -> str:
        return {DeliveryState.NOT_BY_API: "Not sent by API", DeliveryState.QUEUED: "Waiting to send",
                DeliveryState.SENDING: "Sending", DeliveryState.DELIVERED: "Delivered",
                DeliveryState.REFUSED: "Refused by the partner's system",
                DeliveryState.CANCELLED: "Not sent through their system"}[self]


REFERRAL_PREFIX = "RF"  # a referral's reference the resident or partner can quote
