from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    # Public
    path("", views.directory, name="directory"),
    path("members.csv", views.directory_csv, name="directory_csv"),
    path("units/<int:unit_id>/", views.public_unit, name="public_unit"),
    path("convention/", views.convention_status, name="convention_status"),
    path("lists/", views.registers, name="registers"),
    path("lists/feed/", views.RegisterFeed(), name="register_feed"),
    path("lists/records/<int:list_id>/", views.register_record, name="register_record"),
    path(
        "lists/records/<int:list_id>/list.csv",
        views.register_record,
        {"fmt": "csv"},
        name="register_record_csv",
    ),
    path(
        "lists/records/<int:list_id>/list.json",
        views.register_record,
        {"fmt": "json"},
        name="register_record_json",
    ),
    path("lists/<str:period>/", views.register_period, name="register_period"),
    path(
        "lists/<str:period>/list.csv",
        views.register_period,
        {"fmt": "csv"},
        name="register_period_csv",
    ),
    path(
        "lists/<str:period>/list.json",
        views.register_period,
        {"fmt": "json"},
        name="register_period_json",
    ),
    # Applicants and units
    path("register/", views.register_account, name="register"),
    path("mine/", views.mine, name="mine"),
    path("apply/", views.apply, name="apply"),
    path("applications/<int:application_id>/", views.application, name="application"),
    path(
        "applications/<int:application_id>/licence/",
        views.application_licence,
        name="application_licence",
    ),
    path("claim/<str:token>/", views.claim_legal_rep, name="claim_legal_rep"),
    path("units/<int:unit_id>/manage/", views.unit_home, name="unit"),
    path("units/<int:unit_id>/sign/", views.sign, name="sign"),
    path("units/<int:unit_id>/delegates/", views.authorise_delegate, name="authorise_delegate"),
    path("units/<int:unit_id>/withdraw/", views.withdraw, name="withdraw"),
    path(
        "withdrawals/<int:withdrawal_id>/retract/",
        views.retract_withdrawal,
        name="retract_withdrawal",
    ),
    path("delegates/<int:grant_id>/revoke/", views.revoke_delegate, name="revoke_delegate"),
    path("delegates/<int:grant_id>/letter/", views.delegate_letter, name="delegate_letter"),
    path("signatures/<int:signature_id>/page.pdf", views.signature_page, name="signature_page"),
    path("signatures/<int:signature_id>/sealed/", views.sealed_scan, name="sealed_scan"),
    # The secretariat
    path("secretariat/", views.dashboard, name="dashboard"),
    path("secretariat/applications/", views.queue, name="queue"),
    path("secretariat/applications/<int:application_id>/", views.review, name="review"),
    path("secretariat/founders/", views.founders, name="founders"),
    path("secretariat/publish/", views.publish_convention, name="publish_convention"),
    path("secretariat/dates/", views.convention_dates, name="convention_dates"),
    path("secretariat/lists/", views.register_admin, name="register_admin"),
    path("secretariat/import/", views.import_members, name="import"),
]
