"""The profiles service's data: what is stored, sent and read back.

Imports no Aerospike client, so other apps can serve the same shapes (the load-test harness
compares clients behind them).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

__all__ = ["FEATURES", "MAX_BATCH", "PROFILES", "Profile", "ProfileChanges", "StoredProfile"]

PROFILES = "profiles"
FEATURES = np.dtype([("score", "i8"), ("rating", "f8")])
MAX_BATCH = 500


class Profile(BaseModel):
    """What a client sends to create or replace a profile."""

    name: str = Field(min_length=1, max_length=100)
    email: str = Field(min_length=3, max_length=200)
    age: int = Field(ge=0, le=150)
    active: bool = True
    score: int = Field(default=0, ge=0)
    rating: float = Field(default=0.0, ge=0, le=5)


class ProfileChanges(BaseModel):
    """A partial update; only the fields given change."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    email: str | None = Field(default=None, min_length=3, max_length=200)
    age: int | None = Field(default=None, ge=0, le=150)
    active: bool | None = None
    score: int | None = Field(default=None, ge=0)
    rating: float | None = Field(default=None, ge=0, le=5)


class StoredProfile(Profile):
    """A profile as read back, with its generation (the ETag) and remaining TTL."""

    id: str
    generation: int
    ttl: int
