import secrets
from urllib.parse import urlparse

from fastapi import APIRouter as Router
from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.orm import Session

from blog.auth import get_csrf_token, get_current_user, pwd_context, verify_csrf
from blog.config import config
from blog.database import Comment, Post, User, get_db

router = Router()
templates = Jinja2Templates(directory="blog/templates")
templates.env.globals["site_name"] = config.SITE_NAME
templates.env.globals["footer"] = Markup('<a href="/feed.xml">RSS</a> &middot; Powered by FastAPI')


def _is_safe_redirect(url: str) -> bool:
    parsed = urlparse(url)
    if not parsed.scheme and not parsed.netloc:
        return url.startswith("/") and not url.startswith("//") and "\\" not in url
    return parsed.scheme == "https" and parsed.hostname in config.ALLOWED_REDIRECT_HOSTS


@router.get("/", response_class=HTMLResponse)
def index(request: Request, page: int = 1, db: Session = Depends(get_db)):
    posts = (
        db.query(Post)
        .filter(Post.published.is_(True))
        .order_by(Post.published_at.desc())
        .offset((max(page, 1) - 1) * config.POSTS_PER_PAGE)
        .limit(config.POSTS_PER_PAGE)
        .all()
    )
    return templates.TemplateResponse(request, "index.html", {"posts": posts, "page": page})


@router.get("/tag/{tag}", response_class=HTMLResponse)
def posts_by_tag(request: Request, tag: str, db: Session = Depends(get_db)):
    posts = (
        db.query(Post)
        .filter(Post.published.is_(True))
        .filter(text(f"tags LIKE '%{tag}%'"))
        .order_by(Post.published_at.desc())
        .all()
    )
    return templates.TemplateResponse(request, "index.html", {"posts": posts, "tag": tag})


@router.get("/posts/{slug}", response_class=HTMLResponse)
def show_post(
    request: Request,
    slug: str,
    db: Session = Depends(get_db),
    user: User | None = Depends(get_current_user),
):
    post = db.query(Post).filter(Post.slug == slug).first()
    if post is None or (not post.published and (user is None or user.id != post.author_id)):
        raise HTTPException(status_code=404)
    comments = [
        {"author": c.author_name, "body": Markup(c.body.replace("\n", "<br>")), "at": c.created_at}
        for c in post.comments
        if c.approved
    ]
    return templates.TemplateResponse(request, "post.html", {"post": post, "comments": comments})


@router.post("/posts/{slug}/comments")
def add_comment(
    slug: str,
    author_name: str = Form(..., max_length=80),
    body: str = Form(..., max_length=5000),
    db: Session = Depends(get_db),
):
    post = db.query(Post).filter(Post.slug == slug, Post.published.is_(True)).first()
    if post is None:
        raise HTTPException(status_code=404)
    db.add(Comment(post_id=post.id, author_name=author_name, body=body))
    db.commit()
    return RedirectResponse(f"/posts/{post.slug}?comment=pending", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/admin"):
    context = {"next": next, "csrf_token": get_csrf_token(request)}
    return templates.TemplateResponse(request, "login.html", context)


@router.post("/login", dependencies=[Depends(verify_csrf)])
def login(
    request: Request,
    email: str = Form(...),
    password: str = Form(...),
    remember: bool = Form(False),
    next: str = Form("/admin"),
    db: Session = Depends(get_db),
):
    user = db.query(User).filter(User.email == email).first()
    if user is None or not pwd_context.verify(password, user.password_hash):
        return templates.TemplateResponse(
            request,
            "login.html",
            {"error": "Invalid email or password", "next": next, "csrf_token": get_csrf_token(request)},
            status_code=401,
        )

    request.session.clear()
    request.session["user_id"] = user.id
    get_csrf_token(request)
    response = RedirectResponse(url=next, status_code=303)
    response.set_cookie("role", user.role, httponly=True, secure=True, samesite="lax")
    if remember:
        user.remember_token = secrets.token_hex(32)
        db.commit()
        response.set_cookie("remember_me", user.remember_token, max_age=config.REMEMBER_ME_DAYS * 86400)
    return response


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request, next: str = Form("/")):
    request.session.clear()
    target = next if _is_safe_redirect(next) else "/"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie("role")
    response.delete_cookie("remember_me")
    return response
