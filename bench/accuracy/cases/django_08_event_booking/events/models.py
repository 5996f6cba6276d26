import secrets

from django.conf import settings
from django.db import models


def new_ticket_code():
    return secrets.token_urlsafe(12)


class Event(models.Model):
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organized_events")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    venue = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    seats_left = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    is_published = models.BooleanField(default=False)


class Booking(models.Model):
    STATUS = [("pending", "Pending payment"), ("confirmed", "Confirmed"), ("cancelled", "Cancelled")]

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings")
    seats = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=STATUS, default="pending")
    ticket_code = models.CharField(max_length=32, unique=True, default=new_ticket_code)
    created_at = models.DateTimeField(auto_now_add=True)
