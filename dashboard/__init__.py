"""The Streamlit dashboard analysts, the release committee and stakeholders work in."""
