from __future__ import annotations

from django.db.models import QuerySet

from tandem.core.permissions import Role
from tandem.people.models import User


def sales_owners() -> QuerySet[User]:
    """Active people who can own records on the sales side, for owner pickers."""
    return User.objects.filter(
        is_active=True, role__in=[Role.SALES_REP, Role.SALES_MANAGER]
    ).order_by("first_name")
