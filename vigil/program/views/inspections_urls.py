"""Program pages: inspections."""

urlpatterns = []
