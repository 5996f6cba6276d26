"""Authorization rules: object-level access checks."""
