import base64
import hashlib
import hmac
import json
import pickle

import yaml
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Sum
from django.http import FileResponse, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Booking, Event
from .permissions import IsOrganizerOrReadOnly
from .serializers import BookingSerializer, EventSerializer
from .services import render_ticket_pdf


class EventViewSet(viewsets.ModelViewSet):
    serializer_class = EventSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsOrganizerOrReadOnly]

    def get_queryset(self):
        return Event.objects.filter(is_published=True).order_by("starts_at")

    def perform_create(self, serializer):
        serializer.save(organizer=self.request.user, seats_left=serializer.validated_data["capacity"])


class BookingViewSet(viewsets.ModelViewSet):
    queryset = Booking.objects.select_related("event").all()
    serializer_class = BookingSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        event = serializer.validated_data["event"]
        seats = serializer.validated_data["seats"]
        if event.seats_left < seats:
            raise serializers.ValidationError({"seats": "Not enough seats left."})
        event.seats_left -= seats
        event.save()
        serializer.save(user=self.request.user)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        booking = self.get_object()
        with transaction.atomic():
            booking = Booking.objects.select_for_update().get(pk=booking.pk)
            event = Event.objects.select_for_update().get(pk=booking.event_id)
            if booking.status != "cancelled":
                event.seats_left += booking.seats
                event.save(update_fields=["seats_left"])
                booking.status = "cancelled"
                booking.save(update_fields=["status"])
        return Response(self.get_serializer(booking).data)


class AttendeeExportView(APIView):
    """Used by the door-check tablet app."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    def get(self, request, event_id):
        rows = Booking.objects.filter(event_id=event_id, status="confirmed").values(
            "user__first_name", "user__last_name", "user__email", "seats", "ticket_code"
        )
        return Response(list(rows))


@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def ticket_pdf(request, pk):
    booking = get_object_or_404(Booking, pk=pk, user=request.user, status="confirmed")
    pdf = render_ticket_pdf(booking, request.query_params.get("paper", "A4"))
    return FileResponse(open(pdf, "rb"), content_type="application/pdf")


class SavedFilterView(APIView):
    """Restores a search-filter preset the frontend saved earlier (base64 blob)."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        preset = pickle.loads(base64.b64decode(request.data.get("preset", "")))
        events = Event.objects.filter(is_published=True, **preset.get("filters", {}))
        return Response(EventSerializer(events[:50], many=True).data)


class EventImportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        docs = yaml.safe_load(request.data.get("yaml", "")) or []
        created = []
        for doc in docs:
            ser = EventSerializer(data=doc)
            ser.is_valid(raise_exception=True)
            created.append(ser.save(organizer=request.user, seats_left=ser.validated_data["capacity"]).pk)
        return Response({"created": created}, status=status.HTTP_201_CREATED)


@csrf_exempt
@require_POST
def payment_webhook(request):
    sig = request.headers.get("X-Payment-Signature", "")
    digest = hmac.new(settings.PAYMENT_WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    if not settings.PAYMENT_WEBHOOK_SECRET or not hmac.compare_digest(sig, digest):
        return HttpResponseForbidden()
    try:
        code = json.loads(request.body)["metadata"]["ticket_code"]
    except (ValueError, KeyError, TypeError):
        return HttpResponse(status=400)
    Booking.objects.filter(ticket_code=code, status="pending").update(status="confirmed")
    return HttpResponse(status=204)


@login_required
def organizer_dashboard(request):
    events = Event.objects.filter(organizer=request.user).annotate(booked=Sum("bookings__seats"))
    return JsonResponse({"events": list(events.values("id", "title", "seats_left", "booked"))})


def event_stats(request, event_id):
    stats = Booking.objects.filter(event_id=event_id, status="confirmed").aggregate(
        bookings=Count("id"), seats=Sum("seats")
    )
    revenue = Event.objects.filter(pk=event_id).values_list("price", flat=True).first() or 0
    return JsonResponse({"event": event_id, **stats, "revenue": str(revenue * (stats["seats"] or 0))})
