"""The back-office interface (resources/backoffice/openapi-v1.yaml) is a valid OpenAPI 3.1
document, covers every request the desk declares, and what the desk really sends, and what the
test back office answers, follow it."""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import timedelta

import pytest
import requests
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from sqlalchemy import select

from assisted_desk.core.paths import resources_dir
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.representatives import RepresentativeInput, london_today
from assisted_desk.desk.request_forms import shipped_declarations
from assisted_desk.desk.submission_models import Submission
from assisted_desk.desk.submissions import RequestInput
from assisted_desk.desk.vocab import ConsentPurpose, HelpType

from ..backoffice_server import load_document, schema_validator
from .attachment_files import jpeg, pdf, png
from .contact_fixtures import contact
from .submission_fixtures import requester, submit_missed_bin

# Values for text fields with a pattern (the rest are made from the field's type).
PATTERNED = {"vehicle_registration": "AB12 CDE", "account_number": "12345678"}


def test_the_document_is_valid_openapi_3_1():
    document = load_document()
    assert document["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(document).validate()
    assert set(document["paths"]) == {"/v1/health", "/v1/service-requests", "/v1/service-requests/changes",
                                      "/v1/service-requests/{reference}"}


def test_a_broken_document_would_be_caught():
    broken = copy.deepcopy(load_document())
    broken["paths"]["/v1/service-requests/{reference}"]["get"]["parameters"][0]["in"] = "body"
    with pytest.raises(OpenAPIValidationError):
        OpenAPIV31SpecValidator(broken).validate()


def test_every_declared_request_belongs_to_a_catalogue_service_and_fits_the_interface():
    catalogue = {s["code"] for s in json.loads((resources_dir() / "service_catalogue.json").read_text("utf-8"))
                 ["services"]}
    code = load_document()["components"]["schemas"]["ServiceRequest"]["properties"]["service_code"]["pattern"]
    declared = shipped_declarations().types
    assert len(declared) >= 6
    for kind in declared:
        assert kind.service_code in catalogue, kind.code
        assert re.fullmatch(code, kind.code), kind.code


def typed_value(services, field):
    today = london_today(services.clock)
    if field.type == "choice":
        return field.choices[-1][0]
    if field.type == "date":
        earliest = field.earliest_days if field.earliest_days is not None else -30
        latest = field.latest_days if field.latest_days is not None else 30
        return (today + timedelta(days=max(earliest, min(latest, 1)))).isoformat()
    if field.type == "number":
        return field.minimum if field.minimum is not None else 2
    if field.type == "yes_no":
        return True
    if field.type == "postcode":
        return "e1 6an"
    if field.type == "phone":
        return "020 7946 0000"
    if field.type == "email":
        return "Łukasz.Żółć@example.org"
    if field.name in PATTERNED:
        return PATTERNED[field.name]
    return "Przy bramie — بجانب البوابة" if field.type == "long_text" else "Near the library"


def built_payload(services, submission_id: int) -> dict:
    """What the sender would send for this request: `OutboxSender._payload`, as it claims it."""
    with services.db.unit_of_work() as session:
        row = session.scalar(select(Submission).where(Submission.id == submission_id))
        return services.outbox._payload(session, row)


def test_what_the_desk_sends_for_every_request_type_follows_the_interface(services, admin):
    validator = schema_validator("ServiceRequest")
    declared = shipped_declarations().types
    resident = requester(services, admin, "محمد", "الحسن", services_=sorted({k.service_code for k in declared}),
                         email="m.alhassan@example.org", preferred_language="Arabic")
    files = [AttachmentInput("scan.pdf", pdf("Tenancy")), AttachmentInput("photo.jpg", jpeg()),
             AttachmentInput("bin.png", png())]
    for kind in declared:
        fields = {f.name: typed_value(services, f) for f in kind.fields}
        receipt = services.submissions.submit(
            admin, contact(resident, kind.service_code, help_type=HelpType.ON_BEHALF),
            RequestInput(kind.code, fields, files))
        body = built_payload(services, receipt.submission_id)
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
        assert errors == [], kind.code
        assert body["service_code"] == kind.code and body["desk_reference"] == receipt.submission_reference
        assert [a["media_type"] for a in body["attachments"]] == ["application/pdf", "image/jpeg", "image/png"]
        assert set(body["resident"]) <= {"given_name", "family_name", *kind.required_details,
                                         *kind.optional_details}
        assert set(kind.required_details) <= set(body["resident"])


def test_a_request_made_with_a_representative_names_them(services, admin):
    resident = requester(services, admin, "પ્રિયા", "પટેલ", services_=())
    rep = services.consent.add_representative(admin, resident, RepresentativeInput("Anna Kowalska", "carer",
                                                                                    scope=("*",)))
    services.consent.record_consent(admin, resident, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "waste_recycling",
                                                                  "written", representative_id=rep.id))
    receipt = services.submissions.submit(
        admin, contact(resident, "waste_recycling", help_type=HelpType.ON_BEHALF, representative_id=rep.id),
        RequestInput("missed_bin", {"bin_type": "food", "collection_date": london_today(services.clock).isoformat(),
                                    "bin_left_at": "bin_store"}))
    body = built_payload(services, receipt.submission_id)
    assert schema_validator("ServiceRequest").is_valid(body)
    assert body["on_behalf"] == {"basis": "representative", "representative_name": "Anna Kowalska"}


def test_the_test_back_office_answers_as_the_document_says(services, admin, connected, clock, tmp_path):
    receipt = submit_missed_bin(services, admin, requester(services, admin),
                                attachments=[AttachmentInput("bin.png", png())])
    body = built_payload(services, receipt.submission_id)
    ca = tmp_path / "ca.pem"
    ca.write_text(connected.ca_pem, encoding="ascii")
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise win over `verify`
    session.verify = str(ca)
    session.headers["Authorization"] = f"Bearer {connected.token}"
    url = connected.base_url + "/v1"

    def check(response, status: int, schema: str) -> dict:
        assert response.status_code == status, response.text
        answer = response.json()
        assert schema_validator(schema).is_valid(answer), (schema, answer)
        return answer

    key = str(uuid.uuid4())
    created = check(session.post(url + "/service-requests", json=body, headers={"Idempotency-Key": key}), 201,
                    "Acknowledgement")
    again = check(session.post(url + "/service-requests", json=body, headers={"Idempotency-Key": key}), 200,
                  "Acknowledgement")
    assert again["reference"] == created["reference"]
    check(session.post(url + "/service-requests", json={**body, "fields": {}}, headers={"Idempotency-Key": key}),
          409, "Problem")
    refused = check(session.post(url + "/service-requests", json={**body, "attachments": "none"},
                                 headers={"Idempotency-Key": str(uuid.uuid4())}), 422, "Problem")
    assert refused["errors"][0]["field"] == "attachments"
    check(session.post(url + "/service-requests", json=body), 400, "Problem")
    connected.add_change(created["reference"], "in_progress", "Booked")
    check(session.get(url + f"/service-requests/{created['reference']}"), 200, "RequestStatus")
    check(session.get(url + "/service-requests/BO-0"), 404, "Problem")
    check(session.get(url + "/service-requests/changes", params={"limit": 1}), 200, "ChangePage")
    check(session.get(url + "/health"), 200, "Health")
    check(session.get(url + "/health", headers={"Authorization": "Bearer wrong"}), 401, "Problem")
    connected.fail(503, retry_after="10", times=1)
    response = session.get(url + "/health")
    check(response, 503, "Problem")
    assert response.headers["Retry-After"] == "10"
    session.close()
