"""threat_model package."""
