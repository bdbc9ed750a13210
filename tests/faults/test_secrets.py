"""The password never leaves: after logins are refused, it is in no log line, repr, exception
message or traceback, nor in /metrics or the health answers."""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

import aerospike_py
from aerospike_py import AerospikeError
from aerospike_py.devserver import DevServer
from fastapi_aerospike import AerospikeClient, AerospikeSettings, install
from tests.faults.relay import FaultyRelay

PASSWORD = f"pw-{uuid.uuid4().hex}"
KEY = ("test", "secrets", "k")


@pytest.fixture
async def relay(devserver: DevServer) -> AsyncIterator[FaultyRelay]:
    async with FaultyRelay(devserver.hosts[0]) as started:
        yield started


def _app(relay: FaultyRelay) -> FastAPI:
    app = FastAPI()
    settings = AerospikeSettings(hosts=(relay.host,), user="admin", password=PASSWORD)
    install(app, settings, registry=CollectorRegistry())

    @app.get("/record")
    async def record(client: AerospikeClient) -> dict[str, Any]:
        return (await client.get(KEY)).bins or {}

    return app


def _described(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + repr(error.args)


async def _answers(app: FastAPI) -> list[httpx.Response]:
    """What the app answers on its data route, its health routes and /metrics."""
    paths = ("/record", "/health/ready", "/health/live", "/metrics")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        return [await http.get(path) for path in paths]


async def test_a_refused_login_shows_the_password_nowhere(
    devserver: DevServer,
    relay: FaultyRelay,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = [repr(AerospikeSettings(hosts=(relay.host,), user="admin", password=PASSWORD))]
    answers = []

    # An app that started while logins passed; then its connections drop and logins fail.
    async with LifespanManager(_app(relay), startup_timeout=30, shutdown_timeout=30) as manager:
        relay.refuse_logins = True
        devserver.drop_connections()
        answers += await _answers(manager.app)

    # An app whose login is refused at startup (it serves 503 meanwhile).
    async with LifespanManager(_app(relay), startup_timeout=30, shutdown_timeout=30) as manager:
        answers += await _answers(manager.app)

    # A client whose login is refused at connect.
    config = {"hosts": [relay.host], "user": "admin", "password": PASSWORD, "timeout": 1000}
    client = aerospike_py.AsyncClient(config)
    with pytest.raises(AerospikeError) as refused:
        await client.connect()
    seen += [_described(refused.value), repr(client)]

    assert [a.status_code for a in answers] == [503, 503, 200, 200] * 2
    assert "refused user 'admin'" in caplog.text
    seen += [f"{a.status_code} {a.headers} {a.text}" for a in answers]
    captured = capfd.readouterr()
    seen += [caplog.text, captured.out, captured.err]
    seen += [_described(r.exc_info[1]) for r in caplog.records if r.exc_info and r.exc_info[1]]
    assert [text for text in seen if PASSWORD in text] == []


def test_a_settings_error_does_not_show_the_password() -> None:
    password = PASSWORD[:12]  # pydantic cuts a long input short, and shows what it kept
    with pytest.raises(ValidationError) as refused:
        AerospikeSettings(hosts=(("127.0.0.1", 3000),), password=password)  # no user
    assert password not in _described(refused.value)
