from decimal import Decimal

from rest_framework import serializers

from .models import Account, FxRate, Transaction


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "number", "currency", "balance", "is_frozen", "created_at"]
        read_only_fields = ["number", "balance", "is_frozen", "created_at"]


class TransactionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transaction
        fields = ["id", "account", "kind", "amount", "counterparty", "created_at"]


class FxRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = FxRate
        fields = ["id", "pair", "rate", "updated_at"]


class TransferSerializer(serializers.Serializer):
    from_account = serializers.IntegerField()
    to_number = serializers.CharField(max_length=20)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))


class WithdrawSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
