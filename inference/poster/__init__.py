"""poster: see docs/architecture.md."""
