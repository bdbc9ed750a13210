"""FastAPI dependencies handing routes the client of the app's lifespan.

Override them by the function (``app.dependency_overrides[get_client] = ...``), never by the
``Annotated`` alias: FastAPI keys overrides by the callable.

They are ``async def`` although they never await: FastAPI runs a plain ``def`` dependency in its
thread pool, a thread hop and a GIL handoff on every request for a dictionary lookup.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from aerospike_py import AsyncClient
from fastapi_aerospike.lifespan import DEFAULT_CLIENT_NAME, client_from_state

__all__ = ["AerospikeClient", "client_dependency", "get_client"]


@functools.cache
def client_dependency(
    name: str,
) -> Callable[[HTTPConnection], Coroutine[None, None, AsyncClient]]:
    """A dependency returning the client named ``name`` (for a second cluster).

    The same function for the same name, so that ``app.dependency_overrides[
    client_dependency("analytics")]`` overrides what ``Depends(client_dependency("analytics"))``
    declared.
    """

    async def get_named_client(connection: HTTPConnection) -> AsyncClient:
        return client_from_state(connection, name)

    get_named_client.__name__ = f"get_{name}_client"
    return get_named_client


async def get_client(connection: HTTPConnection) -> AsyncClient:
    """The default client (``name="aerospike"``) of the app's lifespan."""
    return client_from_state(connection, DEFAULT_CLIENT_NAME)


AerospikeClient = Annotated[AsyncClient, Depends(get_client)]
"""``client: AerospikeClient`` in a route's signature receives the default client."""
