"""The OpenAPI document against the live app, checked by independent tools:
openapi-spec-validator says it is valid OpenAPI 3.1, and schemathesis
generates requests from it (valid ones, and invalid ones) for every operation,
sends them to the app with a real token, and checks each answer against the
document: no server error, a documented status, the documented content type,
headers and body schema. Derandomised and bounded: the same requests each run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.accreditation.decisions import record_decision
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import Coverage, OrgUnit, OrgUnitGroup
from tests.helpers import TALLY, bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 30, schemathesis.GenerationMode.NEGATIVE: 20}


class OwnContext:
    """The app as a server runs it: each request in an app context of its own
    (the test's own context would otherwise be shared, with its session)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return self.app(environ, start_response)


@pytest.fixture
def served(app, world, make_token):
    """The world, with the rows every field needs (coverage of each kind, a
    decided cycle), a token that reads everything, and no rate in the way."""
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    country = OrgUnit(id="C1", name="Republic", level=1, path="/C1", search_key="republic")
    district = OrgUnit(
        id="D1", name="Lakeside", parent_id="C1", level=3, path="/C1/D1", search_key="lakeside"
    )
    group = OrgUnitGroup(id="G1", name="Border clinics")
    db.session.add_all([country, district, group])
    start = date(2026, 1, 1)
    db.session.add_all(
        [
            Coverage(partner_id=world.a.partner.id, org_unit_id="D1", district_id="D1",
                     starts_on=start, ends_on=start + timedelta(days=90)),
            Coverage(partner_id=world.a.partner.id, org_unit_group_id="G1", starts_on=start),
            Coverage(partner_id=world.b.partner.id, nationwide=True, starts_on=start),
        ]
    )  # fmt: skip
    db.session.commit()
    today = local_today()
    record_decision(world.admin, world.b.accreditation, "not_accredited", "Not yet.", None, today)
    return make_token()


def test_the_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_live_app_answers_as_its_document_says(app, served, make_token):
    wsgi = OwnContext(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    partners_only = make_token(["partners"], name="Partners only")
    # Every operation with a token that reads all (valid and invalid requests), with
    # one that reads only partners (403 elsewhere), and with whatever Authorization
    # header schemathesis makes up (401).
    runs = [(mode, count, bearer(served)) for mode, count in EXAMPLES.items()]
    runs += [(schemathesis.GenerationMode.POSITIVE, 5, bearer(partners_only))]
    runs += [(schemathesis.GenerationMode.POSITIVE, 5, None)]
    sent = 0
    for operation in operations:
        for mode, count, headers in runs:
            strategy = operation.as_strategy(mode, headers=headers)

            @settings(
                max_examples=count,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def check(case):
                nonlocal sent
                case.call_and_validate(app=wsgi, checks=CHECKS)
                sent += 1

            check()
    # And past its rate: the 429s with their Retry-After, as documented.
    app.config["API_RATE_LIMIT"] = "2 per hour"
    throttled = bearer(make_token(name="Throttled"))

    @settings(max_examples=6, derandomize=True, database=None, deadline=None)
    @given(case=operations[0].as_strategy(schemathesis.GenerationMode.POSITIVE, headers=throttled))
    def past_the_rate(case):
        nonlocal sent
        statuses.append(case.call_and_validate(app=wsgi, checks=CHECKS).status_code)
        sent += 1

    statuses: list[int] = []
    past_the_rate()
    assert statuses.count(429) >= 3, statuses
    TALLY.count("schemathesis requests", sent)
    assert sent >= len(operations) * 50
