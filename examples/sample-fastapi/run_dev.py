"""``make run``: the sample service under gunicorn (UvicornWorkers) on an embedded dev server.

The dev server runs in this process on 127.0.0.1 (``DEVSERVER_PORT``, 3000 by default); gunicorn
runs as a child on ``GUNICORN_BIND`` (127.0.0.1:8000 by default) with ``AEROSPIKE_HOSTS``
pointing at the dev server. Once the app is ready, the URLs to open are printed; a port already
in use ends the run at once with one line naming it and the variable that moves it. SIGINT or
SIGTERM stops gunicorn gracefully, then the dev server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import FrameType

from aerospike_py.devserver import DevServer

HERE = Path(__file__).resolve().parent
DEFAULT_DEVSERVER_PORT = "3000"
DEFAULT_BIND = "127.0.0.1:8000"
READY_WITHIN_SECONDS = 60.0


def busy(what: str, example: str) -> int:
    """The one line a busy port ends the run with; the exit status."""
    print(f"make run: {what} is in use; choose another with {example} make run", file=sys.stderr)
    return 1


def bind_address(bind: str) -> tuple[str, int] | None:
    """``(host, port)`` of a ``host:port`` bind, or None for another form (``unix:...``)."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def port_is_free(host: str, port: int) -> bool:
    try:
        socket.create_server((host, port)).close()
    except OSError:
        return False
    return True


def url_of(host: str, port: int) -> str:
    """The URL to open for a bind address (every interface: this machine's loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def announce_when_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    """Print the URLs to open once the app answers its readiness probe."""
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/health/ready", timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        return
    print(
        f"\n  app:               {url}\n"
        f"  interactive docs:  {url}/docs\n"
        f"  metrics:           {url}/metrics\n"
        "  (ports: GUNICORN_BIND for the app, DEVSERVER_PORT for the dev server; Ctrl-C stops)\n",
        flush=True,
    )


def main() -> int:
    devserver_port = os.environ.get("DEVSERVER_PORT", DEFAULT_DEVSERVER_PORT)
    bind = os.environ.get("GUNICORN_BIND", DEFAULT_BIND)
    address = bind_address(bind)
    if address is not None and not port_is_free(*address):
        host, port = address
        return busy(
            f"port {port} (the app's, GUNICORN_BIND={bind})", f"GUNICORN_BIND={host}:{port + 1}"
        )
    server = DevServer(port=int(devserver_port))
    try:
        server.start()
    except OSError:
        example = f"DEVSERVER_PORT={int(devserver_port) + 1}"
        return busy(f"port {devserver_port} (the dev server's, DEVSERVER_PORT)", example)
    with server:
        hosts = ",".join(f"{host}:{port}" for host, port in server.hosts)
        print(f"aerospike dev server ready on {hosts}", flush=True)
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "service:app"],
            cwd=HERE,
            env={**os.environ, "AEROSPIKE_HOSTS": hosts, "GUNICORN_BIND": bind},
        )
        if address is not None:
            threading.Thread(
                target=announce_when_ready, args=(url_of(*address), gunicorn), daemon=True
            ).start()

        def forward(signum: int, frame: FrameType | None) -> None:
            gunicorn.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        return gunicorn.wait()


if __name__ == "__main__":
    sys.exit(main())
