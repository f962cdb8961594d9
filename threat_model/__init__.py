"""The pure threat model: stages, ladder, tiers, indicators, summaries, STIX. No I/O here."""
