"""Optional features and the extras that install them.

The base install serves FastAPI and Starlette apps; metrics, the pytest plugin and a server to
run the app under are extras. A module needing one fails on import with one line naming it,
instead of a bare ``ModuleNotFoundError`` that leaves the user to guess the package.
"""

from __future__ import annotations

__all__ = ["MissingExtraError", "missing_extra"]

PACKAGE = "fastapi-aerospike"


class MissingExtraError(ImportError):
    """An optional feature was used without the extra that installs what it needs."""


def missing_extra(feature: str, extra: str, error: ModuleNotFoundError) -> MissingExtraError:
    """The error to raise (``from None``) when ``feature`` cannot import what ``extra`` brings."""
    return MissingExtraError(
        f"{feature} needs {error.name}, which the [{extra}] extra installs: "
        f"pip install '{PACKAGE}[{extra}]'",
        name=error.name,
    )
