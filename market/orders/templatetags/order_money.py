"""``{{ amount|vnd }}``: whole VND as Vietnamese write it, ``85.000 ₫``."""

from django import template

register = template.Library()


@register.filter
def vnd(amount) -> str:
    try:
        value = int(amount)
    except (TypeError, ValueError):
        return ""
    return f"{value:,}".replace(",", ".") + " ₫"
