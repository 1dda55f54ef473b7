"""The kiosk's settings for its pages: `{% load kiosk %}{% kiosk_idle_seconds %}`."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()

#: Seconds without a touch before a kiosk page goes back to the kiosk's home (and the home
#: starts showing the newest items in turn); GONGKAI_KIOSK_IDLE_SECONDS overrides it.
DEFAULT_IDLE_SECONDS = 90
#: Seconds each group of items stays on screen while the kiosk is idle.
DEFAULT_ROTATE_SECONDS = 8


@register.simple_tag
def kiosk_idle_seconds() -> int:
    value = getattr(settings, "GONGKAI_KIOSK_IDLE_SECONDS", DEFAULT_IDLE_SECONDS)
    return max(10, int(value))


@register.simple_tag
def kiosk_rotate_seconds() -> int:
    value = getattr(settings, "GONGKAI_KIOSK_ROTATE_SECONDS", DEFAULT_ROTATE_SECONDS)
    return max(3, int(value))
