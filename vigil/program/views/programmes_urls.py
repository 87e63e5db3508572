"""Program pages: programmes."""

urlpatterns = []
