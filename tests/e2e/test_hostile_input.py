"""Hostile HTTP input to the sample service under real gunicorn, on the server under test:
NaN in JSON, escapes that are not UTF-8, bodies past the limit, megabytes of invalid input, and
schemathesis over every route of its OpenAPI schema. None of it is answered 500."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from fastapi_aerospike.settings import DEFAULT_MAX_REQUEST_BODY_BYTES
from tests.e2e.test_sample_gunicorn import PROFILE, Gunicorn

JSON = {"content-type": "application/json"}
EXAMPLES_PER_OPERATION = 30
ANSWER_LIMIT_BYTES = 4096
"""A 422 names the fields at fault; it never sends the input back."""


@pytest.fixture(scope="module")
def service(
    aerospike_hosts: list[tuple[str, int]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gunicorn]:
    server = Gunicorn(aerospike_hosts, tmp_path_factory.mktemp("hostile"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
    assert "Traceback" not in server.output(), server.output()


@pytest.fixture
def http(service: Gunicorn) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=30) as client:
        yield client


def test_nan_and_infinity_in_a_json_body_are_answered_422(http: httpx.Client) -> None:
    person = uuid.uuid4().hex
    assert http.put(f"/profiles/{person}", json=PROFILE).status_code == 201
    for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
        for field in ("rating", "age", "score"):
            body = '{"name": "A", "email": "a@b.c", "age": 3, "FIELD": VALUE}'
            body = body.replace('"FIELD": VALUE', f'"{field}": {literal}')
            if field == "age":
                body = body.replace('"age": 3, ', "")
            put = http.put(f"/profiles/{person}", content=body, headers=JSON)
            patch = http.patch(
                f"/profiles/{person}",
                content=f'{{"{field}": {literal}}}',
                headers={**JSON, "If-Match": '"1"'},
            )
            assert (put.status_code, patch.status_code) == (422, 422), (literal, field)
    assert http.get(f"/profiles/{person}").json()["generation"] == 1


def test_escapes_that_are_not_utf8_never_reach_a_record(http: httpx.Client) -> None:
    """Decoded leniently, %FF and %FE both become U+FFFD: one record for three URLs."""
    person = uuid.uuid4().hex
    assert http.put(f"/profiles/{person}%EF%BF%BD", json=PROFILE).status_code == 201
    assert http.get(f"/profiles/{person}%EF%BF%BD").json()["id"] == f"{person}\ufffd"
    for escape in ("%FF", "%FE", "%C3%28", "%ED%A0%80"):
        for request in (
            http.build_request("GET", f"/profiles/{person}{escape}"),
            http.build_request("PUT", f"/profiles/{person}{escape}", json=PROFILE),
            http.build_request("DELETE", f"/profiles/{person}{escape}"),
            http.build_request("POST", f"/profiles/{person}{escape}/visits"),
            http.build_request("GET", f"/features?ids={person}{escape}"),
        ):
            answer = http.send(request)
            assert answer.status_code in (400, 404), (request.url, answer.status_code)
    assert http.get(f"/profiles/{person}%EF%BF%BD").json()["generation"] == 1


def test_a_body_past_the_limit_is_answered_413_before_it_is_read(http: httpx.Client) -> None:
    person = uuid.uuid4().hex
    oversized = b"{" + b" " * DEFAULT_MAX_REQUEST_BODY_BYTES + b"}"

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(oversized), 65536):
            yield oversized[start : start + 65536]

    for content in (oversized, chunks()):
        answer = http.put(f"/profiles/{person}", content=content, headers=JSON)
        assert answer.status_code == 413
        assert answer.json()["detail"][0]["type"] == "request_too_large"
    assert http.get(f"/profiles/{person}").status_code == 404
    fits = PROFILE | {"email": "a@b.c" + " " * (DEFAULT_MAX_REQUEST_BODY_BYTES - 200)}
    assert http.put(f"/profiles/{person}", json=fits).status_code == 422


def test_a_422_does_not_send_megabytes_of_input_back(http: httpx.Client) -> None:
    person = uuid.uuid4().hex
    megabyte = "x" * (DEFAULT_MAX_REQUEST_BODY_BYTES - 100)
    for body in (
        PROFILE | {"name": megabyte},  # too long a field: its input clipped
        {"junk": megabyte},  # missing fields: their input is the whole body
        {megabyte: 1},
        [megabyte],
    ):
        answer = http.put(f"/profiles/{person}", json=body)
        assert answer.status_code == 422
        assert len(answer.content) < ANSWER_LIMIT_BYTES, answer.text[:300]
    long_query = http.put(f"/profiles/{person}", json=PROFILE, params={"ttl": "9" * 50_000})
    assert (long_query.status_code, len(long_query.content) < ANSWER_LIMIT_BYTES) == (422, True)


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_no_generated_request_to_any_route_is_answered_500(
    service: Gunicorn, mode: GenerationMode
) -> None:
    """Every operation of the schema, with inputs that fit it (positive) and that do not
    (negative), the same ones each run and bounded in number: never a server error.

    schemathesis's pytest loader does not run on this pytest, so its strategies are driven by
    hypothesis here."""
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7  # CRUD, visits, features, search

    skipped: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def never_500(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=service.url, checks=[not_a_server_error], timeout=30)

        try:
            never_500()
        except Unsatisfiable:
            # An operation whose only input is a free-text id (get, delete, visit a profile)
            # has no request that breaks its schema.
            if mode is GenerationMode.POSITIVE:
                raise
            skipped.append(operation.label)
    assert len(skipped) < len(operations) / 2, skipped
