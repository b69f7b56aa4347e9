from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from market.core.health import overall_health
from market.core.permissions import is_operator


@never_cache
@require_GET
def health(request):
    """Up or down per part for anyone (load balancers, uptime checks); the details, which
    name hosts, ports and versions, only for an operator signed in with a bearer token."""
    components = overall_health()
    failing = sorted(name for name, state in components.items() if state.failing)
    detailed = is_operator(getattr(request, "user", None))
    body = {
        "status": "down" if failing else "up",
        "failing": failing,
        "components": {
            name: {"status": state.status, "detail": state.detail}
            if detailed
            else {"status": state.status}
            for name, state in components.items()
        },
    }
    return JsonResponse(body, status=503 if failing else 200)
