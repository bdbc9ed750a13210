"""The code examples of the docs run, so the docs cannot drift from the code.

Examples connect where the docs say a local server listens (``("127.0.0.1", 3000)``), which
here means the server under test, and write under sets renamed for this run (``users`` becomes
``users_<run tag>``, and so do index names that start with a set's name), so they pass again on a
real server that kept the last run's records. An example that defines ``app`` is also started and
stopped (its lifespan connects to that server), since an app that only imports is not yet a
working example.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager

from aerospike_py import ClientConfig
from tests.conftest import RUN_TAG

DOCS = Path(__file__).resolve().parents[2] / "docs"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
SNIPPET_INCLUDE = re.compile(r'^--8<-- "([^"]+)"$', re.MULTILINE)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(line, code)`` of every ```python block, with mkdocs' ``--8<-- "file"`` includes
    replaced by the file they show."""
    return [
        (
            text.count("\n", 0, match.start()) + 2,
            SNIPPET_INCLUDE.sub(
                lambda include: (DOCS.parent / include.group(1)).read_text(), match.group(1)
            ),
        )
        for match in PYTHON_BLOCK.finditer(text)
    ]


LOCAL_SERVER = '("127.0.0.1", 3000)'
SET_OF_TEST = re.compile(r'"test", "(\w+)"')


def with_sets_of_this_run(code: str) -> str:
    for set_name in set(SET_OF_TEST.findall(code)):
        code = re.sub(rf'"{set_name}(\w*)"', rf'"{set_name}_{RUN_TAG}\1"', code)
    return code


def examples() -> list[tuple[str, str]]:
    """``(where, code)`` of every ```python block of the docs."""
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for line, code in python_blocks(page.read_text()):
            found.append((f"{page.name}:{line}", code))
    return found


def test_the_docs_have_examples() -> None:
    assert len(examples()) >= 5


def test_the_client_config_table_lists_every_key() -> None:
    """Every key ``ClientConfig`` types (and the client accepts) has a row, and no other."""
    table = (DOCS / "client.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = {name for cell in rows for name in re.findall(r"`(\w+)`", cell)}
    assert documented == set(ClientConfig.__annotations__)


@pytest.mark.parametrize(("where", "code"), examples(), ids=[where for where, _ in examples()])
async def test_docs_example_runs(
    where: str,
    code: str,
    aerospike_hosts: list[tuple[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    hosts = ",".join(f"{host}:{port}" for host, port in aerospike_hosts)
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("AEROSPIKE_")]:
        del os.environ[name]
    os.environ["AEROSPIKE_HOSTS"] = os.environ["AEROSPIKE_ANALYTICS_HOSTS"] = hosts
    monkeypatch.chdir(tmp_path)
    try:
        namespace: dict[str, object] = {"__name__": "docs_example"}
        local = with_sets_of_this_run(code.replace(LOCAL_SERVER, repr(aerospike_hosts[0])))
        # Off the loop: an example may block, or run its own loop with asyncio.run.
        await asyncio.to_thread(exec, compile(local, where, "exec"), namespace)
        if "app" in namespace:
            async with LifespanManager(namespace["app"], startup_timeout=30):  # type: ignore[arg-type]
                pass
    finally:
        os.environ.clear()
        os.environ.update(saved)


def pages() -> list[Path]:
    return [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", pages(), ids=[page.name for page in pages()])
def test_snippets_import_only_what_they_use(page: Path) -> None:
    """Pyflakes on every ```python block: a snippet to copy carries no unused import."""
    ruff = Path(sys.executable).parent / "ruff"
    for _, code in python_blocks(page.read_text()):
        checked = subprocess.run(
            [str(ruff), "check", "--select", "F", "--stdin-filename", "snippet.py", "-"],
            input=code,
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, f"{page.name}:\n{code}\n{checked.stdout}"


def test_every_make_command_in_the_docs_is_a_target() -> None:
    makefile = (DOCS.parent / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, re.MULTILINE))
    for page in pages():
        text = page.read_text()
        code = "\n".join(
            re.findall(r"`[^`\n]+`", text)
            + re.findall(r"^```bash\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
        )
        for command in re.findall(r"\bmake ([\w-]+)", code):
            assert command in targets, f"{page.name}: make {command}"


TYPED_PAGES = [
    "README.md",
    "docs/quickstart.md",
    "docs/configuration.md",
    "docs/deployment.md",
    "docs/testing.md",
    "docs/tuning.md",
    "docs/mistakes.md",
    "docs/production.md",
]


def test_the_integrations_snippets_pass_mypy_strict(tmp_path: Path) -> None:
    """A snippet copied into a project checked with ``mypy --strict`` must pass it."""
    for page in TYPED_PAGES:
        text = (DOCS.parent / page).read_text()
        for index, (_, code) in enumerate(python_blocks(text)):
            (tmp_path / f"{Path(page).stem}_{index}.py").write_text(code)
    mypy = Path(sys.executable).parent / "mypy"
    checked = subprocess.run(
        [str(mypy), "--strict", "--cache-dir", str(tmp_path / ".cache"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout
