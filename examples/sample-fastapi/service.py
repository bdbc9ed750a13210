"""A profiles service on Aerospike: what a team would copy to start.

- profiles CRUD; updates are generation-checked (``If-Match``), so two editors cannot silently
  overwrite each other;
- a visit counter that increments, stamps and reads back in one round trip (``operate``);
- features of many profiles batch-read straight into NumPy;
- a search filtered on the server by an expression;
- TTLs: profiles may expire, and a touch keeps the remaining time.

Overload is answered 503 with Retry-After by the integration (listed in the OpenAPI schema of
every route that uses the client); missing records 404. Settings are read when a worker starts,
not at import, so a bad one ends that worker's startup in one line.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Query, Response, status
from models import (
    FEATURES,
    MAX_BATCH,
    MAX_TTL,
    NEVER_EXPIRES,
    PROFILES,
    Problem,
    Profile,
    ProfileChanges,
    StoredProfile,
)

import aerospike_py
from aerospike_py import exp
from fastapi_aerospike import AerospikeClient, AerospikeSettings, install
from fastapi_aerospike.errors import error_body

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}
ETAG = r'^"?[0-9]{1,9}"?$'
"""A generation as the ETag of a read sends it, quoted or not."""
IF_MATCH_REQUIRED = error_body(
    "if_match_required", "Send If-Match with the ETag of your read, so no change is lost."
)


def create_app(settings: AerospikeSettings | None = None) -> FastAPI:
    """The app; settings default to the ``AEROSPIKE_*`` environment, read at startup."""
    app = FastAPI(title="profiles", version="1.0")
    installation = install(app, settings, record_errors=True)

    def key(profile_id: str) -> tuple[str, str, str]:
        return (installation.settings().namespace, PROFILES, profile_id)

    @app.put("/profiles/{profile_id}", status_code=status.HTTP_201_CREATED)
    async def put_profile(
        profile_id: str,
        profile: Profile,
        client: AerospikeClient,
        ttl: Annotated[int | None, Query(ge=1, le=MAX_TTL, description="Seconds to live")] = None,
    ) -> dict[str, str]:
        meta = {"ttl": ttl if ttl is not None else aerospike_py.TTL_NEVER_EXPIRE}
        await client.put(key(profile_id), profile.model_dump(), meta=meta)
        return {"id": profile_id}

    @app.get("/profiles/{profile_id}", responses=NOT_FOUND)
    async def get_profile(
        profile_id: str, client: AerospikeClient, response: Response
    ) -> StoredProfile:
        record = await client.get(key(profile_id))  # RecordNotFound answers 404
        generation, ttl = (record.meta.gen, record.meta.ttl) if record.meta else (0, 0)
        response.headers["ETag"] = f'"{generation}"'
        remaining = None if ttl == NEVER_EXPIRES else ttl
        return StoredProfile(id=profile_id, generation=generation, ttl=remaining, **record.bins)

    @app.patch(
        "/profiles/{profile_id}",
        responses={
            **NOT_FOUND,
            409: {"model": Problem, "description": "Changed since read"},
            428: {"model": Problem, "description": "No If-Match"},
        },
    )
    async def update_profile(
        profile_id: str,
        changes: ProfileChanges,
        client: AerospikeClient,
        if_match: Annotated[
            str | None, Header(pattern=ETAG, description="The ETag of the read")
        ] = None,
    ) -> dict[str, Any]:
        if if_match is None:  # HTTP's answer to a missing precondition (RFC 6585)
            raise HTTPException(status.HTTP_428_PRECONDITION_REQUIRED, IF_MATCH_REQUIRED["detail"])
        generation = int(if_match.strip('"'))
        await client.put(
            key(profile_id),
            changes.model_dump(exclude_none=True),
            meta={"gen": generation, "ttl": aerospike_py.TTL_DONT_UPDATE},
            policy={"gen": aerospike_py.POLICY_GEN_EQ, "exists": aerospike_py.POLICY_EXISTS_UPDATE},
        )
        return {"id": profile_id, "generation": generation + 1}

    @app.delete(
        "/profiles/{profile_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
    )
    async def delete_profile(profile_id: str, client: AerospikeClient) -> None:
        await client.remove(key(profile_id))

    @app.post("/profiles/{profile_id}/visits", responses=NOT_FOUND)
    async def visit(profile_id: str, client: AerospikeClient) -> dict[str, int]:
        """Count a visit and stamp it, reading the new count back, in one round trip; only an
        existing profile is counted (RecordNotFound answers 404)."""
        ops = [
            {"op": aerospike_py.OPERATOR_INCR, "bin": "visits", "val": 1},
            {"op": aerospike_py.OPERATOR_WRITE, "bin": "last_visit", "val": int(time.time())},
            {"op": aerospike_py.OPERATOR_READ, "bin": "visits"},
        ]
        existing = {"exists": aerospike_py.POLICY_EXISTS_UPDATE}
        record = await client.operate(key(profile_id), ops, policy=existing)
        return {"visits": int((record.bins or {}).get("visits", 0))}

    @app.get("/features")
    async def features(
        client: AerospikeClient,
        ids: Annotated[str, Query(description="Comma-separated profile ids")],
    ) -> dict[str, Any]:
        """Scores and ratings of many profiles in one batch read, as NumPy columns."""
        wanted = [i for i in ids.split(",") if i][:MAX_BATCH]
        batch = await client.batch_read([key(i) for i in wanted], bins=["score", "rating"])
        columns = batch.to_numpy(FEATURES)
        scores = columns.batch_records["score"][columns.found]
        ratings = columns.batch_records["rating"][columns.found]
        return {
            "found": [i for i, ok in zip(wanted, columns.found.tolist(), strict=True) if ok],
            "score_sum": int(scores.sum()),
            "rating_mean": float(ratings.mean()) if ratings.size else None,
        }

    @app.get("/profiles")
    async def search(
        client: AerospikeClient,
        min_age: Annotated[int, Query(ge=0, le=150)] = 0,
        active: bool = True,
    ) -> list[dict[str, Any]]:
        """Profiles filtered on the server: only the matching records cross the network."""
        expression = exp.and_(
            exp.ge(exp.int_bin("age"), exp.int_val(min_age)),
            exp.eq(exp.bool_bin("active"), exp.bool_val(active)),
        )
        query = client.query(installation.settings().namespace, PROFILES)
        records = await query.results(policy={"filter_expression": expression})
        return sorted(
            ({"name": r.bins["name"], "age": r.bins["age"]} for r in records if r.bins),
            key=lambda row: (row["age"], row["name"]),
        )

    return app


app = create_app()
