"""Alert delivery through the outbox vs bare signed POSTs, on a seeded SQLite store.

    python bench/alerts.py [--posts 20000] [--alerts 600] [--rounds 3]

Seeds a store (posts, tagger enrichments, actors), times fact gathering + rule evaluation, then
delivers one webhook per alert to a local HTTP server two ways: the baseline POSTs the same
signed bodies with urllib and nothing else; the measured path is ``deliver_due`` (store the
attempt, audit label, send, mark sent, audit label). The ratio is the price of durability.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from misusewatch.alerting.delivery import deliver_due
from misusewatch.alerting.outbox import load_snoozes, record_firings
from misusewatch.alerting.render import render
from misusewatch.alerting.service import evaluate_rules
from misusewatch.alerting.settings import AlertSettings
from misusewatch.alerting.stakeholders import Stakeholder, Webhook
from misusewatch.notify import notifiers
from misusewatch.records import Actor, Enrichment, Post
from misusewatch.store import open_store
from threat_model.rules import rules

T0 = datetime(2019, 6, 1, tzinfo=UTC)


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def seed(store, n_posts: int, n_alert_threads: int) -> None:
    posts, enrichments, actors = [], [], []
    for i in range(n_posts):
        alerting = i < n_alert_threads
        thread = i if alerting else n_alert_threads + i % 2000
        author = f"a{i % 500}"
        post = Post(id="", source="bench", platform="discourse", site="bench.example",
                    thread_id=str(thread), post_id=str(i), created_at=T0 + timedelta(minutes=i),
                    text=f"post {i} about language models " * 5, thread_title=f"thread {thread}",
                    author=author, author_id=author)
        posts.append(post)
        enrichments.append(Enrichment(
            post_id=post.id, enricher="tagger", version="1", data={"targets": []},
            facets={"lm_related": True, "categories": ["spam"],
                    "ladder": "code" if alerting else "discussion", "tier": 2 if alerting else 1}))
    for j in range(500):
        actors.append(Actor(id=f"discourse:bench.example:a{j}", platform="discourse",
                            site="bench.example", handle=f"a{j}", tier=2))
    store.upsert_posts(posts)
    store.write_enrichments(enrichments)
    store.upsert_actors(actors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--alerts", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    os.environ["MISUSEWATCH_BENCH_SECRET"] = "bench-secret"
    person = Stakeholder(name="ts", tlp="red", max_per_hour=0,
                         webhook=Webhook(url, "MISUSEWATCH_BENCH_SECRET"))
    cfg = AlertSettings(stakeholders=[person], rules=[rules.create("tier2_code_sharing")],
                        notifiers={"webhook": notifiers.create("webhook")})

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        start = time.perf_counter()
        seed(store, args.posts, args.alerts)
        print(f"seeded {args.posts} posts in {time.perf_counter() - start:.1f} s")

        now = datetime.now(UTC)
        start = time.perf_counter()
        firings = evaluate_rules(store, cfg, cfg.rules, now)
        evaluate_s = time.perf_counter() - start
        print(f"facts + rules over {args.posts} posts: {evaluate_s:.2f} s, {len(firings)} firings")

        # Interleaved rounds so machine noise hits both paths alike; medians reported.
        webhook, rates, baselines, stored = cfg.notifiers["webhook"], [], [], 0
        for round_no in range(args.rounds):
            chunk = firings[round_no::args.rounds]
            recorded = record_firings(store, chunk, cfg, load_snoozes(store, []), now)
            stored += recorded.deliveries
            messages = [render([a], person.name, f"bench-{a.id}") for a in recorded.new]
            start = time.perf_counter()
            for message in messages:
                with urllib.request.urlopen(webhook.request(message, person), timeout=10) as reply:
                    reply.read()
            baselines.append(len(messages) / (time.perf_counter() - start))
            start = time.perf_counter()
            report = deliver_due(store, cfg, now)
            rates.append(report.messages_sent / (time.perf_counter() - start))
        baseline, value = statistics.median(baselines), statistics.median(rates)
        print(f"outbox: {stored} deliveries stored and sent in {args.rounds} rounds")
        print(f"baseline: bare signed POSTs: {baseline:.1f} msg/s "
              f"(rounds: {', '.join(f'{r:.0f}' for r in baselines)})")
        print(f"outbox delivery (attempt + audit + send + mark sent + audit): {value:.1f} msg/s "
              f"(rounds: {', '.join(f'{r:.0f}' for r in rates)})")
        store.close()
    server.shutdown()
    print(json.dumps({
        "bench": "alerts", "metric": "webhook_deliveries_per_s", "value": round(value, 1),
        "unit": "msg/s", "baseline": "bare signed urllib POSTs, no outbox",
        "baseline_value": round(baseline, 1), "ratio": round(value / baseline, 3),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
    }))


if __name__ == "__main__":
    main()
