"""Hard-coded secrets (SP701)."""
