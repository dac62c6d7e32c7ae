"""What a coordinator, or an imported directory, gives for a partner organisation or service, and
the one validation of it.

`clean_organisation` and `clean_service` turn an input into what will be stored (codes checked,
lists without repeats, postcodes and phone numbers in their stored form) or refuse the first thing
that cannot be, naming it. They are used for hand edits (directory.py) and for every imported
record (oruk_import.py) alike, so the two can never disagree about what a partner record may hold.
Nothing here touches the database."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..core.errors import ValidationError
from ..core.validation import clean_text
from ..desk.contact_details import check_email, check_phone, check_postcode
from .framework import FrameworkLibrary, shipped_frameworks
from .referral_vocab import Accessibility, Delivery, ReferralMethod, ServiceOffer

STATUSES = ("active", "inactive", "defunct", "temporarily closed")  # Open Referral UK's words
MAX_LOCATIONS = 50
MAX_SCHEDULES = 50
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"^(?:[+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")

# ISO 639-1: every two-letter language code (the standard's whole list).
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el
en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it
iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt
my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo
za zh zu""".split())

# English names of the languages a UK directory most often lists by name rather than by code.
LANGUAGE_NAMES = {
    "ar": "Arabic", "bn": "Bengali", "cy": "Welsh", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "fa": "Persian", "fr": "French", "gd": "Scottish Gaelic", "gu": "Gujarati", "hi": "Hindi",
    "it": "Italian", "ku": "Kurdish", "lt": "Lithuanian", "lv": "Latvian", "ne": "Nepali", "pa": "Punjabi",
    "pl": "Polish", "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "so": "Somali", "sq": "Albanian", "ta": "Tamil", "ti": "Tigrinya", "tr": "Turkish", "uk": "Ukrainian",
    "ur": "Urdu", "vi": "Vietnamese", "yo": "Yoruba", "zh": "Chinese", "cs": "Czech", "bg": "Bulgarian",
    "hu": "Hungarian", "am": "Amharic", "sw": "Swahili", "tl": "Tagalog", "ml": "Malayalam", "te": "Telugu",
}


# ---- what a coordinator (or a directory) gives --------------------------------------------------

@dataclass(frozen=True)
class OrganisationInput:
    name: str
    description: str = ""
    email: str = ""
    phone: str = ""
    url: str = ""


@dataclass(frozen=True)
class LocationInput:
    name: str = ""
    address: str = ""  # one line per part
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    accessibility: Sequence[Accessibility | str] = ()
    external_id: str = ""


@dataclass(frozen=True)
class ScheduleInput:
    byday: str = ""  # "MO,WE" (RFC 5545 BYDAY)
    opens_at: str = ""  # "10:00"
    closes_at: str = ""
    description: str = ""


@dataclass(frozen=True)
class ServiceInput:
    name: str
    description: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""
    status: str = "active"
    skill_areas: Sequence[str] = ()
    offers: Sequence[ServiceOffer | str] = ()
    delivery: Delivery | str = Delivery.EITHER
    languages: Sequence[str] = ()
    accessibility: Sequence[Accessibility | str] = ()
    is_free: bool = True
    cost_note: str = ""
    min_age: int | None = None
    max_age: int | None = None
    residency_area: str = ""
    benefits_required: bool = False
    eligibility_note: str = ""
    referral_method: ReferralMethod | str = ReferralMethod.EMAIL
    referral_email: str = ""
    referral_phone: str = ""
    referral_api_url: str = ""
    accepting_referrals: bool = True
    capacity_note: str = ""
    locations: Sequence[LocationInput] = ()
    schedules: Sequence[ScheduleInput] = ()
    taxonomy_terms: Sequence[dict] = ()  # other vocabularies' terms, kept as imported


# ---- validation ---------------------------------------------------------------------------------

def check_url(value: str, *, field: str, label: str, required: bool = False) -> str:
    text = clean_text(value, field=field, label=label, max_length=500, required=required)
    if text and (not re.match(r"^https?://[^\s/?#]+\.[^\s/?#]+", text, re.IGNORECASE) or " " in text):
        raise ValidationError(f"{label} '{text}' is not a web address. It should start with https:// (or "
                              "http://) followed by the site, such as https://example.org/referrals.", field=field)
    return text


def clean_organisation(data: OrganisationInput) -> OrganisationInput:
    """The organisation as it will be stored; refuses what cannot be."""
    return OrganisationInput(
        name=clean_text(data.name, field="name", label="Organisation name", max_length=200, required=True),
        description=clean_text(data.description, field="description", label="Description", max_length=4000,
                               required=False),
        email=check_email(clean_text(data.email, field="email", label="Email", max_length=254, required=False),
                          field="email"),
        phone=check_phone(data.phone or "", field="phone", label="Phone number"),
        url=check_url(data.url, field="url", label="Website"),
    )


def _age(value, field: str, label: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
        raise ValidationError(f"{label} must be a whole number of years from 0 to 120 (or left empty).",
                              field=field)
    return value


def _codes(values: Iterable, parse, field: str) -> tuple:
    return tuple(dict.fromkeys(parse(v, field) for v in values or ()))


def _skill_area(framework_areas: dict[str, str]):
    def parse(value, field):
        code = str(value or "").strip()
        if code not in framework_areas:
            allowed = ", ".join(framework_areas)
            raise ValidationError(f"Skill area '{value}' is not in the skills framework. Use one of: {allowed}.",
                                  field=field)
        return code
    return parse


def _language(value, field):
    code = str(value or "").strip().lower()
    if code not in ISO_639_1:
        raise ValidationError(f"Language '{value}' is not a two-letter ISO 639-1 code such as en, pl, ar or gu.",
                              field=field)
    return code


def _districts(text: str) -> str:
    value = clean_text(text, field="residency_area", label="Residency area", max_length=200, required=False)
    parts = [p for p in re.split(r"[\s,;]+", value.upper()) if p]
    for part in parts:
        if not _DISTRICT.match(part):
            raise ValidationError(f"Residency area '{part}' is not a postcode district. List districts such as "
                                  "E1 E2 N16, separated by spaces, or leave it empty for anyone.",
                                  field="residency_area")
    return " ".join(dict.fromkeys(parts))


def _time(value: str, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    match = _TIME.match(text)
    if not match:
        raise ValidationError(f"{label} '{text}' is not a time of day. Write it as 24-hour HH:MM, such as 09:30.",
                              field=field)
    return f"{match.group(1)}:{match.group(2)}"


def clean_schedule(data: ScheduleInput, n: int) -> ScheduleInput:
    where = f"schedules[{n}]"
    days = [d.strip().upper() for d in (data.byday or "").split(",") if d.strip()]
    for day in days:
        if not _BYDAY.match(day):
            raise ValidationError(f"Schedule {n + 1}: '{day}' is not a day. Use MO, TU, WE, TH, FR, SA or SU "
                                  "(a number before it, as in 1TU, means that week of the month).",
                                  field=f"{where}.byday")
    opens = _time(data.opens_at, f"{where}.opens_at", f"Schedule {n + 1} opening time")
    closes = _time(data.closes_at, f"{where}.closes_at", f"Schedule {n + 1} closing time")
    if opens and closes and opens >= closes:
        raise ValidationError(f"Schedule {n + 1} closes ({closes}) before it opens ({opens}).",
                              field=f"{where}.closes_at")
    description = clean_text(data.description, field=f"{where}.description", label=f"Schedule {n + 1} description",
                             max_length=500, required=False)
    if not days and not description:
        raise ValidationError(f"Schedule {n + 1} needs the days it runs, or words saying when "
                              "(\"first Tuesday of the month\").", field=f"{where}.byday")
    return ScheduleInput(",".join(dict.fromkeys(days)), opens, closes, description)


def clean_location(data: LocationInput, n: int) -> LocationInput:
    where = f"locations[{n}]"
    name = clean_text(data.name, field=f"{where}.name", label=f"Place {n + 1} name", max_length=200, required=False)
    address = clean_text((data.address or "").replace("\r\n", "\n").replace("\r", "\n"), field=f"{where}.address",
                         label=f"Place {n + 1} address", max_length=1000, required=False)
    address = "\n".join(line.strip() for line in address.split("\n") if line.strip())
    try:
        postcode, _ = check_postcode(data.postcode or "")
    except ValidationError as exc:
        raise ValidationError(f"Place {n + 1}: {exc.message}", field=f"{where}.postcode") from None
    lat, lon = data.latitude, data.longitude
    if (lat is None) != (lon is None):
        raise ValidationError(f"Place {n + 1} needs both latitude and longitude, or neither.",
                              field=f"{where}.latitude")
    for value, low, high, what in ((lat, -90, 90, "latitude"), (lon, -180, 180, "longitude")):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not low <= value <= high):
            raise ValidationError(f"Place {n + 1} {what} must be a number from {low} to {high}.",
                                  field=f"{where}.{what}")
    if not (name or address or postcode):
        raise ValidationError(f"Place {n + 1} needs a name, an address or a postcode.", field=f"{where}.name")
    access = _codes(data.accessibility, lambda v, f: Accessibility.parse(v, field=f, what="Accessibility"),
                    f"{where}.accessibility")
    external = clean_text(data.external_id, field=f"{where}.id", label="Place id", max_length=200, required=False)
    return LocationInput(name, address, postcode, None if lat is None else float(lat),
                         None if lon is None else float(lon), access, external)


def clean_service(data: ServiceInput, frameworks: FrameworkLibrary | None = None) -> ServiceInput:
    """The service as it will be stored (codes checked, lists without repeats, postcodes and phone
    numbers in their stored form); refuses the first thing that cannot be stored, naming it."""
    framework = (frameworks or shipped_frameworks()).current()
    areas = {area.code: area.title for area in framework.areas}
    name = clean_text(data.name, field="name", label="Service name", max_length=200, required=True)
    status = str(data.status or "").strip().lower()
    if status not in STATUSES:
        raise ValidationError(f"Status '{data.status}' is not one of: {', '.join(STATUSES)}.", field="status")
    method = ReferralMethod.parse(data.referral_method, field="referral_method", what="Referral method")
    referral_email = check_email(data.referral_email or "", field="referral_email")
    referral_phone = check_phone(data.referral_phone or "", field="referral_phone", label="Referral phone number")
    referral_api_url = check_url(data.referral_api_url, field="referral_api_url", label="Referral API address")
    needs = {ReferralMethod.API: (referral_api_url, "referral_api_url", "the address of the partner's referral API"),
             ReferralMethod.EMAIL: (referral_email, "referral_email", "the email address referrals go to"),
             ReferralMethod.PHONE: (referral_phone, "referral_phone", "the phone number to ring")}
    if method in needs and not needs[method][0]:
        raise ValidationError(f"Referrals by {method.label.lower()} need {needs[method][2]}.", field=needs[method][1])
    min_age = _age(data.min_age, "min_age", "Minimum age")
    max_age = _age(data.max_age, "max_age", "Maximum age")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise ValidationError(f"The minimum age ({min_age}) is above the maximum age ({max_age}).", field="min_age")
    if len(data.locations or ()) > MAX_LOCATIONS or len(data.schedules or ()) > MAX_SCHEDULES:
        raise ValidationError(f"A service may list at most {MAX_LOCATIONS} places and {MAX_SCHEDULES} schedules.",
                              field="locations")
    for flag, label in ((data.is_free, "Free"), (data.benefits_required, "Benefits required"),
                        (data.accepting_referrals, "Accepting referrals")):
        if not isinstance(flag, bool):
            raise ValidationError(f"{label} must be yes or no.", field=label.lower().replace(" ", "_"))
    return ServiceInput(
        name=name,
        description=clean_text(data.description, field="description", label="Description", max_length=4000,
                               required=False),
        url=check_url(data.url, field="url", label="Website"),
        email=check_email(clean_text(data.email, field="email", label="Email", max_length=254, required=False)),
        phone=check_phone(data.phone or ""),
        status=status,
        skill_areas=tuple(code for code in areas if code in _codes(data.skill_areas, _skill_area(areas), "skill_areas")),
        offers=_codes(data.offers, lambda v, f: ServiceOffer.parse(v, field=f, what="Offer"), "offers"),
        delivery=Delivery.parse(data.delivery, field="delivery", what="Delivery"),
        languages=_codes(data.languages, _language, "languages"),
        accessibility=_codes(data.accessibility, lambda v, f: Accessibility.parse(v, field=f, what="Accessibility"),
                             "accessibility"),
        is_free=data.is_free,
        cost_note=clean_text(data.cost_note, field="cost_note", label="Cost", max_length=1000, required=False),
        min_age=min_age,
        max_age=max_age,
        residency_area=_districts(data.residency_area),
        benefits_required=data.benefits_required,
        eligibility_note=clean_text(data.eligibility_note, field="eligibility_note", label="Eligibility",
                                    max_length=1000, required=False),
        referral_method=method,
        referral_email=referral_email,
        referral_phone=referral_phone,
        referral_api_url=referral_api_url,
        accepting_referrals=data.accepting_referrals,
        capacity_note=clean_text(data.capacity_note, field="capacity_note", label="Capacity", max_length=1000,
                                 required=False),
        locations=tuple(clean_location(loc, n) for n, loc in enumerate(data.locations or ())),
        schedules=tuple(clean_schedule(s, n) for n, s in enumerate(data.schedules or ())),
        taxonomy_terms=tuple(data.taxonomy_terms or ()),
    )
