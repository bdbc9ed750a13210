"""mkdocs hook: the configuration reference table, generated from AerospikeSettings.

A page containing the line ``<!-- settings-reference -->`` gets it replaced by one row per
field: variable, type, default, bounds and description, so the page cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from pydantic.fields import FieldInfo

from fastapi_aerospike.settings import DEFAULT_ENV_PREFIX, AerospikeSettings

MARKER = "<!-- settings-reference -->"
BOUNDS = (
    ("ge", ">="),
    ("gt", ">"),
    ("le", "<="),
    ("lt", "<"),
    ("min_length", "length >="),
    ("max_length", "length <="),
)


def _bounds(field: FieldInfo) -> str:
    found = []
    for constraint in field.metadata:
        for attribute, symbol in BOUNDS:
            value = getattr(constraint, attribute, None)
            if value is not None:
                found.append(f"{symbol} {value}")
    return ", ".join(found)


def _default(name: str, field: FieldInfo) -> str:
    if name == "hosts":
        return "`" + AerospikeSettings().describe_hosts() + "`"
    return "not set" if field.default is None else f"`{field.default}`"


def _type(field: FieldInfo) -> str:
    text = getattr(field.annotation, "__name__", None) or str(field.annotation)
    return text.replace("typing.", "").replace("pydantic.types.", "").replace("|", "or")


def settings_table() -> str:
    """The Markdown table of every setting."""
    rows = ["| Variable | Type | Default | Bounds | Meaning |", "|---|---|---|---|---|"]
    for name, field in AerospikeSettings.model_fields.items():
        kind = "host:port list" if name == "hosts" else _type(field)
        rows.append(
            f"| `{DEFAULT_ENV_PREFIX}{name.upper()}` | {kind} | {_default(name, field)} "
            f"| {_bounds(field)} | {field.description} |"
        )
    return "\n".join(rows)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return markdown.replace(MARKER, settings_table()) if MARKER in markdown else markdown
