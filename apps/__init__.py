"""Domain apps; each follows models -> repositories -> services -> views (SPEC 2)."""
