"""This package against the public API of aerospike-py 0.14.4, recorded from its wheel in
``data/aerospike_py_0_14_4.json`` (see ``data/make_manifest.py``): every module, class,
function and constant there is importable here from the same place, constants have the same
values, functions and methods take the same parameters (extra ones only with defaults, after
them), exceptions keep their bases, named tuples their fields and typed dicts their keys.

What is not there yet is listed in ``KNOWN_GAPS``, each with its reason; docs/migrating.md
prints the list.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.client.data.make_manifest import describe

MANIFEST = json.loads((Path(__file__).parent / "data" / "aerospike_py_0_14_4.json").read_text())

_ADMIN = "user and role administration (admin_*) is not supported yet"
_OBSERVABILITY = "aerospike-py's logging, metrics and tracing helpers are not provided yet"
_GEO = "geo indexes and predicates are not supported yet"
_NUMPY_WRITE = "batch_write_numpy is not provided yet"
_LAZY = "the batch_read result has batch_records, to_dict, to_numpy and len() only so far"
_BATCH_RETRY = "batch_write takes no retry argument yet"

KNOWN_GAPS: dict[str, str] = {
    "aerospike_py.BatchRecords": (
        "here the class batch writes return (batch_records); in aerospike-py a type alias of "
        "dict[UserKey, AerospikeRecord], used in annotations only"
    ),
    "aerospike_py.types.BatchRecords": "see aerospike_py.BatchRecords",
    "aerospike_py.ClientConfig": (
        "auth_mode is not a config key yet (internal authentication by user/password is)"
    ),
    "aerospike_py.types.ClientConfig": "see aerospike_py.ClientConfig",
    "aerospike_py.WriteMeta": (
        "meta takes ttl and gen; key, exists, commit_level and durable_delete go in the policy"
    ),
    "aerospike_py.types.WriteMeta": "see aerospike_py.WriteMeta",
    "aerospike_py.predicates.contains": (
        "collection (list/map) secondary indexes and their predicate are not supported yet"
    ),
    "aerospike_py.predicates.geo_within_geojson_region": _GEO,
    "aerospike_py.predicates.geo_within_radius": _GEO,
    "aerospike_py.predicates.geo_contains_geojson_point": _GEO,
    **{
        f"aerospike_py.{name}": _OBSERVABILITY
        for name in (
            "set_log_level",
            "get_metrics",
            "dropped_log_count",
            "set_metrics_enabled",
            "is_metrics_enabled",
            "set_internal_stage_metrics_enabled",
            "is_internal_stage_metrics_enabled",
            "internal_stage_profiling",
            "start_metrics_server",
            "stop_metrics_server",
            "init_tracing",
            "shutdown_tracing",
        )
    },
    **{
        f"aerospike_py.{cls}.{method}": reason
        for cls in ("Client", "AsyncClient")
        for method, reason in {
            "index_geo2dsphere_create": _GEO,
            "batch_write_numpy": _NUMPY_WRITE,
            "batch_write": _BATCH_RETRY,
            **{
                f"admin_{what}": _ADMIN
                for what in (
                    "change_password",
                    "create_role",
                    "create_user",
                    "drop_role",
                    "drop_user",
                    "grant_privileges",
                    "grant_roles",
                    "query_role",
                    "query_roles",
                    "query_user_info",
                    "query_users_info",
                    "revoke_privileges",
                    "revoke_roles",
                    "set_quotas",
                    "set_whitelist",
                )
            },
        }.items()
    },
    **{
        f"aerospike_py.LazyBatchRecords.{method}": _LAZY
        for method in (
            "all_user_keys",
            "found_count",
            "get",
            "items",
            "iter_records",
            "keys",
            "merge_to_dict",
            "release_cache",
            "to_list",
            "values",
        )
    },
}


def entries() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (module, name, entry)
        for module, names in MANIFEST["modules"].items()
        for name, entry in names.items()
    ]


def compatible(ours: list[list[Any]] | None, theirs: list[list[Any]] | None) -> str | None:
    """Why a call written for ``theirs`` would fail or change meaning on ``ours``, if it would."""
    if theirs is None or ours is None:
        return None if theirs == ours or theirs is None else "no signature"
    for index, (name, kind, default) in enumerate(theirs):
        if kind == "VAR_POSITIONAL":
            if not any(k == "VAR_POSITIONAL" for _, k, _ in ours):
                return f"takes no *{name}"
            continue
        match = [p for p in ours if p[0] == name]
        if not match:
            return f"has no parameter {name!r}"
        _, our_kind, our_default = match[0]
        positional = kind in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
        if positional and ours.index(match[0]) != index:
            return f"takes {name!r} at position {ours.index(match[0])}, not {index}"
        if positional and our_kind not in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD"):
            return f"takes {name!r} by keyword only"
        if kind == "POSITIONAL_OR_KEYWORD" and our_kind == "POSITIONAL_ONLY":
            return f"takes {name!r} by position only"
        if default is not None and our_default != default:
            return f"defaults {name!r} to {our_default}, not {default}"
    names = {p[0] for p in theirs}
    for name, kind, default in ours:
        if name not in names and default is None and kind not in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            return f"requires the extra parameter {name!r}"
    return None


def differences(where: str, ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """What ``ours`` lacks or changes of ``theirs``, each as 'where: why'."""
    if ours["kind"] != theirs["kind"]:
        return [f"{where}: a {ours['kind']} here, a {theirs['kind']} in 0.14.4"]
    found = []
    constant = theirs["kind"] == "constant" and not where.endswith("__version__")
    if constant and ours["value"] != theirs["value"]:
        found.append(f"{where}: {ours['value']!r}, not {theirs['value']!r}")
    if theirs["kind"] == "function":
        why = compatible(ours["signature"], theirs["signature"])
        if why:
            found.append(f"{where}: {why}")
    if theirs["kind"] == "class":
        missing_bases = set(theirs["bases"][1:]) - set(ours["bases"])
        if missing_bases:
            found.append(f"{where}: not a subclass of {sorted(missing_bases)}")
        if (
            "fields" in theirs
            and ours.get("fields", [])[: len(theirs["fields"])] != theirs["fields"]
        ):
            found.append(f"{where}: fields {ours.get('fields')}, not {theirs['fields']}")
        if "keys" in theirs and set(theirs["keys"]) - set(ours.get("keys", [])):
            found.append(f"{where}: lacks keys {sorted(set(theirs['keys']) - set(ours['keys']))}")
        for method, signature in theirs.get("methods", {}).items():
            at = f"{where}.{method}"
            if method not in ours.get("methods", {}):
                found.append(f"{at}: missing")
            else:
                why = compatible(ours["methods"][method], signature)
                if why:
                    found.append(f"{at}: {why}")
    return found


def our_differences() -> list[str]:
    found = []
    for module_name, name, theirs in entries():
        module = importlib.import_module(module_name)
        where = f"{module_name}.{name}"
        if not hasattr(module, name):
            found.append(f"{where}: missing")
            continue
        found += differences(where, describe(getattr(module, name)), theirs)
    return found


def gap_of(difference: str) -> str | None:
    where = difference.split(":", 1)[0]
    return where if where in KNOWN_GAPS else None


def test_every_name_of_0_14_4_is_here_with_its_value_and_signature() -> None:
    unexplained = [d for d in our_differences() if gap_of(d) is None]
    assert unexplained == []


def test_every_known_gap_is_still_a_gap() -> None:
    """A gap that was filled must leave the list (and the migration guide)."""
    explained = {gap_of(d) for d in our_differences()}
    assert set(KNOWN_GAPS) - explained == set()


def test_the_manifest_covers_every_module_and_hundreds_of_names() -> None:
    members = sum(len(e.get("methods", {})) for _, _, e in entries())
    assert len(MANIFEST["modules"]) == 9
    assert len(entries()) + members > 600


def test_the_migration_guide_lists_every_known_gap() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "migrating.md").read_text()
    for where, reason in KNOWN_GAPS.items():
        assert where.removeprefix("aerospike_py.") in guide, where
        assert reason in guide, where


@pytest.mark.parametrize("module", list(MANIFEST["modules"]))
def test_all_of_each_module_holds_the_names_of_0_14_4(module: str) -> None:
    exported = set(getattr(importlib.import_module(module), "__all__", []))
    theirs = {f"{module}.{name}" for name in MANIFEST["modules"][module]}
    if exported:
        assert {w for w in theirs if w.rsplit(".", 1)[1] not in exported} - set(KNOWN_GAPS) == set()
