from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("posts", views.PostViewSet, basename="post")
router.register("comments", views.CommentViewSet, basename="comment")
router.register("profiles", views.ProfileViewSet, basename="profile")
router.register("orders", views.OrderViewSet, basename="order")
router.register("wallets", views.WalletViewSet, basename="wallet")

urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("posts-import/", views.import_posts, name="api-post-import"),
    path("posts-bulk-publish/", views.bulk_publish, name="api-bulk-publish"),
    path("comments/<int:pk>/approve/", views.approve_comment, name="api-comment-approve"),
    path("webhooks/payments/", views.PaymentWebhookView.as_view(), name="payment-webhook"),
    path("health/", views.HealthCheckView.as_view(), name="health"),
]
