"""The inbox: a person's own notifications, unread first."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from tandem.notifications import selectors, services
from tandem.people.access import current_user

PAGE_SIZE = 50


@require_GET
@vary_on_headers("HX-Request")
def inbox(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    page = Paginator(selectors.inbox(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tandem/inbox.html", {"page": page})


@require_POST
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = current_user(request)
    notification = services.mark_read(notification_id, user=user)
    if request.htmx:  # type: ignore[attr-defined]
        # The row, read now, and the badge in the top bar (out of band).
        return render(
            request,
            "tandem/inbox.html#item",
            {"n": notification, "badge_oob": True},
        )
    return redirect("inbox")


@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.mark_all_read(user=current_user(request))
    if marked:
        messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    return redirect("inbox")


@require_GET
def inbox_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    notification = services.mark_read(notification_id, user=current_user(request))
    target = notification.link
    # Links are paths we wrote ourselves; still, never redirect off this site.
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("inbox")
    return redirect(target)
