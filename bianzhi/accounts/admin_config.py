"""Django's admin app with the platform's own site (admin_site.BianzhiAdminSite) as ``admin.site``,
so every ModelAdmin — the platform's and those of Django's auth, django-axes, django-otp and the task
queue — is registered on the site that lets in the 编办管理员 only. Listed in INSTALLED_APPS in place
of ``django.contrib.admin``; kept apart from admin_site.py, which imports models."""

from django.contrib.admin.apps import AdminConfig


class BianzhiAdminConfig(AdminConfig):
    default_site = "bianzhi.accounts.admin_site.BianzhiAdminSite"
