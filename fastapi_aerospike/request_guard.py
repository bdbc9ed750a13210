"""Hostile HTTP input, answered before it costs memory, a wrong record or a 500.

- A request body larger than ``max_request_body_bytes`` (1 MiB by default) is answered 413
  before it is read when its ``Content-Length`` says so, and as soon as the bytes received pass
  the limit otherwise (chunked): the app never holds more than the limit and one chunk.
- A path or query string whose percent-escapes are not UTF-8 (``%FF``) is answered 400. Servers
  decode such bytes to U+FFFD, so ``/profiles/%FF`` and ``/profiles/%FE`` would reach one record.
- A 422 lists at most ``MAX_VALIDATION_ERRORS`` errors, echoes at most
  ``MAX_ECHOED_CHARACTERS`` of any input, and never a NaN or an infinity: FastAPI's own answer
  echoes the whole input (megabytes, for a large body), and fails with 500 on a ``NaN`` in a
  JSON body, which JSON cannot carry back.

Pure ASGI, like the rest of the integration; ``install`` adds it and the 422 handler.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastapi_aerospike.errors import HttpError, Render, render_json
from fastapi_aerospike.lifespan import lifecycles
from fastapi_aerospike.settings import DEFAULT_MAX_REQUEST_BODY_BYTES

__all__ = [
    "BODY_TOO_LARGE",
    "MAX_ECHOED_CHARACTERS",
    "MAX_VALIDATION_ERRORS",
    "NOT_UTF8",
    "RequestGuardMiddleware",
    "bounded_validation_answer",
]

MAX_VALIDATION_ERRORS = 20
MAX_ECHOED_CHARACTERS = 200

BODY_TOO_LARGE = HttpError(
    413, "request_too_large", "The request body is larger than this service accepts."
)
NOT_UTF8 = HttpError(400, "invalid_url_encoding", "The URL's percent-escapes are not UTF-8.")


class _BodyTooLarge(Exception):
    """Raised to the app from ``receive`` once the body passes the limit."""


class RequestGuardMiddleware:
    """Answer oversized bodies 413 and URLs that are not UTF-8 400 (see the module).

    ``max_body_bytes`` fixes the limit; by default it is the largest ``max_request_body_bytes``
    setting of the app's running clients (the setting's default before they start).
    """

    def __init__(
        self, app: ASGIApp, *, render: Render = render_json, max_body_bytes: int | None = None
    ) -> None:
        self.app = app
        self.render = render
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not _utf8(scope.get("raw_path") or b"") or not _utf8(scope.get("query_string", b"")):
            await self.render(NOT_UTF8)(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self.render(BODY_TOO_LARGE)(scope, receive, send)
            return
        received, exceeded, started = 0, False, False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def send_unless_refused(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to the failed read (FastAPI's 400): the 413 replaces it
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, send_unless_refused)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self.render(BODY_TOO_LARGE)(scope, receive, send)

    def _limit(self, scope: Scope) -> int:
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        found = lifecycles(scope.get("state", {}))
        limits = [lifecycle.settings.max_request_body_bytes for lifecycle in found]
        return max(limits, default=DEFAULT_MAX_REQUEST_BODY_BYTES)


def _utf8(raw: bytes) -> bool:
    """Whether ``raw`` percent-decodes to UTF-8 (its escapes and its own bytes alike)."""
    if b"%" not in raw and raw.isascii():
        return True
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


async def bounded_validation_answer(request: Request, exc: Exception) -> Response:
    """FastAPI's 422 (``{"detail": [{"type", "loc", "msg", "input"}...]}``), bounded: the first
    ``MAX_VALIDATION_ERRORS`` errors, each input only when it is a short string (clipped) or
    a finite number, a boolean or null; never a container (a missing field's is the whole
    body)."""
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError

    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    shown: list[dict[str, Any]] = []
    for error in errors[:MAX_VALIDATION_ERRORS]:
        item = jsonable_encoder(error, exclude={"input", "loc"})
        item["loc"] = [_clip(part) if isinstance(part, str) else part for part in error["loc"]]
        value = error.get("input")
        if isinstance(value, str):
            item["input"] = _clip(value)
        elif _small_scalar(value):
            item["input"] = value
        shown.append(item)
    if len(errors) > MAX_VALIDATION_ERRORS:
        more = len(errors) - MAX_VALIDATION_ERRORS
        shown.append({"type": "too_many_errors", "loc": [], "msg": f"{more} more errors"})
    return JSONResponse({"detail": shown}, 422)


def _small_scalar(value: object) -> bool:
    """Whether JSON carries ``value`` back as it came, in a few characters."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return value.bit_length() <= 64
    return isinstance(value, float) and math.isfinite(value)


def _clip(text: str) -> str:
    if len(text) <= MAX_ECHOED_CHARACTERS:
        return text
    return text[:MAX_ECHOED_CHARACTERS] + "..."
