from django import forms

from .models import Employee


class EmployeeProfileForm(forms.ModelForm):
    class Meta:
        model = Employee
        fields = "__all__"


class ContactInfoForm(forms.ModelForm):
    class Meta:
        model = Employee
        fields = ["phone", "bio"]
