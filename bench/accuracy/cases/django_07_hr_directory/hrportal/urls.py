from django.contrib import admin
from django.urls import include, path

from employees import views as employee_views

admin.site.site_header = "HR Portal administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", employee_views.HRLoginView.as_view(), name="login"),
    path("logout/", employee_views.logout_view, name="logout"),
    path("", include("employees.urls")),
]
