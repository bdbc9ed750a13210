"""What install() adds against hostile input, on an app of its own: the body limit from its
setting (Content-Length and chunked bodies alike), URLs that are not UTF-8, bounded 422s."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.requests import Request

from fastapi_aerospike import AerospikeSettings, install
from fastapi_aerospike.request_guard import MAX_ECHOED_CHARACTERS, MAX_VALIDATION_ERRORS
from fastapi_aerospike.testing import serving

LIMIT = 1000
JSON = {"content-type": "application/json"}


class Numbers(BaseModel):
    values: list[int]
    label: str


@pytest.fixture
def aerospike_app(aerospike_settings: AerospikeSettings) -> FastAPI:
    app = FastAPI()
    settings = AerospikeSettings(hosts=aerospike_settings.hosts, max_request_body_bytes=LIMIT)
    install(app, settings)

    @app.post("/numbers")
    async def numbers(body: Numbers) -> dict[str, int]:
        return {"count": len(body.values)}

    @app.get("/items/{item}")
    async def item(item: str, tag: str = "") -> dict[str, str]:
        return {"item": item, "tag": tag}

    return app


def too_large() -> dict[str, object]:
    return {
        "detail": [
            {
                "type": "request_too_large",
                "msg": "The request body is larger than this service accepts.",
            }
        ]
    }


async def test_a_body_over_the_setting_is_answered_413_by_its_length_or_as_it_arrives(
    aerospike_http_client: httpx.AsyncClient,
) -> None:
    http = aerospike_http_client
    fits = b'{"values": [1], "label": "' + b"x" * (LIMIT - 40) + b'"}'
    assert (await http.post("/numbers", content=fits, headers=JSON)).status_code == 200
    declared = await http.post("/numbers", content=b"[" + b"1," * LIMIT + b"1]", headers=JSON)
    assert (declared.status_code, declared.json()) == (413, too_large())

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"values": ['
        for _ in range(LIMIT):
            yield b"1,"
        yield b'1], "label": "x"}'

    chunked = await http.post("/numbers", content=chunks(), headers=JSON)
    assert (chunked.status_code, chunked.json()) == (413, too_large())


async def test_escapes_that_are_not_utf8_are_answered_400_in_the_path_and_the_query(
    aerospike_http_client: httpx.AsyncClient,
) -> None:
    http = aerospike_http_client
    replacement = await http.get("/items/a%EF%BF%BD", params={"tag": "\ufffd"})
    assert replacement.json() == {"item": "a\ufffd", "tag": "\ufffd"}
    for url in ("/items/a%FF", "/items/a%FE", "/items/a%C3", "/items/a?tag=%FF"):
        answer = await http.get(url)
        assert answer.status_code == 400, url
        assert answer.json()["detail"][0]["type"] == "invalid_url_encoding"


async def test_a_422_is_bounded_in_errors_and_echoed_input_and_carries_no_nan(
    aerospike_http_client: httpx.AsyncClient,
) -> None:
    http = aerospike_http_client
    many = await http.post(
        "/numbers", content=b'{"values": [' + b'"a",' * 100 + b'"a"]}', headers=JSON
    )
    detail = many.json()["detail"]
    assert many.status_code == 422
    assert len(detail) == MAX_VALIDATION_ERRORS + 1
    assert detail[-1] == {"type": "too_many_errors", "loc": [], "msg": "82 more errors"}

    long_label = await http.post("/numbers", json={"values": [1], "label": ["y" * 900]})
    assert "y" * 100 not in long_label.text

    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        answer = await http.post(
            "/numbers", content=b'{"values": [' + literal + b'], "label": 1}', headers=JSON
        )
        assert answer.status_code == 422, literal
        assert "input" not in answer.json()["detail"][0]
        assert answer.json()["detail"][0]["loc"] == ["body", "values", 0]

    string = await http.post("/numbers", json={"values": [1], "label": 7})
    assert string.json()["detail"][0]["input"] == 7
    huge = await http.post("/numbers", json={"values": ["z" * 500], "label": "x"})
    assert huge.json()["detail"][0]["input"] == "z" * MAX_ECHOED_CHARACTERS + "..."


async def test_an_app_that_answers_its_own_422s_keeps_its_handler(
    aerospike_settings: AerospikeSettings,
) -> None:
    app = FastAPI()

    async def own(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"own": True}, 422)

    app.add_exception_handler(RequestValidationError, own)
    install(app, aerospike_settings)

    @app.post("/numbers")
    async def numbers(body: Numbers) -> int:
        return len(body.values)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        answer = await http.post("/numbers", json={"values": ["a"]})
    assert answer.json() == {"own": True}


async def test_guard_answers_carry_the_cors_headers_of_middleware_added_before_install(
    aerospike_settings: AerospikeSettings,
) -> None:
    """As FastAPI's tutorial adds CORS first: a browser must be able to read the 400 and 413."""
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["https://ui.example"])
    install(app, AerospikeSettings(hosts=aerospike_settings.hosts, max_request_body_bytes=LIMIT))

    @app.post("/numbers")
    async def numbers(body: Numbers) -> dict[str, int]:
        return {"count": len(body.values)}

    async with serving(app, headers={"Origin": "https://ui.example"}) as http:
        answers = [
            await http.post("/numbers", content=b"x" * (LIMIT + 1), headers=JSON),
            await http.get("/numbers%FF"),
        ]
    assert [answer.status_code for answer in answers] == [413, 400]
    assert [answer.headers.get("access-control-allow-origin") for answer in answers] == [
        "https://ui.example"
    ] * 2
