import os


class Config:
    ENV = os.getenv("BLOG_ENV", "production")
    DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///./blog.db")
    SITE_NAME = os.getenv("SITE_NAME", "Field Notes")
    POSTS_PER_PAGE = 10
    REMEMBER_ME_DAYS = 30
    ALLOWED_REDIRECT_HOSTS = {"fieldnotes.blog", "www.fieldnotes.blog"}


config = Config()
