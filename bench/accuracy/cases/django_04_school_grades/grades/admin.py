from django.contrib import admin
from django.utils.html import format_html

from .models import AbsenceNote, Classroom, Grade, Student


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin):
    list_display = ("student", "subject", "term", "colored_score", "approved")
    list_filter = ("term", "approved", "subject")
    actions = ["approve_selected"]

    @admin.display(description="Score")
    def colored_score(self, obj):
        color = "green" if obj.score >= 70 else "red"
        return format_html('<span style="color: {};">{}</span>', color, obj.score)

    @admin.action(description="Approve selected grades")
    def approve_selected(self, request, queryset):
        queryset.update(approved=True)


admin.site.register([Classroom, Student, AbsenceNote])
