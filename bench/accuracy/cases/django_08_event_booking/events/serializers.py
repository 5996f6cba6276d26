from rest_framework import serializers

from .models import Booking, Event


class EventSerializer(serializers.ModelSerializer):
    organizer = serializers.ReadOnlyField(source="organizer.username")

    class Meta:
        model = Event
        fields = ["id", "organizer", "title", "description", "venue", "starts_at", "capacity", "seats_left", "price"]
        read_only_fields = ["seats_left"]


class BookingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Booking
        fields = ["id", "event", "seats", "status", "ticket_code", "created_at"]
        read_only_fields = ["status", "ticket_code", "created_at"]

    def validate_seats(self, value):
        if not 1 <= value <= 10:
            raise serializers.ValidationError("You can book between 1 and 10 seats.")
        return value
