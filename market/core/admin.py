"""Pieces the apps' admin pages share."""


class RefusedWritesMixin:
    """For a model written elsewhere (through the API's services, by signing in): ``refused``
    names which of ``"add"``, ``"change"`` and ``"delete"`` the admin never offers, whatever
    the user's permissions. Put it before ``ModelAdmin`` or ``TabularInline``."""

    refused: tuple[str, ...] = ()

    # ``*args``: an inline's permission methods also take the parent object.
    def has_add_permission(self, request, *args):
        return "add" not in self.refused and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return "change" not in self.refused and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return "delete" not in self.refused and super().has_delete_permission(request, obj)
