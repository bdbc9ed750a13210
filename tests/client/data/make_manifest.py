"""Writes ``aerospike_py_0_14_4.json``: the public API of the published aerospike-py 0.14.4 wheel
(names, kinds, signatures, constant values, class bases, fields and methods, module by module),
which ``tests/client/test_compat_manifest.py`` compares this package against.

Regenerate (needs PyPI; the two packages share the import name, so the wheel gets a venv of its
own in a temporary directory)::

    python tests/client/data/make_manifest.py

``--dump OUT`` is the half that runs inside that venv.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
import tempfile
import typing
from pathlib import Path
from typing import Any

VERSION = "0.14.4"
HERE = Path(__file__).resolve().parent
OUT = HERE / "aerospike_py_0_14_4.json"
MODULES = [
    "aerospike_py",
    "aerospike_py.exception",
    "aerospike_py.bit_operations",
    "aerospike_py.hll_operations",
    "aerospike_py.list_operations",
    "aerospike_py.map_operations",
    "aerospike_py.exp",
    "aerospike_py.predicates",
    "aerospike_py.types",
]


def signature(function: Any) -> list[list[Any]] | None:
    """``[name, kind, repr(default) or None]`` per parameter, ``self`` left out."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    return [
        [p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
        for p in parameters
        if p.name != "self"
    ]


def describe(value: Any) -> dict[str, Any]:
    if inspect.ismodule(value):
        return {"kind": "module"}
    if isinstance(value, bool | int | float | str) or value is None:
        return {"kind": "constant", "value": value}
    if inspect.isclass(value):
        entry: dict[str, Any] = {"kind": "class", "bases": [c.__name__ for c in value.__mro__]}
        if issubclass(value, tuple) and hasattr(value, "_fields"):
            entry["fields"] = list(value._fields)
        elif typing.is_typeddict(value):
            entry["keys"] = sorted(value.__annotations__)
        elif not issubclass(value, BaseException):
            entry["methods"] = {
                name: signature(getattr(value, name))
                for name in sorted(dir(value))
                if (not name.startswith("_") or name in ("__enter__", "__aenter__"))
                and callable(getattr(value, name))
                and not hasattr(object, name)
            }
        return entry
    if callable(value) and not hasattr(value, "__origin__"):
        return {"kind": "function", "signature": signature(value)}
    return {"kind": "alias"}


def public_names(module: Any) -> list[str]:
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and getattr(value, "__module__", module.__name__) in (module.__name__, "builtins")
        and value is not Any
    ]


def dump(out: Path) -> None:
    manifest: dict[str, Any] = {"version": VERSION, "modules": {}}
    for name in MODULES:
        module = importlib.import_module(name)
        manifest["modules"][name] = {n: describe(getattr(module, n)) for n in public_names(module)}
    out.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"aerospike-py=={VERSION}"], check=True
        )
        # From the temporary directory, so this repository's aerospike_py is not on the path.
        subprocess.run(
            [str(python), str(Path(__file__).resolve()), "--dump", str(OUT)], cwd=tmp, check=True
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--dump"]:
        sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
        dump(Path(sys.argv[2]))
    else:
        main()
