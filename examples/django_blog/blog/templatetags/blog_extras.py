from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def author_badge(user):
    """Username with a check mark for verified authors."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.is_verified:
        return format_html('<span class="author verified">{} &#10003;</span>', user.get_username())
    return user.get_username()


@register.filter
def bio_html(profile):
    """Render the author's display name and bio for the byline."""
    if not profile:
        return ""
    return mark_safe(f"<b>{profile.display_name}</b> &mdash; {profile.bio}")


@register.simple_tag
def line_break():
    return mark_safe("<br>")
