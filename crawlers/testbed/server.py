"""The testbed HTTP server: stdlib ThreadingHTTPServer on 127.0.0.1, one path prefix per forum.

``with serve(community) as base_url:`` runs it in a background thread for tests; the CLI
``misusewatch testbed serve`` runs it in the foreground. ``/robots.txt`` allows everything but
``/private`` (and the ``/_testbed`` control endpoints); faults are described in faults.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from crawlers.testbed.community import Community
from crawlers.testbed.faults import Fault, FaultPlan, corrupt, inflate
from crawlers.testbed.sites import Response, build_sites
from crawlers.testbed.sites.markup import esc, iso
from misusewatch.records import parse_time

ROBOTS = "User-agent: *\nDisallow: /private\nDisallow: /_testbed\n"
CONTROL_PARAMS = ("_fault", "_first", "_delay", "_retry_after")


class TestbedServer(ThreadingHTTPServer):
    """Serves a community; ``requests`` counts hits per URL, ``log`` keeps recent (url, status)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # several crawl processes connect at once (socketserver's default: 5)

    def __init__(self, community: Community, host: str = "127.0.0.1", port: int = 0,
                 faults: list[Fault] | tuple[Fault, ...] = (), verbose: bool = False):
        super().__init__((host, port), TestbedHandler)
        self.community = community
        self.sites = build_sites(community)
        self.faults = FaultPlan(faults)
        self.verbose = verbose
        self.lock = threading.RLock()  # content caches are not thread-safe; rendering is cheap
        self.requests: Counter = Counter()
        self.query_fault_counts: Counter = Counter()
        self.log: deque = deque(maxlen=100_000)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def set_now(self, when) -> None:
        with self.lock:
            self.community.set_now(when)

    def dispatch(self, target: str, host: str | None = None) -> Response:
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if not segments:
            return Response.html(self._index())
        if segments == ["robots.txt"]:
            return Response(200, ROBOTS.encode(), "text/plain; charset=utf-8")
        if segments[0] == "private":
            return Response.html("<html><body><p>Members only.</p></body></html>")
        if segments[0] == "_testbed":
            return self._control(segments[1:], query)
        site = self.sites.get(segments[0])
        if site is None:
            return Response.not_found()
        with self.lock:
            site.base_url = f"http://{host or self.url.removeprefix('http://')}"
            response = site.handle(segments[1:], query)
        return response if response is not None else Response.not_found()

    def _index(self) -> str:
        items = "".join(
            f'<li><a href="/{f.key}/">{esc(f.key)}</a> ({esc(f.platform)})</li>' for f in self.community.forums
        )
        return f"<html><head><title>misusewatch testbed</title></head><body><ul>{items}</ul></body></html>"

    def _control(self, path: list[str], query) -> Response:
        if path == ["status"]:
            return Response.json({
                "seed": self.community.seed, "posts": self.community.posts, "now": iso(self.community.now),
                "thread_posts": self.community.thread_posts,
                "forums": [f.key for f in self.community.forums],
            })
        if path == ["now"] and query.get("to"):
            self.set_now(parse_time(query["to"][0], "to"))
            return Response.json({"now": iso(self.community.now)})
        return Response.not_found()


class TestbedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "misusewatch-testbed/1.0"
    # Headers and body go out in two writes; with Nagle's algorithm on, keep-alive clients
    # would wait ~40 ms (delayed ACK) on every response.
    disable_nagle_algorithm = True
    server: TestbedServer

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def do_POST(self) -> None:  # noqa: N802 (only the control endpoints accept POST)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        server = self.server
        target, faults = self._faults()
        server.requests[target] += 1
        kinds = {f.kind: f for f in faults}
        if "slow" in kinds:
            time.sleep(kinds["slow"].delay)
        if "drop" in kinds:
            server.log.append((target, 0))
            self.close_connection = True
            return
        for status in ("429", "503"):
            if status in kinds:
                retry = kinds[status].retry_after
                headers = {"Retry-After": str(retry)} if retry is not None else {}
                body = b"Too Many Requests" if status == "429" else b"Service Unavailable"
                self._send(Response(int(status), body, "text/plain", headers), head, target)
                return
        try:
            response = server.dispatch(target, self.headers.get("Host"))
        except Exception as exc:  # a bug here must show as a 500, not a hung client
            response = Response(500, f"testbed error: {exc!r}".encode(), "text/plain")
        if response.status == 200:
            etag = '"' + hashlib.md5(response.body).hexdigest() + '"'
            response.headers.setdefault("ETag", etag)
            if self.headers.get("If-None-Match") == etag:
                self._send(Response(304, b"", response.content_type, {"ETag": etag}), head, target)
                return
            if "malformed" in kinds:
                response.body = corrupt(response.body, response.content_type)
            if "huge" in kinds:
                response.body = inflate(response.body, response.content_type)
        if "truncate" in kinds:
            self._send_truncated(response, target)
            return
        self._send(response, head, target)

    def _faults(self) -> tuple[str, list[Fault]]:
        """The URL without fault parameters, and the faults that apply to this request."""
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        extra: list[Fault] = []
        if "_fault" in query:
            try:
                fault = Fault(query["_fault"][0], "/", int(query.get("_first", ["0"])[0]),
                              float(query.get("_delay", ["1"])[0]),
                              int(query.get("_retry_after", ["1"])[0]))
                extra.append(fault)
            except ValueError:
                pass
        kept = [f"{k}={v}" for k, values in query.items() if k not in CONTROL_PARAMS for v in values]
        target = parts.path + ("?" + "&".join(kept) if kept else "")
        faults = self.server.faults.pick(target)
        for fault in extra:
            # Per-request faults count per URL too, so "?_fault=429&_first=2" fails twice only.
            with self.server.faults.lock:
                counts = self.server.query_fault_counts
                counts[(fault.kind, target)] += 1
                if not fault.first or counts[(fault.kind, target)] <= fault.first:
                    faults.append(fault)
        return target, faults

    def _send(self, response: Response, head: bool, target: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(response.body)
        self.server.log.append((target, response.status))

    def _send_truncated(self, response: Response, target: str) -> None:
        """Promise the whole body, send half, hang up: what a dying upstream looks like."""
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body[: len(response.body) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.server.log.append((target, -response.status))

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if self.server.verbose:
            super().log_message(format, *args)


class BaseURL(str):
    """The server's base URL (``http://127.0.0.1:PORT``), carrying the server for tests."""

    server: TestbedServer


@contextlib.contextmanager
def serve(community: Community, port: int = 0, host: str = "127.0.0.1",
          faults: list[Fault] | tuple[Fault, ...] = (), verbose: bool = False) -> Iterator[BaseURL]:
    """Serve ``community`` in a background thread; yields the base URL (``.server`` on it)."""
    server = TestbedServer(community, host, port, faults, verbose)
    thread = threading.Thread(target=server.serve_forever, name="testbed-server", daemon=True)
    thread.start()
    url = BaseURL(server.url)
    url.server = server
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
