"""What several traceability services share: the model's own field checks, and the site an
auditor acts on."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from market.core.errors import NotFound
from market.core.permissions import is_row_id
from traceability.models import Site


def check_model_fields(instance, **options) -> None:
    """``instance.full_clean(**options)`` without the constraints (the database's), its
    problems raised keyed by field."""
    try:
        instance.full_clean(validate_constraints=False, **options)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def site_locked(site_id) -> Site:
    """The site under its row lock, with its seller, for someone who may act on every site
    (auditors, operators, the platform)."""
    site = (
        Site.objects.select_for_update(of=("self",)).select_related("seller").filter(pk=site_id)
        if is_row_id(site_id)
        else Site.objects.none()
    ).first()
    if site is None:
        raise NotFound(_("This site does not exist."), field="site_id")
    return site
