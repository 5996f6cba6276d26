"""JWT rules (SP110-SP112): signature verification, algorithms."""
