from django.urls import path

from . import views

urlpatterns = [
    path("", views.EmployeeListView.as_view(), name="employee_list"),
    path("people/<int:pk>/", views.EmployeeDetailView.as_view(), name="employee_detail"),
    path("me/", views.ProfileUpdateView.as_view(), name="my_profile"),
    path("me/contact/", views.ContactInfoUpdateView.as_view(), name="my_contact"),
    path("reports/salaries/", views.SalaryReportView.as_view(), name="salary_report"),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="document_download"),
    path("policies/", views.policy_download, name="policy_download"),
]
