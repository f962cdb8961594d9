"""Template text the generator draws from, kept apart from the code that uses it."""
