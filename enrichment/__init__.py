"""enrichment package."""
