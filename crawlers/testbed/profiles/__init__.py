"""Selector profiles for the testbed's generic forum (TOML files next to this module)."""
