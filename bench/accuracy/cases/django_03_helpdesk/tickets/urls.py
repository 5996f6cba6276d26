from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.TicketListView.as_view(), name="list"),
    path("new/", views.TicketCreateView.as_view(), name="create"),
    path("quick/", views.quick_ticket, name="quick"),
    path("search/", views.search_tickets, name="search"),
    path("stats/", views.my_stats, name="stats"),
    re_path(r"^(?P<pk>\d+)/$", views.TicketDetailView.as_view(), name="detail"),
    re_path(r"^(?P<pk>\d+)/edit/$", views.TicketUpdateView.as_view(), name="edit"),
    re_path(r"^(?P<pk>\d+)/close/$", views.close_ticket, name="close"),
    path("attachments/<int:pk>/", views.download_attachment, name="attachment"),
    path("staff/reports/", views.download_report, name="report"),
    path("staff/diagnostics/", views.diagnostics, name="diagnostics"),
]
