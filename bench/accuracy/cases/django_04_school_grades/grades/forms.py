from django import forms

from .models import AbsenceNote, Grade


class GradeForm(forms.ModelForm):
    class Meta:
        model = Grade
        fields = "__all__"


class AbsenceNoteForm(forms.ModelForm):
    class Meta:
        model = AbsenceNote
        fields = ["date", "reason"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
