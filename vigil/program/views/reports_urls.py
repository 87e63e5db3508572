"""Program pages: reports."""

urlpatterns = []
