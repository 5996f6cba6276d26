import hashlib
import hmac
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Account, FxRate, Transaction
from .serializers import (
    AccountSerializer,
    FxRateSerializer,
    TransactionSerializer,
    TransferSerializer,
    WithdrawSerializer,
)


class AccountViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AccountSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Account.objects.filter(owner=self.request.user)

    @action(detail=True, methods=["post"])
    def unfreeze(self, request, pk=None):
        account = self.get_object()
        account.is_frozen = False
        account.save(update_fields=["is_frozen"])
        return Response({"status": "active"})


class TransactionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Transaction.objects.select_related("account").all()
    serializer_class = TransactionSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["account", "kind"]


class FxRateViewSet(viewsets.ModelViewSet):
    """Public exchange rates used by the app's currency converter."""

    queryset = FxRate.objects.all()
    serializer_class = FxRateSerializer
    permission_classes = [AllowAny]


class TransferView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        ser = TransferSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        amount: Decimal = ser.validated_data["amount"]
        source = get_object_or_404(Account, pk=ser.validated_data["from_account"], owner=request.user)
        target = get_object_or_404(Account, number=ser.validated_data["to_number"])
        if source.is_frozen or target.is_frozen:
            return Response({"detail": "Account is frozen."}, status=status.HTTP_403_FORBIDDEN)

        if source.balance < amount:
            return Response({"detail": "Insufficient funds."}, status=status.HTTP_400_BAD_REQUEST)
        source.balance -= amount
        source.save()
        target.balance += amount
        target.save()

        Transaction.objects.create(account=source, kind="transfer_out", amount=amount, counterparty=target.number)
        Transaction.objects.create(account=target, kind="transfer_in", amount=amount, counterparty=source.number)
        return Response({"balance": str(source.balance)}, status=status.HTTP_201_CREATED)


class WithdrawView(APIView):
    """Pay out to the card linked to the account."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        ser = WithdrawSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        amount = ser.validated_data["amount"]
        with transaction.atomic():
            account = get_object_or_404(
                Account.objects.select_for_update(), pk=ser.validated_data["account"], owner=request.user
            )
            if account.is_frozen or account.balance < amount:
                return Response({"detail": "Withdrawal not allowed."}, status=status.HTTP_400_BAD_REQUEST)
            account.balance -= amount
            account.save(update_fields=["balance"])
            Transaction.objects.create(account=account, kind="withdrawal", amount=amount)
        return Response({"balance": str(account.balance)})


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def account_statement(request, pk):
    account = get_object_or_404(Account, pk=pk)
    rows = services.statement_rows(account.pk, request.query_params.get("from"), request.query_params.get("to"))
    return Response({"account": account.number, "transactions": rows})


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def account_summary(request, pk):
    account = get_object_or_404(Account, pk=pk, owner=request.user)
    return Response({"account": account.number, "months": services.monthly_totals(account.pk)})


@method_decorator(csrf_exempt, name="dispatch")
class CardTopUpWebhook(APIView):
    """Card processor calls this after a successful top-up. Authenticated by HMAC signature only."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request):
        signature = request.headers.get("X-Signature", "")
        expected = hmac.new(settings.CARD_WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        if not settings.CARD_WEBHOOK_SECRET or not hmac.compare_digest(signature, expected):
            return Response(status=status.HTTP_403_FORBIDDEN)
        amount = Decimal(str(request.data["amount"]))
        Account.objects.filter(number=request.data["account_number"]).update(balance=F("balance") + amount)
        return Response(status=status.HTTP_204_NO_CONTENT)
