"""The dashboard's entry point: sign-in, then the pages this user's role may open (``st.navigation``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import session
from dashboard.safe import escape_markdown

PAGES = Path(__file__).resolve().parent / "pages"
# page file, title, icon, roles that may open it
PAGE_TABLE = (
    ("overview.py", "Overview", ":material/monitoring:", ("analyst", "committee")),
    ("triage.py", "Triage queue", ":material/inbox:", ("analyst",)),
    ("post.py", "Post / thread", ":material/article:", ("analyst",)),
    ("actors.py", "Actors", ":material/groups:", ("analyst",)),
    ("committee.py", "Release committee", ":material/gavel:", ("analyst", "committee")),
    ("alerts.py", "Alerts", ":material/notifications:", ("analyst", "stakeholder")),
    ("sources.py", "Sources", ":material/sensors:", ("analyst",)),
)

st.set_page_config(page_title="misusewatch", page_icon=":material/shield:", layout="wide")

user = session.current_user()
if user is None:
    if session.login_form() is not None:
        st.rerun()  # signed in just now: draw the app without the form
    st.stop()

pages = [
    st.Page(str(PAGES / file), title=title, icon=icon, default=i == 0)
    for i, (file, title, icon, _) in enumerate(row for row in PAGE_TABLE if user.role in row[3])
]
navigation = st.navigation(pages)
with st.sidebar:
    st.caption(f"Signed in as **{escape_markdown(user.name)}** ({user.role})")
    if st.button("Sign out", key="sign_out"):
        session.logout()
        st.rerun()
navigation.run()
