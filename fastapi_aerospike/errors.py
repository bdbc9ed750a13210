"""One table from client exceptions to HTTP answers, and the handler that applies it.

Overload (``BackpressureError``) is 503 with ``Retry-After`` so callers back off instead of
piling on; timeouts are 504; a lost cluster is 503; a write left in doubt is 504 with its own
code and no ``Retry-After``. Bodies have the shape of FastAPI's own validation errors,
``{"detail": [{"type": <stable code>, "msg": <fixed sentence>}]}``, so a caller parses every
error of the app one way; never the exception text: internals stay in the logs.

Register the handler for the specific exception classes (``install`` does), not for
``Exception``: Starlette runs those handlers inside the user's middleware, so the 503 still goes
through CORS, request-id and metrics middleware.
"""

from __future__ import annotations

import logging
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
    ClusterError,
    RecordExistsError,
    RecordGenerationError,
    RecordNotFound,
)
from fastapi_aerospike.lifespan import checked_retry_after, retry_after_setting

__all__ = [
    "BUSY",
    "ERROR_TABLE",
    "IN_DOUBT",
    "RECORD_ERROR_TABLE",
    "TRANSIENT_RESULT_CODES",
    "AerospikeErrorHandler",
    "HttpError",
    "error_body",
]

logger = logging.getLogger("fastapi_aerospike")


def error_body(code: str, message: str) -> dict[str, Any]:
    """An error body shaped like FastAPI's validation errors: ``detail`` is a list of items,
    each with a machine-readable ``type`` and a sentence ``msg``."""
    return {"detail": [{"type": code, "msg": message}]}


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


class AerospikeErrorHandler:
    """A Starlette exception handler answering client exceptions from the table."""

    def __init__(self, *, retry_after: int | None = None, record_errors: bool = False) -> None:
        self.retry_after = checked_retry_after(retry_after)
        self.table = (RECORD_ERROR_TABLE if record_errors else ()) + ERROR_TABLE

    def lookup(self, exc: BaseException) -> HttpError | None:
        """The answer for ``exc``, or ``None`` when it is not a client exception.

        An exception group (a ``TaskGroup`` of lookups) made only of client exceptions is
        answered as the first of them that says the cluster is overloaded, unavailable or slow
        (503, 504), else as its first other failure.
        """
        if isinstance(exc, BaseExceptionGroup):
            answers = [self.lookup(member) for member in _leaves(exc)]
            found = [answer for answer in answers if answer is not None]
            if not found or len(found) < len(answers):
                return None
            return min(
                found, key=lambda answer: (answer.status not in (503, 504), answer.status < 500)
            )
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
        if answer.status >= 500:
            level = logging.INFO if isinstance(exc, BackpressureError) else logging.WARNING
            trace = exc if answer.status == 500 else None
            logger.log(level, "answering %s to %r", answer.status, exc, exc_info=trace)
        headers = {"Retry-After": str(self._retry_after(scope))} if answer.retry_after else None
        return JSONResponse(error_body(answer.code, answer.detail), answer.status, headers=headers)

    def _retry_after(self, scope: Scope) -> int:
        """The given seconds, else the largest ``retry_after`` setting of the app's clients."""
        if self.retry_after is not None:
            return self.retry_after
        return retry_after_setting(scope.get("state", {}))

    async def __call__(self, request: Request, exc: Exception) -> Response:
        response = self.response(exc, request.scope)
        if response is None:
            raise exc
        return response

    def register(self, app: Starlette) -> None:
        """Handle every class of the table on ``app`` (Starlette or FastAPI), and exception
        groups (any other group is raised again, untouched)."""
        for exception_type, _ in self.table:
            app.add_exception_handler(exception_type, self)
        app.add_exception_handler(ExceptionGroup, self)


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    """The exceptions of a group, nested groups flattened."""
    leaves: list[BaseException] = []
    for member in group.exceptions:
        leaves.extend(_leaves(member) if isinstance(member, BaseExceptionGroup) else [member])
    return leaves
