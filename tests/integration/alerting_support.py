"""Real servers and a seeded store for the alerting tests: aiosmtpd, a stdlib HTTP receiver."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from misusewatch.notify import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from misusewatch.records import Actor, CrawlRun, Enrichment, Post
from misusewatch.store import Store

WEBHOOK_SECRET = "s3cret-for-tests"
SECRET_ENV = "MISUSEWATCH_TEST_WEBHOOK_SECRET"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- SMTP


class _SmtpHandler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.sink.received.append((list(envelope.rcpt_tos), message))
        self.sink.arrived.set()
        if self.sink.block_on is not None and len(self.sink.received) == self.sink.block_on:
            self.sink.blocked.set()
            while not self.sink.release.is_set():  # the server holds its reply: the crash window
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""

    port: int = field(default_factory=free_port)
    received: list[tuple[list[str], Any]] = field(default_factory=list)
    block_on: int | None = None  # hold the reply to the Nth message until release is set
    blocked: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    smtp_kwargs: dict[str, Any] = field(default_factory=dict)  # STARTTLS, AUTH...
    controller: Controller | None = None

    def start(self) -> SmtpSink:
        self.controller = Controller(_SmtpHandler(self), hostname="127.0.0.1", port=self.port,
                                     **self.smtp_kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Any]:
        return [m for rcpts, m in self.received if address in rcpts]

    def unique_keys(self, address: str) -> set[str]:
        return {m["X-Misusewatch-Idempotency-Key"] for m in self.to(address)}


# ---------------------------------------------------------------- webhooks


@dataclass
class Hook:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def key(self) -> str:
        return self.headers[IDEMPOTENCY_HEADER]

    def signature_ok(self, secret: str = WEBHOOK_SECRET) -> bool:
        return verify(secret, self.headers.get(TIMESTAMP_HEADER, ""), self.body,
                      self.headers.get(SIGNATURE_HEADER, ""), max_age_s=None)


class WebhookSink:
    """A real HTTP server on 127.0.0.1 recording each POST; can hold the Nth reply."""

    def __init__(self, block_on: int | None = None):
        self.received: list[Hook] = []
        self.block_on = block_on
        self.statuses: dict[str, list[int]] = {}  # path -> reply codes to use first (then 200)
        self.blocked, self.release = threading.Event(), threading.Event()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.received.append(Hook(self.path, dict(self.headers.items()), body))
                if sink.block_on is not None and len(sink.received) == sink.block_on:
                    sink.blocked.set()
                    sink.release.wait(120)
                queue = sink.statuses.get(self.path)
                status = queue.pop(0) if queue else 200
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("Location", "/elsewhere")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the client was killed while we held the reply

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def at(self, path: str) -> list[Hook]:
        return [h for h in self.received if h.path == path]

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- seeded store

T0 = datetime(2019, 6, 1, 12, tzinfo=UTC)


def _post(thread: str, no: str, author: str, when: datetime, text: str, title: str) -> Post:
    return Post(id="", source="forum-x", platform="discourse", site="forum.example",
                thread_id=thread, post_id=no, created_at=when, text=text, thread_title=title,
                author=author, author_id=author, url=f"https://forum.example/t/{thread}/{no}")


def _tag(post: Post, ladder: str, categories: list[str], tier: int | None,
         targets: list[str]) -> Enrichment:
    return Enrichment(post_id=post.id, enricher="tagger", version="1",
                      data={"targets": targets, "evidence": []},
                      facets={"lm_related": True, "categories": categories, "ladder": ladder,
                              "tier": tier})


def seed_store(store: Store) -> dict[str, Post]:
    """Three threads and a failing source; see the expected routing in test_alerts_delivery."""
    posts = {
        "a1": _post("100", "1", "mallory", T0,
                    "Sharing my script that mass-generates fake Example News articles with the "
                    "355M model, next we flood the comments.", "Fake news generator"),
        "a2": _post("100", "2", "mallory", T0 + timedelta(hours=2),
                    "Updated the script: now posts to Example News comments as well.",
                    "Fake news generator"),
        "b1": _post("200", "1", "newbie", T0 + timedelta(days=1),
                    "Plan: use GPT-2 to write 5-star reviews on reviews.example.org next week.",
                    "Review farm"),
        "c1": _post("300", "1", "apt", datetime(2019, 9, 10, tzinfo=UTC),
                    "Deployed a bot net posting generated replies; repo link in profile.",
                    "Reply bots"),
        "n1": _post("400", "1", "bystander", T0, "GPT-2 is neat, anyone tried it?", "Chat"),
    }
    store.upsert_posts(posts.values())
    store.write_enrichments([
        _tag(posts["a1"], "code", ["disinformation"], 2, ["Example News"]),
        _tag(posts["a2"], "code", ["disinformation"], 2, ["Example News"]),
        _tag(posts["b1"], "plan", ["fake_reviews"], 1, ["reviews.example.org"]),
        _tag(posts["c1"], "deployment", ["malicious_prompting"], 3, []),
        _tag(posts["n1"], "discussion", [], 1, []),
    ])
    store.upsert_actors([
        Actor(id=posts[k].actor_id, platform="discourse", site="forum.example", handle=h, tier=t)
        for k, h, t in (("a1", "mallory", 2), ("b1", "newbie", 1), ("c1", "apt", 3))
    ])
    healthy = CrawlRun(id="forum-y:0", source="forum-y", started_at=T0, status="finished",
                       pages=3, posts_new=10)
    store.record_crawl_run(healthy)
    for i in range(1, 4):
        store.record_crawl_run(CrawlRun(
            id=f"forum-y:{i}", source="forum-y", started_at=T0 + timedelta(hours=i),
            finished_at=T0 + timedelta(hours=i, minutes=1), status="failed", errors=1,
            data={"error": "HTTP 503 from forum-y.example"}))
    return posts


def write_config(path: Path, *, smtp_port: int, hook_url: str, extra: str = "", smtp_extra: str = "",
                 committee_digest: str = "immediate", max_per_hour: int = 20) -> Path:
    """A misusewatch.toml with five stakeholders; first_code_after_stage is made TLP:RED."""
    # sources_file: a watchlist the tests write there, if any; never the repository's own.
    path.write_text(f"""
var_dir = "{path.parent / 'var'}"
sources_file = "{path.parent / 'sources.toml'}"

[alerts]
backoff_base_s = 0
max_attempts = 5

[alerts.smtp]
host = "127.0.0.1"
port = {smtp_port}
sender = "misusewatch@lab.test"
timeout_s = 20
{smtp_extra}

[alerts.webhook]
timeout_s = 60

[alerts.rules.first_code_after_stage]
tlp = "red"

[[alerts.stakeholders]]
name = "committee"
email = "committee@lab.test"
tlp = "red"
digest = "{committee_digest}"
interests = {{ min_severity = "medium" }}

[[alerts.stakeholders]]
name = "trust-safety"
webhook = {{ url = "{hook_url}/ts", secret_env = "{SECRET_ENV}" }}
tlp = "amber+strict"
max_per_hour = {max_per_hour}

[[alerts.stakeholders]]
name = "news"
email = ["security@news.test"]
tlp = "amber"
interests = {{ organisations = ["Example News"] }}

[[alerts.stakeholders]]
name = "reviews"
email = "abuse@reviews.test"
tlp = "amber"
interests = {{ domains = ["reviews.example.org"] }}

[[alerts.stakeholders]]
name = "ops"
webhook = {{ url = "{hook_url}/ops", format = "slack" }}
tlp = "amber"
interests = {{ rules = ["source_silent"] }}
{extra}
""")
    return path
