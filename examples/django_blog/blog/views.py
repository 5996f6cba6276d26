"""Views for the blog app."""
import base64
import json
import pickle
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.http import FileResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import ListView, TemplateView, UpdateView

from .forms import CommentForm, PostForm, ProfileForm, TipForm
from .models import Comment, Order, Post, Profile, Wallet

PREMIUM_PRICE = Decimal("4.99")


def safe_next(request, default="blog:post_list"):
    """Return the ?next= target only if it points back at this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --------------------------------------------------------------------------
# Posts
# --------------------------------------------------------------------------

def post_list(request):
    posts = Post.objects.filter(published=True).select_related("author")
    return render(request, "blog/post_list.html", {"posts": posts})


def post_detail(request, slug):
    post = get_object_or_404(Post, slug=slug, published=True)
    comments = post.comments.filter(is_approved=True).select_related("author")
    context = {"post": post, "comments": comments, "form": CommentForm()}
    return render(request, "blog/post_detail.html", context)


@xframe_options_exempt
def post_embed(request, slug):
    """Same page as post_detail, but embeddable in partner sites via <iframe>."""
    post = get_object_or_404(Post, slug=slug, published=True)
    comments = post.comments.filter(is_approved=True).select_related("author")
    context = {"post": post, "comments": comments, "form": CommentForm(), "embed": True}
    return render(request, "blog/post_detail.html", context)


@login_required
def post_create(request):
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        post = form.save(commit=False)
        post.author = request.user
        post.save()
        messages.success(request, "Post created.")
        return redirect(post)
    return render(request, "blog/post_form.html", {"form": form})


@login_required
def post_edit(request, pk):
    post = get_object_or_404(Post, pk=pk)
    form = PostForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Post updated.")
        return redirect(post)
    return render(request, "blog/post_form.html", {"form": form, "post": post})


@login_required
@require_POST
def post_delete(request, pk):
    post = get_object_or_404(Post, pk=pk, author=request.user)
    post.delete()
    messages.success(request, "Post deleted.")
    return redirect("blog:post_list")


@login_required
@require_POST
def post_toggle_publish(request, pk):
    post = get_object_or_404(Post, pk=pk)
    if post.author != request.user:
        raise PermissionDenied
    post.published = not post.published
    post.save(update_fields=["published"])
    return redirect(post)


class PostUpdateView(LoginRequiredMixin, UpdateView):
    model = Post
    form_class = PostForm
    template_name = "blog/post_form.html"

    def get_queryset(self):
        return Post.objects.filter(author=self.request.user)


class DraftListView(ListView):
    """Unpublished drafts, shown on the editor's review page."""
    template_name = "blog/post_list.html"
    context_object_name = "posts"

    def get_queryset(self):
        return Post.objects.filter(published=False).select_related("author")


@method_decorator(login_required, name="dispatch")
class DashboardView(TemplateView):
    template_name = "blog/post_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["posts"] = Post.objects.filter(author=self.request.user)
        context["wallet"], _ = Wallet.objects.get_or_create(user=self.request.user)
        return context


# --------------------------------------------------------------------------
# Comments
# --------------------------------------------------------------------------

# The comment box is submitted by a small fetch() widget; exempting it means
# the widget doesn't have to read the CSRF cookie.
@csrf_exempt
@login_required
@require_POST
def add_comment(request, slug):
    post = get_object_or_404(Post, slug=slug, published=True)
    form = CommentForm(request.POST)
    if form.is_valid():
        comment = form.save(commit=False)
        comment.post = post
        comment.author = request.user
        comment.save()
        return JsonResponse({"id": comment.pk, "body": comment.body}, status=201)
    return JsonResponse({"errors": form.errors}, status=400)


@require_POST
def comment_approve(request, pk):
    comment = get_object_or_404(Comment, pk=pk)
    comment.is_approved = True
    comment.save(update_fields=["is_approved"])
    return redirect(comment.post)


# --------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------

@login_required
def profile_edit(request):
    profile, _ = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("blog:profile_edit")
    return render(request, "blog/profile.html", {"form": form, "profile": profile})


@login_required
@require_POST
def profile_onboarding(request):
    """Create the profile from the onboarding wizard in a single request."""
    data = request.POST.dict()
    data.pop("csrfmiddlewaretoken", None)
    Profile.objects.create(user=request.user, **data)
    return redirect("blog:profile_edit")


# --------------------------------------------------------------------------
# Search, archive and stats
# --------------------------------------------------------------------------

def search(request):
    q = request.GET.get("q", "").strip()
    results = []
    if q:
        results = Post.objects.raw(
            f"SELECT * FROM blog_post WHERE published = true AND title LIKE '%{q}%' "
            "ORDER BY created DESC"
        )
    return render(request, "blog/search.html", {"q": q, "results": results})


def archive(request):
    year = request.GET.get("year")
    month = request.GET.get("month")
    posts = Post.objects.filter(published=True)
    if year:
        posts = posts.extra(where=["date_part('year', created) = {}".format(year)])
    if month:
        posts = posts.extra(where=["date_part('month', created) = %s"], params=[month])
    return render(request, "blog/post_list.html", {"posts": posts})


@login_required
def post_stats(request, pk):
    post = get_object_or_404(Post, pk=pk, author=request.user)
    since = request.GET.get("since", "1970-01-01")
    with connection.cursor() as cursor:
        cursor.execute("SELECT title, created FROM blog_post WHERE id = %s", [post.pk])
        title, created = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*) FROM blog_comment WHERE post_id = %s AND created >= '%s'"
            % (post.pk, since)
        )
        comment_count = cursor.fetchone()[0]
    return JsonResponse({"title": title, "created": created, "comments": comment_count})


# --------------------------------------------------------------------------
# Redirects
# --------------------------------------------------------------------------

def switch_language(request):
    request.session["lang"] = request.GET.get("lang", "en")
    return redirect(request.GET.get("next", "/"))


# --------------------------------------------------------------------------
# Wallet: tips and premium
# --------------------------------------------------------------------------

@login_required
@require_POST
def tip_author(request, pk):
    """Send a tip from the reader's wallet to the post author."""
    post = get_object_or_404(Post, pk=pk, published=True)
    form = TipForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Invalid amount")
    amount = form.cleaned_data["amount"]

    wallet = Wallet.objects.get(user=request.user)
    if wallet.balance < amount:
        messages.error(request, "Insufficient balance.")
        return redirect(post)
    wallet.balance -= amount
    wallet.save()
    Wallet.objects.filter(user=post.author).update(balance=F("balance") + amount)

    messages.success(request, f"You tipped {post.author} ${amount}.")
    return redirect(safe_next(request, default=post.get_absolute_url()))


@login_required
@require_POST
def buy_premium(request):
    """Charge the premium subscription to the wallet and record an order."""
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(user=request.user)
        if wallet.balance < PREMIUM_PRICE:
            messages.error(request, "Insufficient balance.")
            return redirect("blog:dashboard")
        wallet.balance = F("balance") - PREMIUM_PRICE
        wallet.save(update_fields=["balance"])
        Order.objects.create(
            user=request.user, product="premium-monthly", total=PREMIUM_PRICE,
            status=Order.Status.PAID,
        )
    messages.success(request, "Welcome to premium!")
    return redirect(safe_next(request, default="blog:dashboard"))


# --------------------------------------------------------------------------
# Import / export
# --------------------------------------------------------------------------

@login_required
@require_POST
def import_posts(request):
    """Bulk import posts from a YAML export (used when migrating from Jekyll)."""
    docs = yaml.load(request.body, Loader=yaml.Loader)
    created = 0
    for item in docs or []:
        Post.objects.create(
            author=request.user, title=item["title"], body=item.get("body", ""), published=False
        )
        created += 1
    return JsonResponse({"created": created})


@login_required
def restore_draft(request):
    """Restore an autosaved draft from the `draft` cookie set by the editor."""
    initial = {}
    if "draft" in request.COOKIES:
        initial = pickle.loads(base64.b64decode(request.COOKIES["draft"]))
    elif "draft_v2" in request.COOKIES:
        raw = request.get_signed_cookie("draft_v2", salt="blog.draft", max_age=7 * 86400)
        initial = json.loads(raw)
    return render(request, "blog/post_form.html", {"form": PostForm(initial=initial)})


@login_required
def export_post(request, pk):
    """Convert a post to PDF/EPUB/DOCX with pandoc."""
    post = get_object_or_404(Post, pk=pk, author=request.user)
    fmt = request.GET.get("format", "pdf")
    workdir = Path(tempfile.mkdtemp())
    src = workdir / "post.html"
    src.write_text(post.body)
    out = workdir / f"{post.slug}.{fmt}"
    subprocess.run(f"pandoc {src} -o {out}", shell=True, check=True)
    return FileResponse(open(out, "rb"), as_attachment=True)


@login_required
def export_archive(request):
    """Download all of the user's posts as a .tar.gz of HTML files."""
    workdir = Path(tempfile.mkdtemp())
    for post in Post.objects.filter(author=request.user):
        (workdir / f"{post.slug}.html").write_text(post.body)
    archive_path = workdir.with_suffix(".tar.gz")
    subprocess.run(["tar", "-czf", str(archive_path), "-C", str(workdir), "."], check=True)
    return FileResponse(open(archive_path, "rb"), as_attachment=True)
