from __future__ import annotations

from typing import Any

from django import template

from gongkai.supervision import workflow

register = template.Library()


@register.filter
def masked_facts(record: Any) -> str:
    """An accountability record's facts as every reader sees them: personal numbers masked."""
    return workflow.published_facts(record)
