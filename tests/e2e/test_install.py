"""A user's first hour: the wheel installed into a clean venv, with no Rust on ``PATH``, and the
README's and the quickstart's commands run as written (only the ports, and the package name
replaced by the wheel's path, differ).

The wheel is built once per session (``maturin build --release``, reusing ``make build``'s
artifacts) unless ``FASTAPI_AEROSPIKE_WHEEL`` names one already built (``make wheel``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_sample_gunicorn import free_port
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.DOTALL | re.MULTILINE)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
PUBLIC_MODULES = [
    "aerospike_py",
    "aerospike_py.devserver",
    "aerospike_py.exp",
    "fastapi_aerospike",
    "fastapi_aerospike.dependencies",
    "fastapi_aerospike.diagnosis",
    "fastapi_aerospike.errors",
    "fastapi_aerospike.extras",
    "fastapi_aerospike.health",
    "fastapi_aerospike.install",
    "fastapi_aerospike.lifespan",
    "fastapi_aerospike.middleware",
    "fastapi_aerospike.settings",
    "fastapi_aerospike.shedding",
    "fastapi_aerospike.startup",
]

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("FASTAPI_AEROSPIKE_WHEEL")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("wheel")
    maturin = shutil.which("maturin", path=Path(sys.executable).parent) or "maturin"
    build = ["build", "--release", "--auditwheel", "check", "-q", "-i", sys.executable]
    subprocess.run(
        [maturin, *build, "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return built


class Venv:
    """A fresh venv whose ``PATH`` holds it and the system's tools, and no ``cargo``."""

    def __init__(self, where: Path) -> None:
        subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
        self.bin = where / "bin"
        self.env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "HOME": os.environ.get("HOME", str(where)),
            "LANG": "C.UTF-8",
            **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
        }
        assert shutil.which("cargo", path=self.env["PATH"]) is None

    def run(self, command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", command], cwd=cwd, env=self.env, capture_output=True, text=True
        )

    @contextlib.contextmanager
    def serve(self, command: str, cwd: Path, url: str) -> Iterator[None]:
        """Run ``command`` (a server, maybe with a dev server in the background) until ``url``
        answers; stop its whole process group after."""
        log = cwd / "serve.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                ["bash", "-c", command],
                cwd=cwd,
                env=self.env,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )

        def up() -> bool:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(httpx.TransportError):
                return httpx.get(f"{url}/health/ready", timeout=1).status_code == 200
            return False

        try:
            assert wait_until(up, 60, interval=0.2), log.read_text()
            yield
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Venv:
    """The base install: ``pip install fastapi-aerospike``, extras come in the tests."""
    venv = Venv(tmp_path_factory.mktemp("venv"))
    installed = venv.run(f"pip install -q '{wheel}'", ROOT)
    assert installed.returncode == 0, installed.stderr
    return venv


def as_written(command: str, wheel: Path, ports: dict[str, int]) -> str:
    """A documented command with the wheel for the package name and free ports for the usual."""
    command = command.replace('"fastapi-aerospike[', f'"{wheel}[')
    for usual, port in ports.items():
        command = command.replace(usual, str(port))
    return command


def user_commands(text: str) -> list[str]:
    """The install and run commands of a page's first bash block, comments dropped."""
    block = BASH_BLOCK.findall(text)[0]
    return [line.split("   #")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_base_install_imports_every_public_module_and_names_missing_extras(
    venv: Venv, tmp_path: Path
) -> None:
    imported = venv.run(f"python -c 'import {', '.join(PUBLIC_MODULES)}'", tmp_path)
    assert imported.returncode == 0, imported.stderr
    for module, extra in [("metrics", "metrics"), ("testing", "testing")]:
        failed = venv.run(f"python -c 'import fastapi_aerospike.{module}'", tmp_path)
        last = failed.stderr.strip().splitlines()[-1]
        assert last.startswith("fastapi_aerospike.extras.MissingExtraError: "), failed.stderr
        assert f"pip install 'fastapi-aerospike[{extra}]'" in last
    install = (
        "from fastapi import FastAPI; from fastapi_aerospike import install; install(FastAPI())"
    )
    failed = venv.run(f'python -c "{install}"', tmp_path)
    assert "pip install 'fastapi-aerospike[metrics]'" in failed.stderr.splitlines()[-1]


def test_the_readme_commands_install_and_run_the_app(
    venv: Venv, wheel: Path, tmp_path: Path
) -> None:
    readme = (ROOT / "README.md").read_text()
    install, devserver_command, serve, own_cluster = user_commands(
        readme.split("In your own project", 1)[1]
    )
    (tmp_path / "app.py").write_text(PYTHON_BLOCK.findall(readme)[0])
    devserver = free_port()
    ports = {"3000": devserver, "8000": free_port()}
    installed = venv.run(as_written(install, wheel, ports), tmp_path)
    assert installed.returncode == 0, installed.stderr
    url = f"http://127.0.0.1:{ports['8000']}"
    with venv.serve(as_written(f"{devserver_command}\n{serve}", wheel, ports), tmp_path, url):
        assert httpx.put(f"{url}/users/ada", params={"name": "Ada"}).status_code == 200
        assert httpx.get(f"{url}/users/ada").json() == {"name": "Ada"}
        missing = httpx.get(f"{url}/users/nobody")
        assert missing.status_code == 404
        assert missing.json()["detail"][0]["type"] == "record_not_found"
        # Under gunicorn, on "your cluster": the dev server already running; gunicorn binds
        # its default 127.0.0.1:8000 unless told, which only the port is here.
        app = free_port()
        cluster = own_cluster.replace("db1:3000,db2:3000", f"127.0.0.1:{devserver}")
        cluster += f" -b 127.0.0.1:{app}"
        url = f"http://127.0.0.1:{app}"
        with venv.serve(cluster, tmp_path, url):
            assert httpx.get(f"{url}/users/ada").json() == {"name": "Ada"}
            assert "aerospike_operations_completed_total" in httpx.get(f"{url}/metrics").text


def test_the_quickstart_commands_run_its_app(venv: Venv, wheel: Path, tmp_path: Path) -> None:
    quickstart = (ROOT / "docs" / "quickstart.md").read_text()
    install, devserver_command, serve, put, get = user_commands(quickstart)
    (tmp_path / "app.py").write_text(PYTHON_BLOCK.findall(quickstart)[0])
    ports = {"3000": free_port(), "8000": free_port()}
    installed = venv.run(as_written(install, wheel, ports), tmp_path)
    assert installed.returncode == 0, installed.stderr
    url = f"http://127.0.0.1:{ports['8000']}"
    with venv.serve(as_written(f"{devserver_command}\n{serve}", wheel, ports), tmp_path, url):
        saved = venv.run(
            as_written(f"curl -sf {put.removeprefix('curl ')}", wheel, ports), tmp_path
        )
        assert saved.stdout == '{"id":"ada"}', saved.stderr
        read = venv.run(as_written(f"curl -sf {get.removeprefix('curl ')}", wheel, ports), tmp_path)
        assert read.stdout == '{"name":"Ada"}', read.stderr
