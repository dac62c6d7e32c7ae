"""Open Referral UK JSON to our directory fields and back.

We write the UK profile of HSDS 3.0 (resources/oruk/service.json is the published schema a
service must satisfy) and read both it and the first Open Referral UK standard ("v1"), whose field
names differ: `regular_schedules` / `schedules`, `service_taxonomys` / `attributes`,
`physical_addresses` / `addresses`, `accessibility_for_disabilities` / `accessibility`,
`eligibilitys` / `minimum_age` + `maximum_age`, `contacts[].phones` / `phones`; and list pages
`content` + `totalElements` + `totalPages` + `number` + `last` / `contents` + `total_items` +
`total_pages` + `page_number` + `last_page`.

What the standard has no field for (skill areas taught, offers, one-to-one or group, accessibility
of the service as a whole, how to refer and whether referrals are taken, residency and benefits
conditions) travels as taxonomy terms of our own vocabulary, `TAXONOMY`, each with a `code` such
as "skill_area:transacting" and, where there is one, a `value` on its attribute (the referral email
address, the capacity note). Terms of other vocabularies are kept as imported and written back.

Reading checks shape (types, ids, the organisation) and raises RecordProblem naming what is
wrong; the values themselves are checked by directory.clean_service, as for a hand edit."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timezone

from .directory import (LANGUAGE_NAMES, LocationInput, OrganisationInput, ScheduleInput, ServiceInput,
                        ServiceRecord)
from ..core.errors import ValidationError
from .referral_vocab import Accessibility, Delivery, ReferralMethod

TAXONOMY = "assisted-desk:digital-inclusion"  # our vocabulary's name in `taxonomy_term.taxonomy`
_NAMESPACE = uuid.UUID("6f1c2c52-4f0e-5b8e-9a57-2d4f3c1a8e10")  # for ids made from ours (uuid5)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:~@+-]{1,200}$")
_WEEKDAYS = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR",
             "saturday": "SA", "sunday": "SU"}
_LANGUAGE_CODES = {name.casefold(): code for code, name in LANGUAGE_NAMES.items()}


class RecordProblem(Exception):
    """One directory record cannot be read; the message says what is wrong with it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DirectoryService:
    """One service read from a directory, before its values are checked."""

    external_id: str
    organisation_external_id: str
    organisation: OrganisationInput
    service: ServiceInput


@dataclass(frozen=True)
class DirectoryPage:
    items: tuple
    total_items: int | None
    total_pages: int | None
    page_number: int | None
    last: bool | None


# ---- reading ------------------------------------------------------------------------------------

def read_page(payload) -> DirectoryPage:
    """A `/services` page in either shape; refuses anything else."""
    if not isinstance(payload, Mapping):
        raise RecordProblem("the answer is not a page of services (expected a JSON object)")
    if "contents" in payload:
        items, total, pages, number, last = (payload.get("contents"), payload.get("total_items"),
                                             payload.get("total_pages"), payload.get("page_number"),
                                             payload.get("last_page"))
    elif "content" in payload:
        items, total, pages, number, last = (payload.get("content"), payload.get("totalElements"),
                                             payload.get("totalPages"), payload.get("number"), payload.get("last"))
    else:
        raise RecordProblem("the answer has neither 'contents' (Open Referral UK 3) nor 'content' (version 1)")
    if not isinstance(items, list):
        raise RecordProblem("the page's list of services is not a list")

    def number_or_none(value, what):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RecordProblem(f"the page's {what} is not a whole number")
        return value

    return DirectoryPage(tuple(items), number_or_none(total, "total"), number_or_none(pages, "page count"),
                         number_or_none(number, "page number"), last if isinstance(last, bool) else None)


def record_id(record) -> str:
    """The id a listed record gives for itself; RecordProblem when it has none we can use."""
    if not isinstance(record, Mapping):
        raise RecordProblem("the record is not a JSON object")
    return _id(record.get("id"), "service id")


def _id(value, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RecordProblem(f"its {what} is missing or not text")
    text = str(value).strip()
    if not _SAFE_ID.match(text):
        raise RecordProblem(f"its {what} '{text[:60]}' is empty, too long or has characters that cannot be used "
                            "in a web address")
    return text


def _text(record: Mapping, key: str, what: str | None = None) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordProblem(f"its {what or key} is not text")
    return str(value).strip()


def _list(record: Mapping, key: str) -> list:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise RecordProblem(f"its {key} is not a list of objects")
    return value


def _number(value, what: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordProblem(f"its {what} is not a number")
    try:
        number = float(value)
    except (OverflowError, ValueError):  # an integer too large for a float
        raise RecordProblem(f"its {what} ({str(value)[:20]}) is not a number we can use") from None
    if not math.isfinite(number):  # Python's JSON reader accepts Infinity and NaN
        raise RecordProblem(f"its {what} ({value}) is not a number we can use")
    return number


def _age(value, what: str) -> int | None:
    number = _number(value, what)
    if number is None:
        return None
    if number != int(number):
        raise RecordProblem(f"its {what} ({value}) is not a whole number of years")
    return int(number)


def _terms(record: Mapping) -> list[tuple[str, str, str, str]]:
    """(vocabulary, code, name, value) of every taxonomy term, in either shape."""
    found = []
    for attribute in _list(record, "attributes"):
        term = attribute.get("taxonomy_term")
        if not isinstance(term, Mapping):
            continue
        vocabulary = _text(term, "taxonomy", "taxonomy") or _text(term, "vocabulary", "vocabulary")
        code = _text(term, "code", "term code") or _text(term, "id", "term id")
        found.append((vocabulary, code, _text(term, "term", "term") or _text(term, "name", "term name"),
                      _text(attribute, "value", "attribute value")))
    for link in _list(record, "service_taxonomys"):
        term = link.get("taxonomy")
        if not isinstance(term, Mapping):
            continue
        found.append((_text(term, "vocabulary", "vocabulary"), _text(term, "id", "term id"),
                      _text(term, "name", "term name"), ""))
    return found


def _address(location: Mapping) -> tuple[str, str]:
    addresses = _list(location, "addresses") or _list(location, "physical_addresses")
    if not addresses:
        return "", ""
    chosen = next((a for a in addresses if a.get("address_type") in (None, "physical")), addresses[0])
    lines = [_text(chosen, "address_1", "address")]
    lines += _text(chosen, "address_2", "address").split("\n")
    lines += [_text(chosen, "city", "town or city"), _text(chosen, "state_province", "county")]
    return "\n".join(line.strip() for line in lines if line and line.strip()), _text(chosen, "postal_code",
                                                                                      "postcode")


def _accessibility(location: Mapping) -> tuple[Accessibility, ...]:
    found = []
    for item in _list(location, "accessibility") + _list(location, "accessibility_for_disabilities"):
        for key in ("accessibility", "description"):
            words = _text(item, key, "accessibility")
            try:
                found.append(Accessibility.parse(words, field="accessibility", what="Accessibility"))
                break
            except ValidationError:
                continue  # words we have no code for
    return tuple(dict.fromkeys(found))


def _location(link: Mapping, n: int) -> LocationInput:
    location = link.get("location") if isinstance(link.get("location"), Mapping) else link
    address, postcode = _address(location)
    lat = _number(location.get("latitude"), f"place {n + 1} latitude")
    lon = _number(location.get("longitude"), f"place {n + 1} longitude")
    external = _text(location, "id", "place id")
    return LocationInput(_text(location, "name", "place name"), address, postcode, lat, lon,
                         _accessibility(location), external)


def _schedules(record: Mapping) -> list[ScheduleInput]:
    found = []
    for item in _list(record, "schedules"):
        found.append(ScheduleInput(_text(item, "byday", "schedule days"), _text(item, "opens_at", "opening time"),
                                   _text(item, "closes_at", "closing time"),
                                   _text(item, "description", "schedule description")))
    for item in _list(record, "regular_schedules"):
        weekday = _text(item, "weekday", "weekday")
        day = _WEEKDAYS.get(weekday.casefold(), weekday.upper()[:2] if weekday else "")
        found.append(ScheduleInput(day, _text(item, "opens_at", "opening time"),
                                   _text(item, "closes_at", "closing time"),
                                   _text(item, "description", "schedule description")))
    return found


def _languages(record: Mapping) -> list[str]:
    codes = []
    for item in _list(record, "languages"):
        code = _text(item, "code", "language code")
        name = _text(item, "name", "language") or _text(item, "language", "language")
        if not code and len(name) == 2:
            code = name
        code = code or _LANGUAGE_CODES.get(name.casefold(), "")
        if code:  # a language we have no code for (by name only) cannot be matched on; it is left out
            codes.append(code.lower())
    return codes


def _cost(record: Mapping) -> tuple[bool, str]:
    options = _list(record, "cost_options")
    for option in options:
        amount = _number(option.get("amount"), "cost")
        words = _text(option, "amount_description", "cost description") or _text(option, "option", "cost option")
        if (amount is not None and amount > 0) or (amount is None and words and words.casefold() != "free"):
            return False, words
    fees = _text(record, "fees", "fees")
    if not options and fees and "free" not in fees.casefold():
        return False, fees
    return True, ""


def read_service(record) -> DirectoryService:
    """Our fields from one full service record (ORUK 3 or version 1). Anything in it that cannot
    be read is a RecordProblem, so that one record is reported and skipped, never the whole import."""
    try:
        return _read_service(record)
    except (TypeError, ValueError, OverflowError) as exc:
        raise RecordProblem(f"it has a value that cannot be read ({str(exc)[:80]})") from None


def _read_service(record) -> DirectoryService:
    external_id = record_id(record)
    organisation = record.get("organization")
    if not isinstance(organisation, Mapping):
        raise RecordProblem("it names no organisation that runs it")
    org_id = _id(organisation.get("id"), "organisation id")
    org_name = _text(organisation, "name", "organisation name")
    if not org_name:
        raise RecordProblem("its organisation has no name")
    name = _text(record, "name", "name")
    if not name:
        raise RecordProblem("it has no name")

    phones = [_text(p, "number", "phone number") for p in _list(record, "phones")]
    for contact in _list(record, "contacts"):
        phones += [_text(p, "number", "phone number") for p in _list(contact, "phones")]
    org_phones = [_text(p, "number", "phone number") for p in _list(organisation, "phones")]

    ours: dict[str, str] = {}
    foreign = []
    for vocabulary, code, term_name, value in _terms(record):
        if vocabulary == TAXONOMY:
            ours[code] = value
        elif code or term_name:
            foreign.append({"vocabulary": vocabulary, "id": code, "name": term_name})

    def ours_with(prefix: str) -> list[str]:
        return [code.split(":", 1)[1] for code in ours if code.startswith(prefix + ":")]

    min_age = _age(record.get("minimum_age"), "minimum age")
    max_age = _age(record.get("maximum_age"), "maximum age")
    for rule in _list(record, "eligibilitys"):
        min_age = _age(rule.get("minimum_age"), "minimum age") if min_age is None else min_age
        max_age = _age(rule.get("maximum_age"), "maximum age") if max_age is None else max_age

    email, phone = _text(record, "email", "email"), (phones[0] if phones else "")
    methods = ours_with("referral_method")
    if methods:
        method = methods[0]
        contact = ours[f"referral_method:{method}"]
    else:  # a directory that does not say: referrals go the way the service can be reached
        method = ReferralMethod.EMAIL.value if email else ReferralMethod.PHONE.value if phone else ReferralMethod.SLIP.value
        contact = email if method == "email" else phone if method == "phone" else ""
    accepting = ours_with("accepting_referrals")
    is_free, cost_note = _cost(record)
    delivery = ours_with("delivery")

    service = ServiceInput(
        name=name, description=_text(record, "description", "description"), url=_text(record, "url", "web address"),
        email=email, phone=phone, status=_text(record, "status", "status") or "active",
        skill_areas=ours_with("skill_area"), offers=ours_with("offer"),
        delivery=delivery[0] if delivery else Delivery.EITHER.value, languages=_languages(record),
        accessibility=ours_with("accessibility"), is_free=is_free, cost_note=cost_note, min_age=min_age,
        max_age=max_age, residency_area=ours.get("residency_area", ""),
        benefits_required="benefits_required" in ours, eligibility_note=ours.get("eligibility_note", ""),
        referral_method=method,
        referral_email=contact if method == "email" else "",
        referral_phone=contact if method == "phone" else "",
        referral_api_url=contact if method == "api" else "",
        accepting_referrals=not accepting or accepting[0] != "no",
        capacity_note=ours.get(f"accepting_referrals:{accepting[0]}", "") if accepting else "",
        locations=tuple(_location(link, n) for n, link in enumerate(_list(record, "service_at_locations"))),
        schedules=tuple(_schedules(record)),
        taxonomy_terms=tuple(foreign),
    )
    org = OrganisationInput(org_name, _text(organisation, "description", "organisation description"),
                            _text(organisation, "email", "organisation email"),
                            org_phones[0] if org_phones else "",
                            _text(organisation, "website", "organisation website") or _text(organisation, "url",
                                                                                         "organisation website"))
    return DirectoryService(external_id, org_id, org, service)


# ---- writing ------------------------------------------------------------------------------------

def oruk_id(kind: str, source: str, key: str | None) -> str:
    """A UUID for a record (the schema asks for one): its own id when that already is one."""
    if key:
        try:
            return str(uuid.UUID(key))
        except ValueError:
            pass
    return str(uuid.uuid5(_NAMESPACE, f"{kind}|{source}|{key}"))


def _attribute(service_id: str, code: str, name: str, value: str = "", vocabulary: str = TAXONOMY) -> dict:
    term_id = str(uuid.uuid5(_NAMESPACE, f"term|{vocabulary}|{code}"))
    attribute = {"id": str(uuid.uuid5(_NAMESPACE, f"attribute|{service_id}|{vocabulary}|{code}")),
                 "link_id": service_id, "link_type": "service", "taxonomy_term_id": term_id,
                 "taxonomy_term": {"id": term_id, "taxonomy": vocabulary, "code": code, "term": name}}
    if value:
        attribute["value"] = value
    return attribute


def _time(value: str) -> str:
    return f"{value}:00" if value else ""


def service_to_oruk(record: ServiceRecord, area_titles: Mapping[str, str]) -> dict:
    """One service as an Open Referral UK 3 service object (with its organisation inside)."""
    key = record.external_id or f"local:{record.id}"
    sid = oruk_id("service", record.source, key)
    org_key = record.organisation_external_id or f"local:{record.organisation_id}"
    oid = oruk_id("organisation", record.source, org_key)
    organisation = {"id": oid, "name": record.organisation_name, "description": record.organisation_description}
    if record.organisation_email:
        organisation["email"] = record.organisation_email
    if record.organisation_phone:
        organisation["phones"] = [{"id": oruk_id("phone", oid, record.organisation_phone),
                                   "number": record.organisation_phone}]
    if record.organisation_url:
        organisation["website"] = record.organisation_url

    attributes = [_attribute(sid, f"skill_area:{code}", area_titles.get(code, code)) for code in record.skill_areas]
    attributes += [_attribute(sid, f"offer:{o.value}", o.label) for o in record.offers]
    attributes.append(_attribute(sid, f"delivery:{record.delivery.value}", record.delivery.label))
    attributes += [_attribute(sid, f"accessibility:{a.value}", a.label) for a in record.accessibility]
    contact = {ReferralMethod.API: record.referral_api_url, ReferralMethod.EMAIL: record.referral_email,
               ReferralMethod.PHONE: record.referral_phone}.get(record.referral_method, "")
    attributes.append(_attribute(sid, f"referral_method:{record.referral_method.value}",
                                 record.referral_method.label, contact))
    attributes.append(_attribute(sid, f"accepting_referrals:{'yes' if record.accepting_referrals else 'no'}",
                                 "Taking referrals" if record.accepting_referrals else "Not taking referrals",
                                 record.capacity_note))
    if record.residency_area:
        attributes.append(_attribute(sid, "residency_area", "For residents of", record.residency_area))
    if record.benefits_required:
        attributes.append(_attribute(sid, "benefits_required", "For people receiving benefits"))
    if record.eligibility_note:
        attributes.append(_attribute(sid, "eligibility_note", "Who can use it", record.eligibility_note))
    for term in record.taxonomy_terms:
        attributes.append(_attribute(sid, str(term.get("id", "")), str(term.get("name", "")),
                                     vocabulary=str(term.get("vocabulary") or "unknown")))

    service: dict = {"id": sid, "organization_id": oid, "name": record.name, "description": record.description,
                     "status": record.status}
    if record.url:
        service["url"] = record.url
    if record.email:
        service["email"] = record.email
    if record.min_age is not None:
        service["minimum_age"] = record.min_age
    if record.max_age is not None:
        service["maximum_age"] = record.max_age
    updated = record.updated_at.astimezone(timezone.utc)
    service["last_modified"] = updated.strftime("%Y-%m-%dT%H:%M:%S.") + f"{updated.microsecond // 1000:03d}Z"
    if record.phone:
        service["phones"] = [{"id": oruk_id("phone", sid, record.phone), "number": record.phone}]
    if record.is_free:
        service["cost_options"] = [{"id": oruk_id("cost", sid, "free"), "option": "Free", "amount": 0}]
    else:
        words = record.cost_note or "There is a charge"
        service["cost_options"] = [{"id": oruk_id("cost", sid, "charge"), "option": words,
                                    "amount_description": words}]
    service["languages"] = [{"id": oruk_id("language", sid, code), "code": code,
                             "name": _language_name(code)} for code in record.languages]
    schedules = []
    for n, s in enumerate(record.schedules):
        item = {"id": oruk_id("schedule", sid, str(n)), "service_id": sid}
        if s.byday:
            item.update(freq="WEEKLY", byday=s.byday)
        if s.opens_at:
            item["opens_at"] = _time(s.opens_at)
        if s.closes_at:
            item["closes_at"] = _time(s.closes_at)
        if s.description:
            item["description"] = s.description
        schedules.append(item)
    service["schedules"] = schedules
    places = []
    for n, place in enumerate(record.locations):
        lid = oruk_id("location", sid, place.external_id or str(n))
        location: dict = {"id": lid, "name": place.name}
        if place.latitude is not None:
            location["latitude"], location["longitude"] = place.latitude, place.longitude
        lines = [line for line in place.address.split("\n") if line]
        if lines or place.postcode:
            location["addresses"] = [{
                "id": oruk_id("address", lid, "physical"), "location_id": lid,
                "address_1": lines[0] if lines else "", "address_2": "\n".join(lines[1:-1]),
                "city": lines[-1] if len(lines) > 1 else "", "state_province": "", "postal_code": place.postcode,
                "country": "GB", "address_type": "physical"}]
        location["accessibility"] = [{"id": oruk_id("accessibility", lid, a.value), "location_id": lid,
                                      "description": a.label, "accessibility": a.value} for a in place.accessibility]
        places.append({"id": oruk_id("service_at_location", sid, lid), "service_id": sid, "location_id": lid,
                       "location": location})
    service["service_at_locations"] = places
    service["organization"] = organisation
    service["attributes"] = attributes
    return service


def _language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def list_page(services: list[dict], *, page_number: int = 1, total_items: int | None = None,
              per_page: int | None = None) -> dict:
    """An Open Referral UK 3 `/services` list page around these services."""
    total = len(services) if total_items is None else total_items
    size = per_page or max(len(services), 1)
    pages = max(1, -(-total // size))
    return {"total_items": total, "total_pages": pages, "page_number": page_number, "size": len(services),
            "first_page": page_number == 1, "last_page": page_number >= pages, "empty": total == 0,
            "contents": services}
