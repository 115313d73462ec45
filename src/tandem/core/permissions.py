"""Who may do what: the one place that answers it.

Roles are coarse on purpose (marketing, sales rep, sales manager, admin) and some
actions are limited to what the user owns. Views, the API and services all ask
``can``; the test suite checks the whole role x action matrix against this table.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MARKETING = "marketing"
    SALES_REP = "sales_rep"
    SALES_MANAGER = "sales_manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Action(StrEnum):
    VIEW_RECORDS = "view_records"
    EDIT_CONTACT = "edit_contact"
    EDIT_ACCOUNT = "edit_account"
    MOVE_STAGE = "move_stage"
    EDIT_CAMPAIGN = "edit_campaign"
    LOG_TOUCHPOINT = "log_touchpoint"
    EDIT_OPPORTUNITY = "edit_opportunity"
    PROPOSE_DEFINITION = "propose_definition"
    APPROVE_FOR_MARKETING = "approve_for_marketing"
    APPROVE_FOR_SALES = "approve_for_sales"
    MANAGE_USERS = "manage_users"
    MANAGE_SCORING = "manage_scoring"


class Scope(StrEnum):
    NONE = "none"
    OWN = "own"  # only records the user owns
    ALL = "all"


M, R, S, A = Role.MARKETING, Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN
NO, OWN, ALL = Scope.NONE, Scope.OWN, Scope.ALL

# Rows: action; columns: marketing, sales rep, sales manager, admin.
MATRIX: dict[Action, dict[Role, Scope]] = {
    action: dict(zip((M, R, S, A), scopes, strict=True))
    for action, scopes in {
        Action.VIEW_RECORDS: (ALL, ALL, ALL, ALL),
        Action.EDIT_CONTACT: (ALL, OWN, ALL, ALL),
        Action.EDIT_ACCOUNT: (ALL, OWN, ALL, ALL),
        Action.MOVE_STAGE: (ALL, OWN, ALL, ALL),
        Action.EDIT_CAMPAIGN: (ALL, NO, NO, ALL),
        Action.LOG_TOUCHPOINT: (ALL, ALL, ALL, ALL),
        Action.EDIT_OPPORTUNITY: (NO, OWN, ALL, ALL),
        Action.PROPOSE_DEFINITION: (ALL, NO, ALL, ALL),
        Action.APPROVE_FOR_MARKETING: (ALL, NO, NO, ALL),
        Action.APPROVE_FOR_SALES: (NO, NO, ALL, ALL),
        Action.MANAGE_USERS: (NO, NO, NO, ALL),
        Action.MANAGE_SCORING: (ALL, NO, NO, ALL),
    }.items()
}


def scope(role: Role | str, action: Action) -> Scope:
    """How far ``role`` may perform ``action``; unknown roles may do nothing."""
    try:
        return MATRIX[action][Role(role)]
    except ValueError:
        return Scope.NONE


def can(role: Role | str, action: Action, *, owns: bool | None = None) -> bool:
    """True when ``role`` may perform ``action``.

    ``owns`` says whether the user owns the record at hand; ``None`` asks about the
    action in general (so an OWN scope answers True: the user may do it somewhere).
    """
    granted = scope(role, action)
    if granted is Scope.ALL:
        return True
    if granted is Scope.OWN:
        return owns is None or owns
    return False
