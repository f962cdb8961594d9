"""Drive the real dashboard in headless Chromium (Debian's, never a downloaded one): tests and screenshots."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.navigation import PAGE_TABLE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAGE_TITLES = tuple(title for _, title, _ in PAGE_TABLE)


@dataclass(slots=True)
class Session:
    """A browser page on the dashboard, with everything that went wrong in it collected."""

    page: object
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Console errors, uncaught script errors, dialogs (an alert() means injected script ran),
        and Streamlit exception boxes on the current page."""
        shown = [f"exception shown: {text}" for text in
                 self.page.locator('[data-testid="stException"]').all_inner_texts()]
        return ([f"console error: {e}" for e in self.console_errors] + [f"page error: {e}" for e in self.page_errors]
                + [f"dialog opened: {d}" for d in self.dialogs] + shown)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Until the script run finished: no 'Running...' status for a moment."""
        page = self.page
        page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
        deadline, quiet = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            running = page.locator('[data-testid="stStatusWidget"]').count()
            stale = page.locator('[data-stale="true"]').count()
            quiet = quiet + 1 if not running and not stale else 0
            if quiet >= 4:
                return
            page.wait_for_timeout(250)
        raise TimeoutError("the dashboard kept running for too long")

    def login(self, name: str, password: str) -> None:
        page = self.page
        page.goto(self.base_url)
        page.get_by_label("User name", exact=True).fill(name)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Signed in as").wait_for(timeout=30_000)
        self.wait_idle()

    def open(self, title: str) -> None:
        """Follow the sidebar link to a page (same session: no new sign-in)."""
        self.page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
        self.page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
        self.wait_idle()

    def wait_for_charts(self, timeout: float = 20.0) -> None:
        """Vega draws after the script finishes; give each chart its canvas before a screenshot."""
        charts = self.page.locator('[data-testid="stVegaLiteChart"]')
        for i in range(charts.count()):
            if charts.nth(i).is_visible():  # charts in closed tabs draw only when opened
                charts.nth(i).locator("canvas, svg").first.wait_for(timeout=timeout * 1000)


@contextmanager
def browser_session(base_url: str, *, width: int = 1400, height: int = 1000) -> Iterator[Session]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            session = Session(page, base_url.rstrip("/"))
            page.on("console", lambda msg: msg.type == "error" and session.console_errors.append(msg.text))
            page.on("pageerror", lambda exc: session.page_errors.append(str(exc)))

            def on_dialog(dialog) -> None:
                session.dialogs.append(f"{dialog.type}: {dialog.message}")
                dialog.dismiss()

            page.on("dialog", on_dialog)
            yield session
        finally:
            browser.close()
