from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .forms import CommentForm, PostForm
from .models import Post

EDITOR_HINT = mark_safe("<strong>Tip:</strong> separate paragraphs with a blank line.")


def post_list(request):
    posts = Post.objects.filter(published=True).select_related("author")
    page = Paginator(posts, 10).get_page(request.GET.get("page"))
    return render(request, "posts/post_list.html", {"page_obj": page})


def post_detail(request, slug):
    post = get_object_or_404(Post, slug=slug, published=True)
    share_link = format_html(
        '<a href="{}" class="share">Share &ldquo;{}&rdquo;</a>',
        request.build_absolute_uri(post.get_absolute_url()),
        post.title,
    )
    context = {
        "post": post,
        "comments": post.comments.filter(approved=True),
        "form": CommentForm(),
        "share_link": share_link,
    }
    return render(request, "posts/post_detail.html", context)


@csrf_exempt
@require_POST
def add_comment(request, slug):
    post = get_object_or_404(Post, slug=slug, published=True)
    form = CommentForm(request.POST)
    if form.is_valid():
        comment = form.save(commit=False)
        comment.post = post
        if request.user.is_authenticated:
            comment.author = request.user
            comment.approved = True
        comment.save()
        messages.success(request, "Thanks! Your comment has been posted.")
    else:
        messages.error(request, "Your comment could not be saved.")
    return redirect("post_detail", slug=slug)


@require_POST
def approve_all_comments(request, slug):
    post = get_object_or_404(Post, slug=slug)
    updated = post.comments.filter(approved=False).update(approved=True)
    messages.info(request, f"{updated} comment(s) approved.")
    return redirect("post_detail", slug=slug)


@login_required
def post_create(request):
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        post = form.save(commit=False)
        post.author = request.user
        post.save()
        messages.success(request, "Draft saved.")
        return redirect("post_edit", pk=post.pk)
    return render(request, "posts/post_form.html", {"form": form, "hint": EDITOR_HINT})


@login_required
def post_edit(request, pk):
    post = get_object_or_404(Post, pk=pk, author=request.user)
    form = PostForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Post updated.")
        return redirect("post_edit", pk=post.pk)
    return render(request, "posts/post_form.html", {"form": form, "post": post, "hint": EDITOR_HINT})


@login_required
def post_delete(request, pk):
    post = get_object_or_404(Post, pk=pk)
    if request.method == "POST":
        post.delete()
        messages.success(request, "Post deleted.")
        return redirect("post_list")
    return render(request, "posts/post_confirm_delete.html", {"post": post})


@xframe_options_exempt
@login_required
def post_preview(request, pk):
    # Rendered inside an <iframe> next to the editor so authors can see the result live.
    post = get_object_or_404(Post, pk=pk, author=request.user)
    if request.method == "POST" and "publish" in request.POST:
        post.published = True
        post.save(update_fields=["published"])
        return redirect(post.get_absolute_url())
    return render(request, "posts/post_preview.html", {"post": post})


def login_view(request):
    if request.method == "POST":
        user = authenticate(
            request,
            username=request.POST.get("username"),
            password=request.POST.get("password"),
        )
        if user is not None:
            login(request, user)
            return redirect(request.GET.get("next", "/"))
        messages.error(request, "Invalid username or password.")
    return render(request, "registration/login.html")


@require_POST
def logout_view(request):
    logout(request)
    next_url = request.POST.get("next")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("post_list")
