"""misusewatch package."""
