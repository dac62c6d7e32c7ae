"""The request declarations: read from resources/, checked, and used to check what staff type."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assisted_desk.core.errors import ValidationError
from assisted_desk.desk.catalogue import read_seed
from assisted_desk.desk.request_forms import (
    DeclarationError,
    RequestDeclarations,
    check_request_fields,
    shipped_declarations,
)

TODAY = date(2026, 11, 23)


def test_the_shipped_requests_cover_what_residents_ask_the_desk_to_do():
    declared = shipped_declarations()
    assert {t.code for t in declared.types} >= {"missed_bin", "street_problem", "parking_permit", "council_tax_move",
                                                "housing_repair", "new_bin"}
    catalogue = {code for code, _name in read_seed()}
    for kind in declared.types:
        assert kind.service_code in catalogue, kind.code
        assert kind.fields and all(f.label and f.type for f in kind.fields)
        for item in kind.fields:
            if item.type == "choice":
                assert len({v for v, _l in item.choices}) == len(item.choices)
    assert [t.code for t in declared.for_service("waste_recycling")] == ["missed_bin", "new_bin"]


def test_every_kind_of_field_is_read_as_the_back_office_wants_it():
    parking = shipped_declarations().get("parking_permit")
    assert check_request_fields(parking, {
        "application": "Renewal", "vehicle_registration": " ab12 cde ", "vehicle_make": "Škoda Fabia",
        "start_date": "15/1/27", "blue_badge": "yes"}, today=TODAY) == {
        "application": "renewal", "vehicle_registration": "AB12 CDE", "vehicle_make": "Škoda Fabia",
        "start_date": "2027-01-15", "blue_badge": True}
    move = shipped_declarations().get("council_tax_move")
    values = check_request_fields(move, {
        "move_type": "within", "move_date": "2026-11-01", "new_address": "Flat 3\r\n5 Mile End Road",
        "new_postcode": "e14bs", "adults_at_new_address": "2"}, today=TODAY)
    assert values == {"move_type": "within", "move_date": "2026-11-01", "new_address": "Flat 3\n5 Mile End Road",
                      "new_postcode": "E1 4BS", "adults_at_new_address": 2}
    street = shipped_declarations().get("street_problem")
    assert check_request_fields(street, {"problem": "pothole", "location": "Outside 4 Brick Lane",
                                         "description": "Deep hole"}, today=TODAY)["dangerous"] is False


@pytest.mark.parametrize(("code", "values", "field", "message"), [
    ("parking_permit", {"vehicle_registration": "AB-12!"}, "vehicle_registration", "as on the number plate"),
    ("parking_permit", {"start_date": "22/11/2026"}, "start_date", "too early"),
    ("council_tax_move", {"adults_at_new_address": "0"}, "adults_at_new_address", "from 1 to 20"),
    ("council_tax_move", {"adults_at_new_address": "two"}, "adults_at_new_address", "not a whole number"),
    ("council_tax_move", {"new_postcode": "12345"}, "new_postcode", "not a UK postcode"),
    ("council_tax_move", {"account_number": "12ab"}, "account_number", "6 to 12 digits"),
    ("street_problem", {"location": "line one\nline two"}, "location", "is one line"),
    ("street_problem", {"dangerous": "perhaps"}, "dangerous", "answer yes or no"),
])
def test_bad_values_are_refused_naming_the_field_and_what_is_allowed(code, values, field, message):
    base = {
        "parking_permit": {"application": "new", "vehicle_registration": "AB12 CDE", "vehicle_make": "Ford",
                           "start_date": "23/11/2026"},
        "council_tax_move": {"move_type": "into", "move_date": "01/11/2026", "new_address": "1 High St",
                             "new_postcode": "E1 6AN", "adults_at_new_address": "1"},
        "street_problem": {"problem": "graffiti", "location": "Park gate", "description": "Tags on the wall"},
    }[code]
    with pytest.raises(ValidationError, match=message) as refused:
        check_request_fields(shipped_declarations().get(code), {**base, **values}, today=TODAY)
    assert refused.value.field == field


def _declare(tmp_path, requests, raw: str | None = None):
    path = tmp_path / "service_requests.json"
    path.write_text(raw if raw is not None else json.dumps({"requests": requests}, indent=2), encoding="utf-8")
    return path


def _one(**field):
    item = {"name": "what", "label": "What", "type": "text"}
    item.update(field)
    return [{"code": "fix_it", "service": "housing", "name": "Fix it", "fields": [item]}]


@pytest.mark.parametrize(("requests", "message"), [
    (_one(type="colour"), "field 'what' of 'fix_it' has type 'colour'; known types are text"),
    (_one(type="choice"), "is a choice: give \"choices\""),
    (_one(pattern="[a-"), "\"pattern\" is not a regular expression"),
    (_one(pattern="^a$"), "has a pattern but no \"pattern_help\""),
    (_one(max_length="long"), "\"max_length\" must be a whole number"),
    (_one(label=""), "needs a \"label\""),
    ([{"code": "Fix It", "service": "housing", "name": "x", "fields": []}], "must be lower-case letters"),
    ([{"code": "fix_it", "service": "housing", "name": "x", "fields": []}], "needs a list of \"fields\""),
    ([{"code": "fix_it", "service": "housing", "name": "x", "fields": [{"name": "a", "label": "A", "type": "text"}],
       "resident_details": {"required": ["shoe_size"]}}], "asks for resident detail 'shoe_size'"),
])
def test_a_mistake_in_the_declarations_names_the_file_the_line_and_the_problem(tmp_path, requests, message):
    path = _declare(tmp_path, requests)
    with pytest.raises(DeclarationError) as broken:
        RequestDeclarations.read(path)
    assert message in str(broken.value)
    assert str(broken.value).startswith("service_requests.json, line ")
    assert broken.value.line is not None and 1 <= broken.value.line <= len(path.read_text().splitlines())


def test_broken_json_is_reported_with_its_line(tmp_path):
    path = _declare(tmp_path, None, raw='{\n  "requests": [\n    {"code": "x",,}\n  ]\n}\n')
    with pytest.raises(DeclarationError, match=r"service_requests.json, line 3: is not valid JSON"):
        RequestDeclarations.read(path)


def test_a_duplicate_code_or_field_is_reported(tmp_path):
    twice = _one() + _one()
    with pytest.raises(DeclarationError, match="request code 'fix_it' is declared twice") as broken:
        RequestDeclarations.read(_declare(tmp_path, twice))
    assert broken.value.line > 2
    doubled = [{"code": "fix_it", "service": "housing", "name": "x",
                "fields": [{"name": "ab", "label": "A", "type": "text"}, {"name": "ab", "label": "B", "type": "text"}]}]
    with pytest.raises(DeclarationError, match="declares field 'ab' twice"):
        RequestDeclarations.read(_declare(tmp_path, doubled))
