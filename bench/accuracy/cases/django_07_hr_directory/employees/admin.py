from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .models import Department, Document, Employee


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "job_title", "department", "email_link", "bio_preview", "is_hr_admin")
    list_filter = ("department", "is_hr_admin")
    search_fields = ("first_name", "last_name", "user__email")
    inlines = [DocumentInline]

    @admin.display(description="Email")
    def email_link(self, obj):
        return format_html('<a href="mailto:{0}">{0}</a>', obj.user.email)

    @admin.display(description="Bio")
    def bio_preview(self, obj):
        return mark_safe(obj.bio[:120].replace("\n", "<br>"))


admin.site.register(Department)
