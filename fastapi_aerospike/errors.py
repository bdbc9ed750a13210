"""One table from client exceptions to HTTP answers, and the handler that applies it.

Overload (``BackpressureError``) is 503 with ``Retry-After`` so callers back off instead of
piling on; timeouts are 504; a lost cluster is 503; a write left in doubt is 504 with its own
code and no ``Retry-After``. Bodies have the shape of FastAPI's own validation errors,
``{"detail": [{"type": <stable code>, "msg": <fixed sentence>}]}``, so a caller parses every
error of the app one way; never the exception text: internals stay in the logs.

Register the handler for the specific exception classes (``install`` does), not for
``Exception``: Starlette runs those handlers inside the user's middleware, so the 503 still goes
through CORS, request-id and metrics middleware. A handler the app registered before, for one
of these classes or a base of it, is kept. ``render`` is the one hook for another body shape.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from aerospike_py import (
    AerospikeError,
    AerospikeTimeoutError,
    BackpressureError,
    ClientError,
    ClusterError,
    RecordExistsError,
    RecordGenerationError,
    RecordNotFound,
)
from fastapi_aerospike.lifespan import (
    AerospikeUnavailableError,
    Phase,
    ServerOverloadedError,
    checked_retry_after,
    lifecycles,
    retry_after_setting,
)

__all__ = [
    "BUSY",
    "ERROR_BODY_SCHEMA",
    "ERROR_TABLE",
    "IN_DOUBT",
    "OVERLOADED",
    "RECORD_ERROR_TABLE",
    "TRANSIENT_RESULT_CODES",
    "UNAVAILABLE",
    "AerospikeErrorHandler",
    "HttpError",
    "Render",
    "error_body",
    "render_json",
]

logger = logging.getLogger("fastapi_aerospike")


def error_body(code: str, message: str) -> dict[str, Any]:
    """An error body shaped like FastAPI's validation errors: ``detail`` is a list of items,
    each with a machine-readable ``type`` and a sentence ``msg``."""
    return {"detail": [{"type": code, "msg": message}]}


ERROR_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "msg"],
                "properties": {"type": {"type": "string"}, "msg": {"type": "string"}},
            },
        }
    },
}
"""The JSON schema of ``error_body``, for the OpenAPI answers of routes using a client."""


@dataclass(frozen=True)
class HttpError:
    """How one kind of client exception is answered over HTTP."""

    status: int
    code: str
    detail: str
    retry_after: bool = False


ERROR_TABLE: tuple[tuple[type[AerospikeError], HttpError], ...] = (
    (
        BackpressureError,
        HttpError(503, "aerospike_overloaded", "Too many database operations; retry later.", True),
    ),
    (AerospikeTimeoutError, HttpError(504, "aerospike_timeout", "The database did not answer.")),
    (
        ClusterError,
        HttpError(503, "aerospike_unavailable", "The database is unavailable.", True),
    ),
    (AerospikeError, HttpError(500, "aerospike_error", "A database operation failed.")),
)
"""Always applied; the first class that matches the exception wins."""

BUSY = HttpError(503, "aerospike_busy", "The database is busy; retry later.", True)
"""Server errors that pass: a hot key, a full write queue, a partition between owners."""

TRANSIENT_RESULT_CODES = frozenset({11, 14, 18})
"""Partition unavailable, key busy, device overload: answered with ``BUSY``."""

IN_DOUBT = HttpError(
    504, "aerospike_in_doubt", "The write may have been applied; read it back before retrying."
)
"""A write that timed out or lost its connection after it was sent: no Retry-After, since
repeating a write that was applied (an increment, an append) would apply it twice."""

RECORD_ERROR_TABLE: tuple[tuple[type[AerospikeError], HttpError], ...] = (
    (RecordNotFound, HttpError(404, "record_not_found", "The record does not exist.")),
    (RecordExistsError, HttpError(409, "record_exists", "The record already exists.")),
    (
        RecordGenerationError,
        HttpError(409, "record_generation_mismatch", "The record was changed meanwhile."),
    ),
)
"""Applied only when asked (``record_errors=True``): a missing record is not always a 404."""

UNAVAILABLE = HttpError(503, "aerospike_unavailable", "The database is unavailable.", True)
"""The client is not connected yet (a degraded start) or any more."""

OVERLOADED = HttpError(503, "server_overloaded", "The server is overloaded; retry later.", True)
"""A request that uses a client was shed (see ``shed_queue_depth``)."""

Render = Callable[[HttpError], Response]
"""Builds the response of one answer; the handler adds ``Retry-After`` to it."""


def render_json(answer: HttpError) -> Response:
    """The default body: ``error_body(answer.code, answer.detail)``."""
    return JSONResponse(error_body(answer.code, answer.detail), answer.status)


class _LogThrottle:
    """At most one log line a second for each kind of answer: during an outage every request
    fails alike, and a line each (1,788 in 10 s under modest load) buries the logs."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._last: dict[tuple[int, str], float] = {}
        self._skipped: dict[tuple[int, str], int] = {}

    def admit(self, kind: tuple[int, str]) -> int | None:
        """``None`` to stay quiet; else how many lines of this kind were left out since."""
        now = time.monotonic()
        if now - self._last.get(kind, -self.interval) < self.interval:
            self._skipped[kind] = self._skipped.get(kind, 0) + 1
            return None
        self._last[kind] = now
        return self._skipped.pop(kind, 0)


class AerospikeErrorHandler:
    """A Starlette exception handler answering client exceptions from the table."""

    def __init__(
        self,
        *,
        retry_after: int | None = None,
        record_errors: bool = False,
        render: Render = render_json,
    ) -> None:
        self.retry_after = checked_retry_after(retry_after)
        self.table = (RECORD_ERROR_TABLE if record_errors else ()) + ERROR_TABLE
        self.render = render
        self.kept: list[type[Exception]] = []
        """Classes left to handlers the app registered before (see ``register``)."""
        self._throttle = _LogThrottle()

    def lookup(self, exc: BaseException) -> HttpError | None:
        """The answer for ``exc``, or ``None`` when it is not a client exception.

        An exception group (a ``TaskGroup`` of lookups) made only of client exceptions is
        answered as the first of them that says the cluster is overloaded, unavailable or slow
        (503, 504), else as its first member; a group with any other exception is left alone
        (answered 500, as a bug).
        """
        if isinstance(exc, BaseExceptionGroup):
            answers = [self.lookup(member) for member in _leaves(exc)]
            found = [answer for answer in answers if answer is not None]
            if not found or len(found) < len(answers):
                return None
            return min(found, key=lambda answer: answer.status not in (503, 504))
        if isinstance(exc, AerospikeUnavailableError):
            return UNAVAILABLE
        if isinstance(exc, ServerOverloadedError):
            return OVERLOADED
        if not isinstance(exc, AerospikeError):
            return None
        if exc.in_doubt:
            return IN_DOUBT
        for exception_type, answer in self.table:
            if isinstance(exc, exception_type):
                if answer.status == 500 and exc.result_code in TRANSIENT_RESULT_CODES:
                    return BUSY
                return answer
        return None

    def response(self, exc: BaseException, scope: Scope) -> Response | None:
        """The HTTP answer for ``exc``, or ``None`` when it is not a client exception."""
        answer = self.lookup(exc)
        if answer is None:
            return None
        if answer.status == 500 and isinstance(exc, ClientError) and _connecting(scope):
            answer = UNAVAILABLE  # request.state's client, used before it connected
        if answer.status >= 500:
            quiet = (BackpressureError, AerospikeUnavailableError, ServerOverloadedError)
            level = logging.INFO if isinstance(exc, quiet) else logging.WARNING
            trace = exc if answer.status == 500 else None
            skipped = self._throttle.admit((answer.status, type(exc).__name__)) if not trace else 0
            if skipped is not None:
                also = f" (and {skipped} more like it since the last line)" if skipped else ""
                logger.log(level, "answering %s to %r%s", answer.status, exc, also, exc_info=trace)
        response = self.render(answer)
        if answer.retry_after:
            response.headers["Retry-After"] = str(self._retry_after(exc, scope))
        return response

    def _retry_after(self, exc: BaseException, scope: Scope) -> int:
        """The given seconds, else the client's own setting when the exception names it, else
        the largest ``retry_after`` setting of the app's clients."""
        if self.retry_after is not None:
            return self.retry_after
        if isinstance(exc, AerospikeUnavailableError | ServerOverloadedError):
            return exc.retry_after
        return retry_after_setting(scope.get("state", {}))

    async def __call__(self, request: Request, exc: Exception) -> Response:
        response = self.response(exc, request.scope)
        if response is None:
            raise exc
        return response

    def register(self, app: Starlette) -> None:
        """Handle every class of the table on ``app`` (Starlette or FastAPI), the integration's
        own 503s and exception groups (any other group is raised again, untouched).

        A class the app already handles, itself or through a base class other than
        ``Exception``, keeps the app's handler (listed in ``kept``, and logged).
        """
        classes: list[type[Exception]] = [exception_type for exception_type, _ in self.table]
        classes += [AerospikeUnavailableError, ServerOverloadedError, ExceptionGroup]
        theirs = [
            key
            for key in app.exception_handlers
            if isinstance(key, type) and key not in (Exception, BaseException)
        ]
        for exception_type in classes:
            if any(issubclass(exception_type, registered) for registered in theirs):
                self.kept.append(exception_type)
                continue
            app.add_exception_handler(exception_type, self)
        if self.kept:
            logger.info(
                "kept the app's own exception handlers for %s",
                ", ".join(kept.__name__ for kept in self.kept),
            )


def _connecting(scope: Scope) -> bool:
    """Whether a client of the app is still connecting (a degraded start)."""
    return any(found.phase is Phase.CONNECTING for found in lifecycles(scope.get("state", {})))


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    """The exceptions of a group, nested groups flattened."""
    leaves: list[BaseException] = []
    for member in group.exceptions:
        leaves.extend(_leaves(member) if isinstance(member, BaseExceptionGroup) else [member])
    return leaves
