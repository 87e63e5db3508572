"""Program pages: tasks."""

urlpatterns = []
