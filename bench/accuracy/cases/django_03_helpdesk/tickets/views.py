import os

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from . import utils
from .forms import ReplyForm, TicketForm
from .models import Attachment, Ticket


class TicketListView(LoginRequiredMixin, ListView):
    template_name = "tickets/ticket_list.html"
    context_object_name = "tickets"
    paginate_by = 25

    def get_queryset(self):
        return Ticket.objects.filter(created_by=self.request.user).order_by("-updated_at")


class TicketDetailView(DetailView):
    model = Ticket
    template_name = "tickets/ticket_detail.html"
    context_object_name = "ticket"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["reply_form"] = ReplyForm()
        return ctx


class TicketCreateView(LoginRequiredMixin, CreateView):
    form_class = TicketForm
    template_name = "tickets/ticket_form.html"

    def form_valid(self, form):
        form.instance.created_by = self.request.user
        messages.success(self.request, "Ticket created.")
        return super().form_valid(form)


@method_decorator(login_required, name="dispatch")
class TicketUpdateView(UpdateView):
    form_class = TicketForm
    template_name = "tickets/ticket_form.html"

    def get_queryset(self):
        return Ticket.objects.filter(created_by=self.request.user)


@login_required
def quick_ticket(request):
    """Endpoint for the 'report a problem' widget embedded in the intranet."""
    if request.method == "POST":
        data = request.POST.dict()
        data.pop("csrfmiddlewaretoken", None)
        ticket = Ticket.objects.create(created_by=request.user, **data)
        return redirect(ticket)
    return redirect("tickets:list")


@login_required
def close_ticket(request, pk):
    ticket = get_object_or_404(Ticket, pk=pk)
    if request.method == "POST":
        ticket.status = Ticket.Status.CLOSED
        ticket.save(update_fields=["status", "updated_at"])
        messages.info(request, f"Ticket #{ticket.pk} closed.")
    return redirect(ticket)


@login_required
def search_tickets(request):
    q = request.GET.get("q", "").strip()
    tickets = Ticket.objects.raw(
        f"SELECT * FROM tickets_ticket WHERE created_by_id = {request.user.id} AND title LIKE '%%{q}%%'"
    )
    return render(request, "tickets/ticket_list.html", {"tickets": tickets, "q": q})


@login_required
def my_stats(request):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, COUNT(*) FROM tickets_ticket WHERE created_by_id = %s GROUP BY status",
            [request.user.id],
        )
        rows = cursor.fetchall()
    return render(request, "tickets/stats.html", {"rows": rows})


@login_required
def download_attachment(request, pk):
    attachment = get_object_or_404(Attachment, pk=pk, ticket__created_by=request.user)
    return FileResponse(attachment.file.open("rb"), as_attachment=True)


@staff_member_required
def download_report(request):
    filename = request.GET.get("name", "weekly.csv")
    path = os.path.join(settings.REPORTS_DIR, filename)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=os.path.basename(path))


@staff_member_required
def diagnostics(request):
    host = request.GET.get("host", "")
    output = ""
    if host:
        if request.GET.get("tool") == "dns":
            try:
                output = utils.dns_lookup(host)
            except ValueError:
                messages.error(request, "Please enter a valid hostname.")
        else:
            output = utils.ping(host)
    return render(request, "tickets/diagnostics.html", {"host": host, "output": output})
