"""The integration beside the app's own pieces: its exception handlers, mounted sub-apps,
prometheus-fastapi-instrumentator, the OpenAPI schema and a custom error body."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.responses import Response

from aerospike_py import RecordNotFound
from fastapi_aerospike import (
    AerospikeClient,
    AerospikeErrorMiddleware,
    AerospikeSettings,
    install,
)
from fastapi_aerospike.errors import HttpError
from fastapi_aerospike.testing import serving


def missing_record_route(app: FastAPI, namespace: str) -> None:
    @app.get("/missing")
    async def missing(client: AerospikeClient) -> object:
        return (await client.get((namespace, "composition", uuid.uuid4().hex))).bins


async def test_install_keeps_the_apps_own_handlers(aerospike_settings: AerospikeSettings) -> None:
    app = FastAPI()

    @app.exception_handler(RecordNotFound)
    async def not_found(request: Request, exc: RecordNotFound) -> JSONResponse:
        return JSONResponse({"mine": True}, 410)

    @app.exception_handler(ExceptionGroup)
    async def groups(request: Request, exc: ExceptionGroup[Exception]) -> JSONResponse:
        return JSONResponse({"group": True}, 418)

    installation = install(app, aerospike_settings, record_errors=True)
    missing_record_route(app, aerospike_settings.namespace)

    async with serving(app) as http:
        response = await http.get("/missing")
    assert (response.status_code, response.json()) == (410, {"mine": True})
    assert installation.handler is not None
    assert set(installation.handler.kept) == {RecordNotFound, ExceptionGroup}


async def test_a_mounted_sub_app_wrapped_as_documented_answers_from_the_table(
    aerospike_settings: AerospikeSettings,
) -> None:
    sub = FastAPI()
    missing_record_route(sub, aerospike_settings.namespace)
    app = FastAPI()
    install(app, aerospike_settings)
    app.mount("/sub", AerospikeErrorMiddleware(sub, record_errors=True))

    async with serving(app) as http:
        response = await http.get("/sub/missing")
    assert (response.status_code, response.json()["detail"][0]["type"]) == (
        404,
        "record_not_found",
    )


async def test_metrics_go_into_the_instrumentators_registry(
    aerospike_settings: AerospikeSettings,
) -> None:
    app = FastAPI()
    Instrumentator().instrument(app).expose(app)  # its own /metrics, on prometheus' REGISTRY
    with pytest.raises(ValueError, match="metrics_path=None, registry=REGISTRY"):
        install(FastAPI(routes=list(app.routes)), aerospike_settings)
    install(app, aerospike_settings, metrics_path=None, registry=REGISTRY)
    missing_record_route(app, aerospike_settings.namespace)

    async with serving(app) as http:
        await http.get("/missing")
        text = (await http.get("/metrics")).text
    assert [r for r in app.routes if getattr(r, "path", "") == "/metrics"].__len__() == 1
    assert 'aerospike_operations_failed_total{client="aerospike"}' in text
    assert "http_requests_total" in text  # the instrumentator's own


def test_routes_using_a_client_document_503_and_504(aerospike_settings: AerospikeSettings) -> None:
    app = FastAPI()
    install(app, aerospike_settings)
    missing_record_route(app, aerospike_settings.namespace)

    @app.get("/plain")
    async def plain() -> str:
        return "no database"

    paths = app.openapi()["paths"]
    assert {"503", "504"} <= set(paths["/missing"]["get"]["responses"])
    assert not {"503", "504"} & set(paths["/plain"]["get"]["responses"])
    detail = paths["/missing"]["get"]["responses"]["503"]["content"]["application/json"]
    assert detail["schema"]["properties"]["detail"]["type"] == "array"


async def test_one_hook_renders_every_error_body(aerospike_settings: AerospikeSettings) -> None:
    def problem(answer: HttpError) -> Response:
        return JSONResponse(
            {"title": answer.detail, "code": answer.code, "status": answer.status},
            answer.status,
            media_type="application/problem+json",
        )

    app = FastAPI()
    install(app, aerospike_settings, record_errors=True, render=problem)
    missing_record_route(app, aerospike_settings.namespace)
    async with serving(app) as http:
        response = await http.get("/missing")
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "title": "The record does not exist.",
        "code": "record_not_found",
        "status": 404,
    }
