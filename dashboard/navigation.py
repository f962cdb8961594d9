"""Which pages exist and which roles may open them (app.py builds st.navigation from this)."""

from __future__ import annotations

from pathlib import Path

# Not "pages/": Streamlit treats a pages/ folder beside the entry point as a v1 multipage app and may
# run a page file directly, without app.py's sign-in gate.
VIEWS = Path(__file__).resolve().parent / "views"
# page file, title, roles that may open it. No icons: a page's icon becomes the favicon, fetched from a CDN.
PAGE_TABLE = (
    ("overview.py", "Overview", ("analyst", "committee")),
    ("triage.py", "Triage queue", ("analyst",)),
    ("post.py", "Post / thread", ("analyst",)),
    ("actors.py", "Actors", ("analyst",)),
    ("committee.py", "Release committee", ("analyst", "committee")),
    ("alerts.py", "Alerts", ("analyst", "stakeholder")),
    ("sources.py", "Sources", ("analyst",)),
)


def pages_for(role: str) -> list[tuple[Path, str]]:
    return [(VIEWS / file, title) for file, title, roles in PAGE_TABLE if role in roles]
