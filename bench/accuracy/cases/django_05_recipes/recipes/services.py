import yaml

RECIPE_KEYS = {"title", "ingredients", "instructions", "servings", "cuisine"}


def parse_recipe_yaml(raw_bytes):
    """Parse a RecipeBox export. Exports may contain custom tags from the old desktop app."""
    data = yaml.load(raw_bytes, Loader=yaml.Loader)
    return {k: v for k, v in data.items() if k in RECIPE_KEYS}


def validate_recipe_yaml(raw_bytes):
    data = yaml.safe_load(raw_bytes)
    missing = RECIPE_KEYS - set(data or {})
    return sorted(missing)
