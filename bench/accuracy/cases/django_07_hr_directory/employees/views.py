import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.contrib.auth.views import LoginView
from django.db.models import Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView, UpdateView

from .forms import ContactInfoForm, EmployeeProfileForm
from .models import Document, Employee


class HRLoginView(LoginView):
    template_name = "registration/login.html"

    def get_success_url(self):
        return self.request.GET.get("next") or reverse("employee_list")


@require_POST
def logout_view(request):
    logout(request)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=True):
        target = reverse("login")
    return redirect(target)


class EmployeeListView(LoginRequiredMixin, ListView):
    model = Employee
    template_name = "employees/employee_list.html"
    paginate_by = 50

    def get_queryset(self):
        qs = super().get_queryset().select_related("department")
        q = self.request.GET.get("q")
        if q:
            qs = qs.filter(Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(job_title__icontains=q))
        return qs


class EmployeeDetailView(LoginRequiredMixin, DetailView):
    model = Employee
    template_name = "employees/employee_detail.html"


class ProfileUpdateView(LoginRequiredMixin, UpdateView):
    form_class = EmployeeProfileForm
    template_name = "employees/profile_form.html"
    success_url = reverse_lazy("my_profile")

    def get_object(self, queryset=None):
        return self.request.user.employee


class ContactInfoUpdateView(LoginRequiredMixin, UpdateView):
    form_class = ContactInfoForm
    template_name = "employees/profile_form.html"
    success_url = reverse_lazy("my_profile")

    def get_object(self, queryset=None):
        return self.request.user.employee


class SalaryReportView(LoginRequiredMixin, UserPassesTestMixin, ListView):
    template_name = "employees/salary_report.html"
    context_object_name = "rows"

    def test_func(self):
        return self.request.user.employee.is_hr_admin

    def get_queryset(self):
        return Employee.objects.values("department__name").annotate(total=Sum("salary")).order_by("department__name")


class DocumentDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        doc = get_object_or_404(Document, pk=pk, employee__user=request.user)
        base = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
        target = (base / doc.filename).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            raise Http404("Document not found")
        return FileResponse(open(target, "rb"), as_attachment=True, filename=target.name)


@login_required
def policy_download(request):
    name = request.GET.get("name", "employee-handbook.pdf")
    path = os.path.join(settings.POLICY_DIR, name)
    if not os.path.exists(path):
        raise Http404("Policy not found")
    return FileResponse(open(path, "rb"), as_attachment=True)
