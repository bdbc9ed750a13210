"""``make run``: the sample service under gunicorn (UvicornWorkers) on an embedded dev server.

The dev server runs in this process on 127.0.0.1 (``DEVSERVER_PORT``, 3000 by default); gunicorn
runs as a child with ``AEROSPIKE_HOSTS`` pointing at it. SIGINT or SIGTERM stops gunicorn
gracefully, then the dev server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from aerospike_py.devserver import DevServer

HERE = Path(__file__).resolve().parent


def main() -> int:
    with DevServer(port=int(os.environ.get("DEVSERVER_PORT", "3000"))) as server:
        hosts = ",".join(f"{host}:{port}" for host, port in server.hosts)
        print(f"aerospike dev server ready on {hosts}", flush=True)
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "service:app"],
            cwd=HERE,
            env={**os.environ, "AEROSPIKE_HOSTS": hosts},
        )

        def forward(signum: int, frame: FrameType | None) -> None:
            gunicorn.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        return gunicorn.wait()


if __name__ == "__main__":
    sys.exit(main())
