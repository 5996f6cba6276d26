from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register(r"events", views.EventViewSet, basename="event")
router.register(r"bookings", views.BookingViewSet, basename="booking")

urlpatterns = router.urls + [
    path("events/<int:event_id>/attendees/", views.AttendeeExportView.as_view(), name="attendees"),
    path("events/<int:event_id>/stats/", views.event_stats, name="event-stats"),
    path("events/import/", views.EventImportView.as_view(), name="event-import"),
    path("bookings/<int:pk>/ticket.pdf", views.ticket_pdf, name="ticket-pdf"),
    path("filters/restore/", views.SavedFilterView.as_view(), name="restore-filter"),
    path("dashboard/", views.organizer_dashboard, name="organizer-dashboard"),
    path("webhooks/payment/", views.payment_webhook, name="payment-webhook"),
]
