"""The dashboard's entry point: sign-in, then the pages this user's role may open (``st.navigation``)."""

from __future__ import annotations

import streamlit as st

from dashboard import session
from dashboard.config import enter_workdir
from dashboard.navigation import pages_for
from dashboard.safe import escape_markdown

enter_workdir()  # before anything reads a setting: relative paths mean what they mean to the CLI
st.set_page_config(page_title="misusewatch", layout="wide")

user = session.current_user()
if user is None:
    if session.login_form() is not None:
        st.rerun()  # signed in just now: draw the app without the form
    st.stop()

navigation = st.navigation([st.Page(str(path), title=title, default=i == 0)
                            for i, (path, title) in enumerate(pages_for(user.role))])
with st.sidebar:
    st.caption(f"Signed in as **{escape_markdown(user.name)}** ({user.role})")
    if st.button("Sign out", key="sign_out"):
        session.logout()
        st.rerun()
navigation.run()
