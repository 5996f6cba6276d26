from django import forms

from .models import Recipe


class RecipeForm(forms.ModelForm):
    cuisine = forms.ChoiceField(
        choices=Recipe.CUISINES,
        error_messages={"invalid_choice": "Please select an item from the list."},
    )

    class Meta:
        model = Recipe
        fields = ["title", "ingredients", "instructions", "servings", "cuisine"]


class RecipeImportForm(forms.Form):
    file = forms.FileField(help_text="A .yaml recipe exported from RecipeBox")


class ImportFromUrlForm(forms.Form):
    url = forms.URLField(label="Recipe page URL")
