from django import forms

from .models import Reply, Ticket


class TicketForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["title", "description", "priority"]


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Reply
        fields = ["body"]
