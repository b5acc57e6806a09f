"""Domain apps; each follows models -> repositories -> services -> views (docs/architecture.md, Layers)."""
