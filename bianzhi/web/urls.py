"""URLs of the pages: home at /, each page under its own prefix; names ``web:<model>_<action>``."""

from django.urls import include, path

from bianzhi.web import person_views, views

app_name = "web"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # The user's own account (bianzhi/web/account_views.py): names ``web:account:<view>``.
    path("account/", include("bianzhi.web.account_views")),
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<str:code>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<str:code>/children/", views.UnitChildrenView.as_view(), name="unit_children"),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/<str:ref>/", person_views.PersonDetailView.as_view(), name="person_detail"),
    path("alerts/", views.AlertListView.as_view(), name="alert_list"),
    # Monitoring rule settings (bianzhi/web/rule_settings.py): names ``web:rules:setting_<action>``.
    path("alerts/rules/", include("bianzhi.web.rule_settings")),
    # 工作日历 (bianzhi/web/work_calendar.py): names ``web:calendar:<view>``.
    path("alerts/calendar/", include("bianzhi.web.work_calendar")),
    # Import in the browser (bianzhi/web/imports.py): names ``web:imports:upload_<action>``.
    path("imports/", include("bianzhi.web.imports")),
    path("changes/", include("bianzhi.web.audit")),
    # 退休预测 (bianzhi/web/forecasts.py): names ``web:forecasts:<view>``.
    path("forecasts/", include("bianzhi.web.forecasts")),
    # Forms for the daily changes (bianzhi/web/register_forms.py): names ``web:register:<form>``.
    path("register/", include("bianzhi.web.register_forms")),
    # 用户管理 for the 编办管理员 (bianzhi/web/users.py): names ``web:users:<view>``.
    path("users/", include("bianzhi.web.users")),
    # 通知 (bianzhi/web/notifications.py): names ``web:notifications:notification_<view>``.
    path("notifications/", include("bianzhi.web.notifications")),
    # 暂缓审批 (bianzhi/web/suspensions.py): names ``web:suspensions:suspension_<view>``.
    path("suspensions/", include("bianzhi.web.suspensions")),
    path("monitoring/", include("bianzhi.web.monitoring")),
    # 用编审批 (bianzhi/web/approvals.py): names ``web:approvals:<view>``.
    path("approvals/", include("bianzhi.web.approvals")),
    # 机构编制事项 and the ledger (bianzhi/web/matters.py): names ``web:matters:<view>``.
    path("matters/", include("bianzhi.web.matters")),
    # 问题整改 (bianzhi/web/problems.py): names ``web:problems:<view>``.
    path("problems/", include("bianzhi.web.problems")),
    # 全局一屏 (bianzhi/web/board.py): names ``web:board:<view>``.
    path("board/", include("bianzhi.web.board")),
]
