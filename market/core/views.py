from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from market.core.health import overall_health


@never_cache
@require_GET
def health(request):
    components = overall_health()
    failing = sorted(name for name, state in components.items() if state.failing)
    body = {
        "status": "down" if failing else "up",
        "failing": failing,
        "components": {
            name: {"status": state.status, "detail": state.detail}
            for name, state in components.items()
        },
    }
    return JsonResponse(body, status=503 if failing else 200)
