from decimal import Decimal

from django import forms

from .models import Comment, Post, Profile


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "body", "published"]


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = "__all__"


class TipForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=8, decimal_places=2)
