from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("", views.OrderViewSet, basename="order")

urlpatterns = [
    path("me/", views.MyProfileView.as_view(), name="my-profile"),
    path("checkout/", views.CheckoutView.as_view(), name="checkout"),
    path("reserve/<int:product_id>/", views.ReserveStockView.as_view(), name="reserve-stock"),
    path("apply-coupon/", views.ApplyCouponView.as_view(), name="apply-coupon"),
] + router.urls
