"""In headless Chromium, with every request that leaves localhost caught by a recording proxy,
the schema page draws its diagrams and asks no other host for anything."""

from __future__ import annotations

import functools
import shutil
import socket
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NoReturn

import pytest

from tests.docs.diagram import diagrams, drawn, expected_edges, expected_nodes
from tests.docs.dom import parse
from tests.unavailable import without

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _without_browser(reason: str) -> NoReturn:
    without("Chromium", reason, "STORE_REQUIRE_BROWSER")


@pytest.fixture(scope="module")
def browser() -> str:
    """The path of a Chromium or Chrome binary."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    _without_browser(f"none of {', '.join(BROWSERS)} is on PATH (Debian: apt-get install chromium)")


class _Recorder(socketserver.StreamRequestHandler):
    """Records the request line (`CONNECT host:443` or `GET http://…`) and refuses it."""

    timeout = 5  # a connection that never sends a request still ends, and is still recorded

    def handle(self) -> None:
        assert isinstance(self.server, RecordingProxy)
        try:
            line = self.rfile.readline().decode("latin-1").strip()
        except TimeoutError:
            line = ""
        self.server.requests.append(line or "(a connection that sent no request)")
        self.wfile.write(
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )


class RecordingProxy(socketserver.ThreadingTCPServer):
    # Closing the server waits for every handler, so `requests` is complete once it is closed.
    daemon_threads = False
    block_on_close = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.requests: list[str] = []


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """The test reports what matters; a line per file served is noise."""


@contextmanager
def serving(server: socketserver.TCPServer) -> Iterator[int]:
    """Run `server` in a thread; yield its port."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.socket.getsockname()[1])
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections (bound, never listening) while in use."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextmanager
def offline_browser(browser: str, tmp_path: Path) -> Iterator[tuple[RecordingProxy, list[str]]]:
    """A recording proxy, and the Chromium command line that sends it every non-local request.

    Chromium connects to loopback directly and sends everything else to the proxy. Its own
    services (component updates, sign-in, sync, network time, autofill) are switched off or
    pointed at a closed local port, so that what reaches the proxy can only come from a page.
    """
    proxy = RecordingProxy()
    with serving(proxy) as proxy_port, closed_port() as dead:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--proxy-server=http://127.0.0.1:{proxy_port}",
            "--disable-component-update",
            f"--component-updater=url-source=http://127.0.0.1:{dead}/",
            f"--gaia-url=http://127.0.0.1:{dead}/",
            "--disable-sync",
            "--no-first-run",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-client-side-phishing-detection",
            "--disable-domain-reliability",
            "--no-pings",
            "--disable-features=NetworkTimeServiceQuerying,AutofillServerCommunication,"
            "OptimizationHints,Translate,MediaRouter",
            "--virtual-time-budget=5000",
        ]
        yield proxy, command


def dump_dom(command: list[str], directory: Path, path: str) -> str:
    """The DOM of `path`, served from `directory` on localhost, after its scripts settled."""
    files = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietFiles, directory=str(directory))
    )
    with serving(files) as port:
        shown = subprocess.run(
            [*command, "--dump-dom", f"http://127.0.0.1:{port}/{path}"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert shown.returncode == 0, f"Chromium failed ({shown.returncode}):\n{shown.stderr}"
    return shown.stdout


def test_the_schema_page_draws_the_diagram_without_leaving_localhost(
    browser: str, built_site: Path, tmp_path: Path
) -> None:
    with offline_browser(browser, tmp_path) as (proxy, command):
        dom = parse(dump_dom(command, built_site, "reference/schema/"))

    nodes, edges = drawn(diagrams(dom).values())
    assert nodes == expected_nodes()
    assert edges == expected_edges()
    assert proxy.requests == []


def test_a_page_reaching_for_another_host_is_caught(browser: str, tmp_path: Path) -> None:
    page = tmp_path / "page"
    page.mkdir()
    (page / "index.html").write_text(
        '<script src="https://cdn.example.invalid/mermaid.min.js"></script>'
        '<link rel="stylesheet" href="http://fonts.example.invalid/roboto.css">',
        encoding="utf-8",
    )

    with offline_browser(browser, tmp_path) as (proxy, command):
        dump_dom(command, page, "")

    assert sorted(proxy.requests) == [
        "CONNECT cdn.example.invalid:443 HTTP/1.1",
        "GET http://fonts.example.invalid/roboto.css HTTP/1.1",
    ]
