"""Navigation for the base template: only modules that exist, only entries the user may open."""

from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    return {"nav_menu": menu_for(user, request.path)}
