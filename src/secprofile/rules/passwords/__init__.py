"""Password storage (SP750-SP751)."""
