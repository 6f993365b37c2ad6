"""Pages of disputes (Art. 20), complaints to the authority (Art. 23) and public criticism (Art. 17)."""

from django.urls import path

from . import redress_views as views

urlpatterns = [
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/new/", views.dispute_new, name="dispute_new"),
    path("disputes/mediation/", views.dispute_queue, name="dispute_queue"),
    path("disputes/<int:dispute_id>/", views.dispute_detail, name="dispute"),
    path("disputes/<int:dispute_id>/messages/", views.dispute_message, name="dispute_message"),
    path(
        "disputes/<int:dispute_id>/documents/<int:message_id>/",
        views.dispute_document,
        name="dispute_document",
    ),
    path("disputes/<int:dispute_id>/mediation/", views.dispute_mediation, name="dispute_mediation"),
    path(
        "disputes/<int:dispute_id>/agreements/", views.dispute_agreement, name="dispute_agreement"
    ),
    path(
        "disputes/<int:dispute_id>/agreements/<int:agreement_id>/accept/",
        views.dispute_accept,
        name="dispute_accept",
    ),
    path("disputes/<int:dispute_id>/end/", views.dispute_end, name="dispute_end"),
    path("disputes/<int:dispute_id>/assign/", views.dispute_assign, name="dispute_assign"),
    path("disputes/<int:dispute_id>/recuse/", views.dispute_recuse, name="dispute_recuse"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:complaint_id>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:complaint_id>/answer/", views.complaint_answer, name="complaint_answer"),
    path("complaints/<int:complaint_id>/close/", views.complaint_close, name="complaint_close"),
    path("criticism/", views.criticism_new, name="criticism_new"),
    path("criticism/status/", views.criticism_status, name="criticism_status"),
    path("criticism/figures/", views.criticism_figures, name="criticism_figures"),
    path(
        "criticism/figures.csv",
        views.criticism_figures,
        {"fmt": "csv"},
        name="criticism_figures_csv",
    ),
    path("criticism/manage/", views.criticism_manage, name="criticism_manage"),
    path("criticism/manage/<int:criticism_id>/", views.criticism_detail, name="criticism_detail"),
    path(
        "criticism/manage/<int:criticism_id>/attachment/",
        views.criticism_attachment,
        name="criticism_attachment",
    ),
    path(
        "criticism/manage/<int:criticism_id>/triage/",
        views.criticism_triage,
        name="criticism_triage",
    ),
    path(
        "criticism/manage/<int:criticism_id>/answer/",
        views.criticism_answer,
        name="criticism_answer",
    ),
]
