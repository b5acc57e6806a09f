"""Staff permissions for the services (docs/api.md, Authentication and roles).

Staff act through roles (Django groups and their permissions, see
``apps.identity.roles``); a service that does something only staff may do asks
here with the permission's name (``"commerce.refund_order"``), the same name
the admin checks to show the action. Superusers pass every check; accounts
that are not active staff pass none.

Another user's record is 404 for learners (its existence stays hidden), but
staff know the records exist (the admin lists them): a staff member whose
role does not cover it gets 403 ``permission_denied``, reads included.
"""

from __future__ import annotations

from deltalabs.errors import PermissionDenied


def is_active_staff(actor) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_active and actor.is_staff)


def staff_can(actor, perm: str) -> bool:
    """Whether ``actor`` is active staff whose roles grant ``perm``."""
    return is_active_staff(actor) and actor.has_perm(perm)


def require_staff_permission(actor, perm: str, message: str = "Your staff role does not allow this.") -> None:
    """403 ``permission_denied`` unless ``actor`` is staff holding ``perm``."""
    if not staff_can(actor, perm):
        raise PermissionDenied(message)
