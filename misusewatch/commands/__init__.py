"""CLI verbs, one module per group; each exports ``COMMANDS`` for ``misusewatch.cli``."""
