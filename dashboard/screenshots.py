"""``python -m dashboard.screenshots``: a PNG of the sign-in form and every page, on the demo seed, for the docs."""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from dashboard.auth import UserFile
from dashboard.browser import CHROMIUM, PAGE_TITLES, browser_session
from dashboard.demo_seed import seed_demo_store
from dashboard.launch import free_port, start_dashboard
from misusewatch.store import open_store

NAME, PASSWORD = "analyst", "screenshots-only"


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def take_screenshots(out_dir: Path, store_url: str | None = None) -> list[Path]:
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install -y chromium")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mw-shots-") as tmp:
        root = Path(tmp)
        focus_post = None
        if store_url is None:
            store_url = f"sqlite:///{root / 'demo.db'}"
            store = open_store(store_url)
            focus_post = seed_demo_store(store)["misuse"][0]
            store.close()
        users = UserFile(root / "users.toml")
        users.add(NAME, "analyst", PASSWORD)
        users.save()
        port = free_port()
        proc = start_dashboard(store_url, users_file=root / "users.toml", port=port, echo=lambda _: None,
                               log_path=root / "streamlit.log")
        written = []
        try:
            with browser_session(f"http://127.0.0.1:{port}") as session:
                session.page.goto(session.base_url)
                session.page.get_by_label("User name").wait_for()
                written.append(_shot(session, out_dir / "login.png"))
                session.login(NAME, PASSWORD)
                for title in PAGE_TITLES:
                    session.open(title)
                    if title == "Post / thread" and focus_post:
                        box = session.page.get_by_label("Post id", exact=True)
                        box.fill(focus_post)
                        box.press("Enter")
                        session.page.get_by_role("heading", name="Detectors").wait_for()
                        session.wait_idle()
                    session.wait_for_charts()
                    written.append(_shot(session, out_dir / f"{slug(title)}.png"))
                problems = session.problems()
                if problems:
                    raise SystemExit("the dashboard reported problems:\n" + "\n".join(problems))
        finally:
            proc.terminate()
            proc.wait(10)
    return written


def _shot(session, path: Path, width: int = 1400, min_height: int = 900) -> Path:
    """The whole page: Streamlit scrolls inside its main pane, so grow the viewport to fit it first."""
    page = session.page
    page.set_viewport_size({"width": width, "height": min_height})
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }")
    page.set_viewport_size({"width": width, "height": max(min_height, min(int(height), 6000))})
    session.wait_for_charts()
    page.wait_for_timeout(700)  # let fonts and charts settle after the resize
    page.screenshot(path=str(path))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"), help="folder for the PNGs")
    parser.add_argument("--store", help="store URL to show (default: a fresh demo seed)")
    args = parser.parse_args(argv)
    for path in take_screenshots(args.out, args.store):
        print(path, file=sys.stderr)


if __name__ == "__main__":
    main()
