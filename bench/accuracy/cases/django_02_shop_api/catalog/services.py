"""Query helpers for the catalog. Kept out of the views so they can be reused by the admin."""
from .models import Product


def search_products(term, order_by="name"):
    return Product.objects.raw(
        f"SELECT * FROM catalog_product WHERE is_active = true AND name ILIKE '%{term}%' ORDER BY {order_by}"
    )


def products_in_price_range(low, high):
    return Product.objects.raw(
        "SELECT * FROM catalog_product WHERE is_active = true AND price BETWEEN %s AND %s ORDER BY price",
        [low, high],
    )
