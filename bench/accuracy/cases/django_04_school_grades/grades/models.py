from django.conf import settings
from django.db import models


class Classroom(models.Model):
    name = models.CharField(max_length=50)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="classrooms")

    def __str__(self):
        return self.name


class Student(models.Model):
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="students")
    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="children")

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Grade(models.Model):
    TERMS = [("T1", "Term 1"), ("T2", "Term 2"), ("T3", "Term 3")]

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="grades")
    subject = models.CharField(max_length=60)
    term = models.CharField(max_length=2, choices=TERMS)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    comment = models.TextField(blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    approved = models.BooleanField(default=False)  # set by the principal before grades are visible


class AbsenceNote(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="absences")
    date = models.DateField()
    reason = models.TextField()
    excused = models.BooleanField(default=False)
