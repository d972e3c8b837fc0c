from django.conf import settings
from django.contrib import admin
from django.urls import path

admin.site.site_header = settings.PLATFORM_NAME
admin.site.site_title = settings.PLATFORM_NAME
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
]
