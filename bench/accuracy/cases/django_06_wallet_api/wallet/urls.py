from django.urls import include, path
from rest_framework.authtoken import views as token_views
from rest_framework.routers import DefaultRouter

from . import views as wallet_views

router = DefaultRouter()
router.register("accounts", wallet_views.AccountViewSet, basename="account")
router.register("transactions", wallet_views.TransactionViewSet, basename="transaction")
router.register("fx-rates", wallet_views.FxRateViewSet, basename="fxrate")

urlpatterns = [
    path("auth/token/", token_views.obtain_auth_token),
    path("transfers/", wallet_views.TransferView.as_view(), name="transfer"),
    path("withdrawals/", wallet_views.WithdrawView.as_view(), name="withdraw"),
    path("accounts/<int:pk>/statement/", wallet_views.account_statement, name="statement"),
    path("accounts/<int:pk>/summary/", wallet_views.account_summary, name="summary"),
    path("webhooks/card-topup/", wallet_views.CardTopUpWebhook.as_view(), name="card-topup"),
    path("", include(router.urls)),
]
