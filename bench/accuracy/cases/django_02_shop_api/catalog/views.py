import requests
from django.core.files.base import ContentFile
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import services
from .models import Category, Product
from .serializers import CategorySerializer, ProductSerializer


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.filter(is_active=True).select_related("category")
    serializer_class = ProductSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"

    @action(detail=False, methods=["get"])
    def search(self, request):
        term = request.query_params.get("q", "")
        order_by = request.query_params.get("sort", "name")
        results = services.search_products(term, order_by)
        return Response(self.get_serializer(results, many=True).data)

    @action(detail=False, methods=["get"], url_path="price-range")
    def price_range(self, request):
        try:
            low = float(request.query_params.get("min", 0))
            high = float(request.query_params.get("max", 1_000_000))
        except ValueError:
            return Response({"detail": "min and max must be numbers"}, status=status.HTTP_400_BAD_REQUEST)
        results = services.products_in_price_range(low, high)
        return Response(self.get_serializer(results, many=True).data)

    @action(detail=True, methods=["post"], url_path="import-image")
    def import_image(self, request, slug=None):
        product = self.get_object()
        image_url = request.data.get("url")
        if not image_url:
            return Response({"detail": "url is required"}, status=status.HTTP_400_BAD_REQUEST)
        resp = requests.get(image_url, timeout=10)
        if resp.status_code != 200:
            return Response({"detail": "could not download image"}, status=status.HTTP_400_BAD_REQUEST)
        product.image.save(f"{product.slug}.jpg", ContentFile(resp.content), save=True)
        return Response(self.get_serializer(product).data)
