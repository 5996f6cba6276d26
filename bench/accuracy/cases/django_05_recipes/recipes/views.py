import hashlib
import hmac
import json
import re

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, F
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .forms import ImportFromUrlForm, RecipeForm, RecipeImportForm
from .models import Rating, Recipe, Subscriber
from .services import parse_recipe_yaml, validate_recipe_yaml

MODERATION_NOTE = mark_safe('<p class="note">All recipes are reviewed by our <em>kitchen team</em>.</p>')


def recipe_list(request):
    recipes = Recipe.objects.annotate(avg_stars=Avg("ratings__stars")).order_by("-is_featured", "-created_at")
    cuisine = request.GET.get("cuisine")
    if cuisine:
        recipes = recipes.filter(cuisine=cuisine)
    return render(request, "recipes/recipe_list.html", {"recipes": recipes, "note": MODERATION_NOTE})


def recipe_detail(request, pk):
    recipe = get_object_or_404(Recipe, pk=pk)
    author_link = format_html('<a href="/recipes/?author={}">{}</a>', recipe.author_id, recipe.author.get_username())
    return render(request, "recipes/recipe_detail.html", {"recipe": recipe, "author_link": author_link})


@login_required
def recipe_create(request):
    form = RecipeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        recipe = form.save(commit=False)
        recipe.author = request.user
        recipe.save()
        return redirect("recipe_detail", pk=recipe.pk)
    return render(request, "recipes/recipe_form.html", {"form": form})


@login_required
def quick_add(request):
    if request.method == "POST":
        data = request.POST.dict()
        data.pop("csrfmiddlewaretoken", None)
        recipe = Recipe.objects.create(author=request.user, **data)
        messages.success(request, "Recipe added!")
        return redirect("recipe_detail", pk=recipe.pk)
    return render(request, "recipes/quick_add.html")


@csrf_exempt
@login_required
@require_POST
def rate_recipe(request, pk):
    recipe = get_object_or_404(Recipe, pk=pk)
    stars = max(1, min(5, int(request.POST.get("stars", 5))))
    Rating.objects.update_or_create(recipe=recipe, user=request.user, defaults={"stars": stars})
    return JsonResponse({"ok": True, "stars": stars})


@xframe_options_exempt
@login_required
def rating_widget(request, pk):
    """Small star widget that food bloggers embed next to our recipes."""
    recipe = get_object_or_404(Recipe, pk=pk)
    return render(request, "recipes/rating_widget.html", {"recipe": recipe})


@login_required
@require_POST
def like_recipe(request, pk):
    Recipe.objects.filter(pk=pk).update(likes=F("likes") + 1)
    return redirect("recipe_detail", pk=pk)


@login_required
def import_recipe(request):
    form = RecipeImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = parse_recipe_yaml(form.cleaned_data["file"].read())
        recipe = Recipe.objects.create(author=request.user, **data)
        return redirect("recipe_detail", pk=recipe.pk)
    return render(request, "recipes/import.html", {"form": form})


@login_required
@require_POST
def check_import_file(request):
    """AJAX pre-check used by the import page before the real upload."""
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": "no file"}, status=400)
    try:
        missing = validate_recipe_yaml(upload.read())
    except Exception:
        return JsonResponse({"valid": False, "error": "not a valid recipe file"})
    return JsonResponse({"valid": not missing, "missing": missing})


@login_required
def import_from_url(request):
    form = ImportFromUrlForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        page = requests.get(request.POST["url"], timeout=10)
        title = re.search(r"<title>(.*?)</title>", page.text, re.S)
        recipe = Recipe.objects.create(
            author=request.user,
            title=(title.group(1).strip() if title else "Imported recipe")[:150],
            ingredients="",
            instructions="(imported - please edit)",
            source_url=form.cleaned_data["url"],
        )
        return redirect("recipe_detail", pk=recipe.pk)
    return render(request, "recipes/import.html", {"form": form})


@csrf_exempt
@require_POST
def newsletter_webhook(request):
    """Called by the mailing-list provider when someone confirms their subscription."""
    signature = request.headers.get("X-Mailer-Signature", "")
    expected = hmac.new(settings.NEWSLETTER_WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, expected):
        return HttpResponseForbidden("bad signature")
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("invalid json")
    Subscriber.objects.filter(email=payload.get("email", "")).update(confirmed=True)
    return HttpResponse(status=204)
