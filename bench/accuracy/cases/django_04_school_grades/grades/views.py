import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView

from .forms import AbsenceNoteForm, GradeForm
from .models import Classroom, Grade, Student
from .utils import classroom_grades, compute_etag


def is_teacher(user):
    return user.is_authenticated and user.groups.filter(name="Teachers").exists()


@login_required
def dashboard(request):
    children = Student.objects.filter(guardian=request.user).select_related("classroom")
    return render(request, "grades/dashboard.html", {"children": children})


@login_required
def report_card(request, student_id):
    student = get_object_or_404(Student, pk=student_id)
    grades = student.grades.filter(approved=True).order_by("term", "subject")
    return render(request, "grades/report_card.html", {"student": student, "grades": grades})


@login_required
def submit_absence(request, student_id):
    student = get_object_or_404(Student, pk=student_id, guardian=request.user)
    form = AbsenceNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.save(commit=False)
        note.student = student
        note.save()
        messages.success(request, "Absence note sent to the school office.")
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect("grades:dashboard")
    return render(request, "grades/absence_form.html", {"form": form, "student": student})


def set_term(request):
    request.session["term"] = request.GET.get("term", "T1")
    return redirect(request.GET["next"])


@login_required
@user_passes_test(is_teacher)
def enter_grade(request):
    form = GradeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Grade saved.")
        return redirect("grades:enter_grade")
    return render(request, "grades/grade_form.html", {"form": form})


@login_required
def edit_grade(request, pk):
    grade = get_object_or_404(Grade, pk=pk)
    form = GradeForm(request.POST or None, instance=grade)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("grades:classroom", classroom_id=grade.student.classroom_id)
    return render(request, "grades/grade_form.html", {"form": form})


@login_required
@user_passes_test(is_teacher)
def student_search(request):
    term = request.GET.get("q", "")
    students = Student.objects.extra(where=["last_name LIKE '%s%%'" % term]).order_by("last_name")
    return render(request, "grades/student_search.html", {"students": students, "q": term})


class ClassroomGradesView(LoginRequiredMixin, UserPassesTestMixin, ListView):
    template_name = "grades/classroom.html"
    context_object_name = "grades"

    def test_func(self):
        return Classroom.objects.filter(pk=self.kwargs["classroom_id"], teacher=self.request.user).exists()

    def get_queryset(self):
        return classroom_grades(self.kwargs["classroom_id"], self.request.session.get("term", "T1"))


class GradeExportView(View):
    def get(self, request, classroom_id):
        classroom = get_object_or_404(Classroom, pk=classroom_id)
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["student", "subject", "term", "score", "comment"])
        for g in Grade.objects.filter(student__classroom=classroom).select_related("student"):
            writer.writerow([str(g.student), g.subject, g.term, g.score, g.comment])
        content = buf.getvalue()
        response = HttpResponse(content, content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{classroom.name}-grades.csv"'
        response["ETag"] = compute_etag(content)
        return response
