import re
from datetime import datetime

from fastapi import APIRouter as Router
from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from blog.auth import admin_required, get_csrf_token, is_admin, login_required, verify_csrf
from blog.database import Comment, Post, User, get_db
from blog.routers.public import templates

router = Router(prefix="/admin", dependencies=[Depends(login_required)])


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:200]


def _editable_post(post_id: int, request: Request, user: User, db: Session) -> Post:
    post = db.get(Post, post_id)
    if post is None:
        raise HTTPException(status_code=404)
    if post.author_id != user.id and not is_admin(request):
        raise HTTPException(status_code=403, detail="You can only edit your own posts")
    return post


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: User = Depends(login_required), db: Session = Depends(get_db)):
    query = db.query(Post).order_by(Post.id.desc())
    if not is_admin(request):
        query = query.filter(Post.author_id == user.id)
    return templates.TemplateResponse(
        request, "admin.html", {"posts": query.all(), "csrf_token": get_csrf_token(request)}
    )


@router.post("/posts", dependencies=[Depends(verify_csrf)])
def create_post(
    title: str = Form(..., max_length=200),
    body: str = Form(""),
    tags: str = Form(""),
    publish: bool = Form(False),
    user: User = Depends(login_required),
    db: Session = Depends(get_db),
):
    post = Post(slug=slugify(title), title=title, body=body, tags=tags, author_id=user.id)
    if publish:
        post.published, post.published_at = True, datetime.utcnow()
    db.add(post)
    db.commit()
    return RedirectResponse("/admin", status_code=303)


@router.post("/posts/{post_id}/edit", dependencies=[Depends(verify_csrf)])
def edit_post(
    post_id: int,
    request: Request,
    title: str = Form(..., max_length=200),
    body: str = Form(""),
    tags: str = Form(""),
    user: User = Depends(login_required),
    db: Session = Depends(get_db),
):
    post = _editable_post(post_id, request, user, db)
    post.title, post.body, post.tags = title, body, tags
    db.commit()
    return RedirectResponse("/admin", status_code=303)


@router.get("/posts/{post_id}/delete")
def delete_post(post_id: int, request: Request, user: User = Depends(login_required), db: Session = Depends(get_db)):
    post = _editable_post(post_id, request, user, db)
    db.delete(post)
    db.commit()
    return RedirectResponse("/admin", status_code=303)


@router.get("/comments")
def moderation_queue(_: User = Depends(admin_required), db: Session = Depends(get_db)):
    pending = db.query(Comment).filter(Comment.approved.is_(False)).order_by(Comment.created_at).all()
    return [{"id": c.id, "post_id": c.post_id, "author": c.author_name, "body": c.body} for c in pending]


@router.post("/comments/{comment_id}/approve", dependencies=[Depends(verify_csrf)])
def approve_comment(comment_id: int, _: User = Depends(admin_required), db: Session = Depends(get_db)):
    comment = db.get(Comment, comment_id)
    if comment is None:
        raise HTTPException(status_code=404)
    comment.approved = True
    db.commit()
    return RedirectResponse("/admin/comments", status_code=303)


@router.get("/stats")
def stats(_: User = Depends(admin_required), db: Session = Depends(get_db)):
    published = db.execute(
        text("SELECT count(*) FROM posts WHERE published = :flag"), {"flag": True}
    ).scalar()
    pending = db.query(Comment).filter(Comment.approved.is_(False)).count()
    return {"published_posts": published, "pending_comments": pending}
