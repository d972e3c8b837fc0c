from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from bianzhi.api.api import api

admin.site.site_header = settings.PLATFORM_NAME
admin.site.site_title = settings.PLATFORM_NAME
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The pages: home at /, each page under its own prefix (bianzhi/web/urls.py).
    path("", include("bianzhi.web.urls")),
]
