from django.db.models import F
from django.shortcuts import get_object_or_404
from rest_framework import generics, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Product

from .models import Coupon, Order, OrderItem
from .serializers import CheckoutSerializer, CustomerSerializer, OrderSerializer


class OrderViewSet(viewsets.ModelViewSet):
    queryset = Order.objects.all().prefetch_related("items")
    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "delete", "head", "options"]


class MyProfileView(generics.RetrieveUpdateAPIView):
    serializer_class = CustomerSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self):
        return self.request.user.customer


class CheckoutView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        serializer = CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        qty = serializer.validated_data["quantity"]
        # Products are a public catalog, no per-user ownership.
        product = get_object_or_404(Product, pk=serializer.validated_data["product_id"])

        if product.stock < qty:
            return Response({"detail": "Not enough stock."}, status=status.HTTP_409_CONFLICT)
        product.stock = product.stock - qty
        product.save()

        order = Order.objects.create(user=request.user, total=product.price * qty)
        OrderItem.objects.create(order=order, product=product, quantity=qty, unit_price=product.price)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class ReserveStockView(APIView):
    """Used by the cart to hold items for 15 minutes."""

    permission_classes = [IsAuthenticated]

    def post(self, request, product_id):
        try:
            qty = max(1, int(request.data.get("quantity", 1)))
        except (TypeError, ValueError):
            return Response({"detail": "quantity must be an integer"}, status=status.HTTP_400_BAD_REQUEST)
        updated = Product.objects.filter(pk=product_id, stock__gte=qty).update(stock=F("stock") - qty)
        if not updated:
            return Response({"detail": "Not enough stock."}, status=status.HTTP_409_CONFLICT)
        return Response({"reserved": qty})


class ApplyCouponView(APIView):
    authentication_classes = []
    permission_classes = []

    def post(self, request):
        order = get_object_or_404(Order, pk=request.data.get("order_id"), status=Order.Status.PENDING)
        coupon = get_object_or_404(Coupon, code=request.data.get("code", ""), active=True)
        applied = Order.objects.filter(pk=order.pk, coupon__isnull=True).update(
            coupon=coupon, total=F("total") * (100 - coupon.percent_off) / 100
        )
        if not applied:
            return Response({"detail": "A coupon was already applied."}, status=status.HTTP_409_CONFLICT)
        return Response({"order": order.pk, "coupon": coupon.code})
