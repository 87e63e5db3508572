"""Program pages: office."""

urlpatterns = []
