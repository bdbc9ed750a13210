"""FastAPI dependencies handing routes the client of the app's lifespan.

Override them by the function (``app.dependency_overrides[get_client] = ...``), never by the
``Annotated`` alias: FastAPI keys overrides by the callable.

They are ``async def`` although they never await: FastAPI runs a plain ``def`` dependency in its
thread pool, a thread hop and a GIL handoff on every request for a dictionary lookup.

A route that declares one is a route that uses the database: only such requests are shed or
answered 503 while the client connects, ``install`` checks at startup that every name they ask
for has a client, and their OpenAPI operations list the 503 and 504 answers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute, Mount

from aerospike_py import AsyncClient
from fastapi_aerospike.errors import ERROR_BODY_SCHEMA
from fastapi_aerospike.lifespan import DEFAULT_CLIENT_NAME, client_for

__all__ = [
    "AerospikeClient",
    "client_dependency",
    "client_names",
    "document_client_responses",
    "get_client",
]

ClientDependency = Callable[[HTTPConnection], Coroutine[None, None, AsyncClient]]

_NAMES: dict[Callable[..., Any], str] = {}
"""Each client dependency and the client name it returns."""

CLIENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Overloaded, shed, or the database is unavailable; see Retry-After",
        "content": {"application/json": {"schema": ERROR_BODY_SCHEMA}},
    },
    504: {
        "description": "The database did not answer in time (or a write is in doubt)",
        "content": {"application/json": {"schema": ERROR_BODY_SCHEMA}},
    },
}


@functools.cache
def client_dependency(name: str) -> ClientDependency:
    """A dependency returning the client named ``name`` (for a second cluster).

    The same function for the same name, so that ``app.dependency_overrides[
    client_dependency("analytics")]`` overrides what ``Depends(client_dependency("analytics"))``
    declared.
    """
    if name == DEFAULT_CLIENT_NAME:
        return get_client

    async def get_named_client(connection: HTTPConnection) -> AsyncClient:
        return client_for(connection, name)

    get_named_client.__name__ = f"get_{name}_client"
    _NAMES[get_named_client] = name
    return get_named_client


async def get_client(connection: HTTPConnection) -> AsyncClient:
    """The default client (``name="aerospike"``) of the app's lifespan."""
    return client_for(connection, DEFAULT_CLIENT_NAME)


_NAMES[get_client] = DEFAULT_CLIENT_NAME

AerospikeClient = Annotated[AsyncClient, Depends(get_client)]
"""``client: AerospikeClient`` in a route's signature receives the default client."""


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif isinstance(route, Mount):
            yield from _api_routes(route.routes)


def client_names(app: FastAPI) -> dict[str, str]:
    """``{client name: a route path asking for it}`` over the app's routes (mounted FastAPI
    apps and routers included), leaving out dependencies the app overrides."""
    found: dict[str, str] = {}
    for route in _api_routes(app.routes):
        for call in _calls(route.dependant):
            name = _NAMES.get(call)
            if name is not None and call not in app.dependency_overrides:
                found.setdefault(name, route.path)
    return found


def document_client_responses(app: FastAPI) -> None:
    """Add the 503 and 504 answers to the OpenAPI operation of every route using a client
    (what the route declares itself wins)."""
    for route in _api_routes(app.routes):
        if any(call in _NAMES for call in _calls(route.dependant)):
            route.responses = {**CLIENT_RESPONSES, **route.responses}
