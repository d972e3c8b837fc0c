from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = settings.PLATFORM_NAME
admin.site.site_title = settings.PLATFORM_NAME
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Until the board exists, the home page is the admin over the register.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
