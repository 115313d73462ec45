"""`tandem serve --prod` as an operator runs it: a real gunicorn process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_production_server_serves_pages_static_files_and_health(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["TANDEM_DATA_DIR"] = str(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "tandem", "serve", "--prod", "--no-worker", "--port", str(port),
         "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = fetch(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    output = server.communicate()[0]
                    raise AssertionError(f"server did not start:\n{output}") from None
                time.sleep(0.3)
        assert (status, body) == (200, '{"status": "ok"}')

        status, body = fetch(f"{base}/login/")
        assert status == 200
        assert "Log in" in body
        assert "gunicorn" not in body  # no debug pages, no server banner

        status, css = fetch(f"{base}/static/tandem/tandem.css")
        assert status == 200
        assert ".topbar" in css

        status, body = fetch(f"{base}/contacts/")  # login required: redirected to the form
        assert status == 200
        assert 'name="password"' in body

        # Charts and htmx come from our own static files, never from a CDN.
        status, script = fetch(f"{base}/static/vendor/plotly/plotly.min.js")
        assert status == 200
        assert "plotly" in script[:2000].lower()
        status, _ = fetch(f"{base}/static/django_htmx/htmx-2.min.js")
        assert status == 200

        status, body = fetch(f"{base}/static/tandem/missing.css")
        assert status == 404
        assert "Traceback" not in body
    finally:
        server.terminate()
        server.wait(timeout=20)
    # Stopping `tandem serve` stops the web server it started: the port is free again.
    deadline = time.monotonic() + 20
    while not port_is_free(port):
        assert time.monotonic() < deadline, "the web server outlived `tandem serve`"
        time.sleep(0.3)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0
