"""Shop API: example FastAPI backend bundled with secprofile."""
