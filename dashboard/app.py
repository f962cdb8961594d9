"""The dashboard's entry point: sign-in, then the pages this user's role may open (``st.navigation``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import session
from dashboard.safe import escape_markdown

# Not "pages/": Streamlit treats a pages/ folder beside the entry point as a v1 multipage app and may
# run a page file directly, without this script's sign-in gate.
PAGES = Path(__file__).resolve().parent / "views"
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

st.set_page_config(page_title="misusewatch", layout="wide")

user = session.current_user()
if user is None:
    if session.login_form() is not None:
        st.rerun()  # signed in just now: draw the app without the form
    st.stop()

pages = [
    st.Page(str(PAGES / file), title=title, default=i == 0)
    for i, (file, title, _) in enumerate(row for row in PAGE_TABLE if user.role in row[2])
]
navigation = st.navigation(pages)
with st.sidebar:
    st.caption(f"Signed in as **{escape_markdown(user.name)}** ({user.role})")
    if st.button("Sign out", key="sign_out"):
        session.logout()
        st.rerun()
navigation.run()
