"""Program pages: meetings."""

urlpatterns = []
