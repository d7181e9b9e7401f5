"""The API answers what its OpenAPI description says, read from the served
`/api/v1/openapi.json`: real answers over real rows, every error answer, and
generated requests (schemathesis) for every operation."""

import copy
import datetime

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks
from schemathesis.core.failures import FailureGroup

from search.backend import search_backend
from search.documents import public_documents
from tests import factories

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_headers_conformance,
    st_checks.response_schema_conformance,
    st_checks.negative_data_rejection,
]


pytestmark = pytest.mark.usefixtures("empty_cache")


@pytest.fixture
def records(warning_index, categories):
    """One of everything the API shows, with the optional parts empty too."""
    page = factories.warning(level=3, origins=["US"], hazards=["physical"])
    factories.change_level(page, 1)
    factories.lift(page)
    factories.warning(kind="trade_advisory", title_en="")
    factories.warning(kind="port_bulletin")
    factories.recall(
        category=categories["toys-electric"], origin="CN", units=1200, brand="Zoomer"
    )
    factories.recall(recall_date=None, hazard="", remedy="")
    factories.blacklist_entry(removal_due_on=datetime.date(2029, 10, 1))
    search_backend().rebuild(public_documents())


@pytest.fixture
def api_schema(db):
    # Requests go straight to the WSGI application; as Django's test client
    # does, keep it from closing the connection that holds the test's
    # transaction at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def strict_copy(raw):
    """The description with `additionalProperties: false` on every object it
    describes, so that a field the API sends but the description does not
    name fails a check. (The served description stays open: a client must
    not break when a field is added.)"""
    strict = copy.deepcopy(raw)

    def close(node):
        if isinstance(node, dict):
            if (
                node.get("type") == "object"
                and "properties" in node
                and "additionalProperties" not in node
            ):
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(strict["components"])
    for operations in strict["paths"].values():
        for operation in operations.values():
            close(operation["responses"])
    return strict


@pytest.fixture
def strict_schema(api_schema):
    return schemathesis.openapi.from_dict(strict_copy(api_schema.raw_schema))


def answer(api_schema, path, query=None, headers=None, strict_schema=None):
    case = api_schema[path]["GET"].Case(query=query or {}, headers=headers or {})
    response = case.call()
    case.validate_response(response, checks=CHECKS)
    if strict_schema is not None:
        strict_case = strict_schema[path]["GET"].Case(
            query=query or {}, headers=headers or {}
        )
        strict_case.validate_response(response, checks=CHECKS)
    return response


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/warnings", {}),
        ("/api/v1/warnings", {"status": "lifted", "origin": "US"}),
        ("/api/v1/warnings", {"limit": "1"}),
        ("/api/v1/recalls", {}),
        ("/api/v1/recalls", {"q": "Zoomer", "category": "toys"}),
        ("/api/v1/blacklist", {}),
        ("/api/v1/search", {}),
        ("/api/v1/search", {"q": "电动玩具"}),
        ("/api/v1/search", {"type": "warning", "limit": "1"}),
        ("/api/v1/search", {"type": "recall", "sort": "date"}),
    ],
)
def test_real_answers_match_the_description(
    records, api_schema, strict_schema, path, query
):
    response = answer(api_schema, path, query, strict_schema=strict_schema)

    assert response.status_code == 200
    assert response.json()["items"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/warnings", {"level": "9"}),
        ("/api/v1/recalls", {"cursor": "not-ours"}),
        ("/api/v1/search", {"type": "everything"}),
        ("/api/v1/search", {"limit": "51"}),
        ("/api/v1/search", {"level": "i"}),
        ("/api/v1/search", {"origin": "cn"}),
    ],
)
def test_error_answers_match_the_description(db, api_schema, path, query):
    response = answer(api_schema, path, query)

    assert response.status_code == 400


def test_a_429_matches_the_description(db, api_schema, settings):
    settings.HERALD_API_RATE_LIMIT = "1/60"
    answer(api_schema, "/api/v1/warnings")

    response = answer(api_schema, "/api/v1/warnings")

    assert response.status_code == 429


def test_the_check_fails_when_the_api_and_its_description_drift(records, api_schema):
    response = api_schema["/api/v1/warnings"]["GET"].Case().call()
    drifted = copy.deepcopy(api_schema.raw_schema)
    warning = drifted["components"]["schemas"]["Warning"]
    warning["properties"]["risk_score"] = {"type": "number"}
    warning["required"].append("risk_score")
    drifted_schema = schemathesis.openapi.from_dict(drifted)
    case = drifted_schema["/api/v1/warnings"]["GET"].Case()

    with pytest.raises(FailureGroup, match="risk_score"):
        case.validate_response(response, checks=CHECKS)


def test_a_field_the_api_adds_without_its_description_fails_the_check(
    records, api_schema, strict_schema, monkeypatch
):
    from alerts import api

    described = api.recall_data
    monkeypatch.setattr(
        api, "recall_data", lambda recall: {**described(recall), "risk_score": 0.5}
    )
    response = api_schema["/api/v1/recalls"]["GET"].Case().call()
    case = strict_schema["/api/v1/recalls"]["GET"].Case()

    assert "risk_score" in response.json()["items"][0]
    with pytest.raises(FailureGroup, match="risk_score"):
        case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/warnings", "/api/v1/recalls", "/api/v1/blacklist", "/api/v1/search"],
)
def test_a_304_and_its_etag_match_the_description(
    records, api_schema, strict_schema, path
):
    first = answer(api_schema, path, strict_schema=strict_schema)
    etag = first.headers["etag"][0]

    again = answer(
        api_schema, path, headers={"If-None-Match": etag}, strict_schema=strict_schema
    )

    assert again.status_code == 304
    assert again.headers["etag"] == [etag]
    assert again.headers["access-control-allow-origin"] == ["*"]
    operation = api_schema.raw_schema["paths"][path]["get"]
    assert "ETag" in operation["responses"]["200"]["headers"]
    assert "304" in operation["responses"]
    assert {"name": "If-None-Match", "in": "header"}.items() <= next(
        p for p in operation["parameters"] if p["name"] == "If-None-Match"
    ).items()


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/openapi.json"])
def test_the_index_and_the_description_are_described_too(
    db, api_schema, strict_schema, path
):
    response = answer(api_schema, path, strict_schema=strict_schema)

    assert response.status_code == 200
    assert response.json()


def test_the_description_lists_the_category_codes_the_api_accepts(api_schema):
    parameters = api_schema.raw_schema["paths"]["/api/v1/warnings"]["get"]["parameters"]

    (category,) = [p for p in parameters if p["name"] == "category"]
    codes = category["schema"]["enum"]
    assert "toys" in codes
    assert "toys-electric" in codes


generated = schemathesis.pytest.from_fixture("api_schema")


@generated.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_answers_the_description_allows(case, records):
    # Generated requests come from one client: lift its rate for the run.
    cache.clear()

    response = case.call()

    case.validate_response(response, checks=CHECKS)
