"""The code examples of the docs run, so the docs cannot drift from the code."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def examples() -> list[tuple[str, str]]:
    """``(where, code)`` of every ```python block of the docs."""
    found = []
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text()
        for match in PYTHON_BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            found.append((f"{page.name}:{line}", match.group(1)))
    return found


def test_the_docs_have_examples() -> None:
    assert len(examples()) >= 2


@pytest.mark.parametrize(("where", "code"), examples(), ids=[where for where, _ in examples()])
def test_docs_example_runs(
    where: str, code: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in [n for n in os.environ if n.startswith("AEROSPIKE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    saved = dict(os.environ)
    try:
        exec(compile(code, where, "exec"), {"__name__": "docs_example"})
    finally:
        os.environ.clear()
        os.environ.update(saved)
