"""TAXII 2.1 routes, mounted at /taxii2/ (discovery) with one API root, /taxii2/vigil/.

The trailing slash is optional: clients differ (taxii2-client builds the status URL
without one), and a redirect would lose a POST body."""

from django.urls import re_path

from . import views

app_name = "taxii"

ROOT = views.API_ROOT
COLLECTION = rf"^{ROOT}/collections/(?P<collection_id>[^/]+)"
OBJECT = rf"{COLLECTION}/objects/(?P<object_id>[^/]+)"

urlpatterns = [
    re_path(r"^$", views.discovery, name="discovery"),
    re_path(rf"^{ROOT}/?$", views.api_root, name="api_root"),
    re_path(rf"^{ROOT}/status/(?P<status_id>[^/]+)/?$", views.status, name="status"),
    re_path(rf"^{ROOT}/collections/?$", views.collections, name="collections"),
    re_path(rf"{COLLECTION}/?$", views.collection, name="collection"),
    re_path(rf"{COLLECTION}/objects/?$", views.collection_objects, name="objects"),
    re_path(rf"{OBJECT}/?$", views.object_detail, name="object"),
    re_path(rf"{OBJECT}/versions/?$", views.object_versions, name="versions"),
    re_path(rf"{COLLECTION}/manifest/?$", views.manifest, name="manifest"),
]
