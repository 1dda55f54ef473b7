from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


# GET and HEAD: some load balancers probe with HEAD.
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 when it does not. Load balancers poll it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def refusal_text(exc: Exception) -> str:
    """The Chinese sentence(s) of a refused action (ValidationError or PermissionDenied),
    for a message on the page."""
    return " ".join(getattr(exc, "messages", None) or [str(exc)])
