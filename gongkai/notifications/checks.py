"""`gongkai check --deploy`: the production task queue knows where its Redis is."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

NO_REDIS = (
    "The task queue runs on Redis (GONGKAI_TASK_BACKEND=rq, the production default) but "
    "GONGKAI_REDIS_URL is not set."
)


@register(Tags.compatibility, deploy=True)
def task_queue(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.GONGKAI_TASK_BACKEND == "rq" and not settings.GONGKAI_REDIS_URL:
        return [
            Error(
                NO_REDIS,
                hint="GONGKAI_REDIS_URL=redis://127.0.0.1:6379/0 (or GONGKAI_TASK_BACKEND="
                "database to keep the tasks in the database)",
                id="notifications.E001",
            )
        ]
    return []
