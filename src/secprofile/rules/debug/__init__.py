"""Debug mode, development servers and leaked exception details (SP702-SP704)."""
