from django.urls import path

from . import views

app_name = "grades"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("term/", views.set_term, name="set_term"),
    path("students/search/", views.student_search, name="student_search"),
    path("students/<int:student_id>/report/", views.report_card, name="report_card"),
    path("students/<int:student_id>/absence/", views.submit_absence, name="submit_absence"),
    path("grades/new/", views.enter_grade, name="enter_grade"),
    path("grades/<int:pk>/edit/", views.edit_grade, name="edit_grade"),
    path("classrooms/<int:classroom_id>/", views.ClassroomGradesView.as_view(), name="classroom"),
    path("classrooms/<int:classroom_id>/export.csv", views.GradeExportView.as_view(), name="export"),
]
