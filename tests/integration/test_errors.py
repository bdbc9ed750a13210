"""Client exceptions answered over HTTP: the table, Retry-After, no internals, middleware order."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import aerospike_py
from aerospike_py.devserver import DevServer
from fastapi_aerospike import (
    AerospikeClient,
    AerospikeErrorHandler,
    AerospikeErrorMiddleware,
    AerospikeSettings,
    install,
)

SECRET_DETAIL = "node BB9 at 10.0.0.7:3000 pool exhausted"


def raising(exc: Exception) -> Route:
    async def endpoint(request: Request) -> Response:
        raise exc

    return Route("/", endpoint)


class TagResponses:
    """A user's pure ASGI middleware: it must see the 503 too (CORS, request ids...)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-seen-by", b"user-middleware")]
            await send(message)

        await self.app(scope, receive, tagged)


def app_raising(exc: Exception, **handler_options: object) -> Starlette:
    app = Starlette(routes=[raising(exc)])
    app.add_middleware(TagResponses)
    AerospikeErrorHandler(**handler_options).register(app)  # type: ignore[arg-type]
    return app


async def get(app: ASGIApp) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get("/")


def backpressure() -> aerospike_py.BackpressureError:
    return aerospike_py.BackpressureError(SECRET_DETAIL, limit=4, waited_ms=12.5)


async def test_backpressure_is_503_with_retry_after_through_user_middleware() -> None:
    response = await get(app_raising(backpressure()))

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["x-seen-by"] == "user-middleware"
    assert response.json() == {
        "detail": [
            {"type": "aerospike_overloaded", "msg": "Too many database operations; retry later."}
        ]
    }


async def test_retry_after_is_the_configured_whole_seconds() -> None:
    response = await get(app_raising(backpressure(), retry_after=7))
    assert response.headers["retry-after"] == "7"


@pytest.mark.parametrize("seconds", [0, -1, 1.5, True, "1"])
def test_retry_after_must_be_a_whole_second_at_least(seconds: object) -> None:
    with pytest.raises(ValueError, match="retry_after must be an integer >= 1"):
        AerospikeErrorHandler(retry_after=seconds)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "status", "code", "retry_after"),
    [
        (aerospike_py.AerospikeTimeoutError(SECRET_DETAIL, 9), 504, "aerospike_timeout", None),
        (aerospike_py.ClusterError(SECRET_DETAIL, -1), 503, "aerospike_unavailable", "1"),
        (aerospike_py.ServerError(SECRET_DETAIL, 1), 500, "aerospike_error", None),
        (aerospike_py.InvalidArgError(SECRET_DETAIL), 500, "aerospike_error", None),
        (aerospike_py.RecordNotFound(SECRET_DETAIL, 2), 500, "aerospike_error", None),
        (aerospike_py.ServerError(SECRET_DETAIL, 14), 503, "aerospike_busy", "1"),
        (aerospike_py.ServerError(SECRET_DETAIL, 18), 503, "aerospike_busy", "1"),
        (aerospike_py.ServerError(SECRET_DETAIL, 11), 503, "aerospike_busy", "1"),
        (
            aerospike_py.AerospikeTimeoutError(SECRET_DETAIL, 9, in_doubt=True),
            504,
            "aerospike_in_doubt",
            None,
        ),
        (
            aerospike_py.ClusterError(SECRET_DETAIL, -10, in_doubt=True),
            504,
            "aerospike_in_doubt",
            None,
        ),
    ],
)
async def test_the_table_answers_without_internals(
    exc: Exception, status: int, code: str, retry_after: str | None
) -> None:
    response = await get(app_raising(exc))

    assert response.status_code == status
    assert response.json()["detail"][0]["type"] == code
    assert SECRET_DETAIL not in response.text
    assert response.headers.get("retry-after") == retry_after
    assert response.headers["x-seen-by"] == "user-middleware"


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (aerospike_py.RecordNotFound("gone", 2), 404, "record_not_found"),
        (aerospike_py.RecordExistsError("there", 5), 409, "record_exists"),
        (aerospike_py.RecordGenerationError("gen", 3), 409, "record_generation_mismatch"),
    ],
)
async def test_record_errors_map_only_when_asked(exc: Exception, status: int, code: str) -> None:
    response = await get(app_raising(exc, record_errors=True))
    assert (response.status_code, response.json()["detail"][0]["type"]) == (status, code)


@pytest.mark.parametrize("through", ["handlers", "middleware"])
async def test_a_task_group_of_client_errors_is_answered_as_they_are(through: str) -> None:
    """``asyncio.TaskGroup`` raises an ExceptionGroup: unanswered, overload became a bare 500."""
    inner = ExceptionGroup("inner", [backpressure()])
    group = ExceptionGroup("lookups", [aerospike_py.RecordNotFound("gone", 2), inner])

    async def bare(scope: Scope, receive: Receive, send: Send) -> None:
        raise group

    if through == "handlers":
        response = await get(app_raising(group))
    else:
        response = await get(AerospikeErrorMiddleware(bare))
    assert (response.status_code, response.json()["detail"][0]["type"]) == (
        503,
        "aerospike_overloaded",
    )
    assert response.headers["retry-after"] == "1"


async def test_a_group_with_other_errors_is_left_alone() -> None:
    group = ExceptionGroup("lookups", [backpressure(), KeyError("not ours")])
    response = await get(app_raising(group))
    assert (response.status_code, response.text) == (500, "Internal Server Error")


async def test_other_exceptions_are_left_alone() -> None:
    response = await get(app_raising(KeyError("not ours")))
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


async def test_pure_asgi_middleware_answers_for_a_bare_asgi_app() -> None:
    async def bare(scope: Scope, receive: Receive, send: Send) -> None:
        raise backpressure()

    response = await get(AerospikeErrorMiddleware(bare, retry_after=3))

    assert response.status_code == 503
    assert response.headers["retry-after"] == "3"
    assert response.json()["detail"][0]["type"] == "aerospike_overloaded"


async def test_middleware_cannot_answer_once_the_response_started() -> None:
    async def streaming(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise backpressure()

    transport = httpx.ASGITransport(app=AerospikeErrorMiddleware(streaming))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        with pytest.raises(aerospike_py.BackpressureError):
            await client.get("/")


@pytest.mark.devserver_only
async def test_a_write_left_in_doubt_is_told_apart_from_a_read_that_timed_out() -> None:
    """A caller may retry a read, but must read back a write before repeating it."""
    with DevServer(port=0) as server:
        app = FastAPI()
        install(
            app,
            AerospikeSettings(hosts=tuple(server.hosts), total_timeout_ms=100, max_retries=0),
        )
        key = ("test", "doubt", 1)

        @app.post("/count")
        async def count(client: AerospikeClient) -> None:
            await client.increment(key, "n", 1)

        @app.get("/count")
        async def read(client: AerospikeClient) -> dict[str, int]:
            return {"n": (await client.get(key)).bins["n"]}

        async with LifespanManager(app, startup_timeout=30) as manager:
            transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                assert (await http.post("/count")).status_code == 200
                server.inject_latency(300)
                write = await http.post("/count")
                read_back = await http.get("/count")
                server.clear_faults()
    assert (write.status_code, write.json()["detail"][0]["type"]) == (504, "aerospike_in_doubt")
    assert "retry-after" not in write.headers
    assert (read_back.status_code, read_back.json()["detail"][0]["type"]) == (
        504,
        "aerospike_timeout",
    )


def test_an_outage_logs_a_line_a_second_not_one_per_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = AerospikeErrorHandler()
    down = aerospike_py.ClusterError("Unable to communicate with server cluster", -1, False)
    scope: Scope = {"type": "http", "state": {}}
    with caplog.at_level("INFO", logger="fastapi_aerospike"):
        answers = [handler.response(down, scope) for _ in range(200)]
    assert {answer.status_code for answer in answers if answer} == {503}
    assert len(caplog.records) == 1
    assert "answering 503 to ClusterError" in caplog.text
