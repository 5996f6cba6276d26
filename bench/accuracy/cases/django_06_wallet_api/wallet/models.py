import uuid

from django.conf import settings
from django.db import models


class Account(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField(max_length=20, unique=True)
    currency = models.CharField(max_length=3, default="EUR")
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    is_frozen = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class Transaction(models.Model):
    KINDS = [
        ("deposit", "Deposit"),
        ("transfer_in", "Transfer in"),
        ("transfer_out", "Transfer out"),
        ("withdrawal", "Withdrawal"),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=20, choices=KINDS)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    counterparty = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class FxRate(models.Model):
    pair = models.CharField(max_length=7, unique=True)  # e.g. "EUR/USD"
    rate = models.DecimalField(max_digits=12, decimal_places=6)
    updated_at = models.DateTimeField(auto_now=True)
