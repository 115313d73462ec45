from django.http import HttpRequest
from ninja import Router

from tandem.api.schemas import UserOut

router = Router(tags=["people"])


@router.get("/me", response=UserOut, summary="The user the request acts as")
def me(request: HttpRequest) -> object:
    return request.user
