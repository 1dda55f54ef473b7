from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    from gongkai.permissions import can_use_console

    return {
        "site_name": settings.GONGKAI_SITE_NAME,
        # Lazy: only pages that show the header pay for the roles query.
        "can_use_console": lambda: can_use_console(request.user),
    }
