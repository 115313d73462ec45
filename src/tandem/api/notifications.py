"""A person's own notifications: list, mark one read, mark all read.

Someone else's notification answers 404, exactly like a missing one, so ids leak nothing.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from tandem.api.crm import Page
from tandem.api.schemas import ErrorOut, MarkedOut, NotificationOut
from tandem.notifications import selectors, services
from tandem.notifications.models import Notification
from tandem.people.access import current_user

router = Router(tags=["notifications"])
ERRORS = {401: ErrorOut, 404: ErrorOut}


@router.get(
    "",
    response=list[NotificationOut],
    summary="Your notifications, unread first, newest first",
)
@paginate(Page)
def list_notifications(request: HttpRequest, unread: bool = False) -> QuerySet[Notification]:
    return selectors.inbox(user=current_user(request), unread_only=unread)


@router.post(
    "/read-all",
    response={200: MarkedOut, 401: ErrorOut},
    summary="Mark all your notifications read",
)
def read_all(request: HttpRequest) -> object:
    return {"marked": services.mark_all_read(user=current_user(request))}


@router.post(
    "/{int:notification_id}/read",
    response={200: NotificationOut, **ERRORS},
    summary="Mark one of your notifications read",
)
def read_one(request: HttpRequest, notification_id: int) -> object:
    return services.mark_read(notification_id, user=current_user(request))
