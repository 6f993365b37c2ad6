from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.search, name="search"),
    path("entries/<int:entry_id>/", views.entry_page, name="entry"),
    path("entries/<int:entry_id>/review/", views.review, name="review_entry"),
    path("entries/<int:entry_id>/appeal/", views.appeal, name="appeal"),
    path("entries/<int:entry_id>/delist/", views.delist, name="delist_entry"),
    path("entries/<int:entry_id>/evidence/", views.add_evidence, name="add_evidence"),
    path("entries/<int:entry_id>/sight/", views.sight, name="sight"),
    path("evidence/<int:attachment_id>/", views.evidence_file, name="evidence"),
    path("submit/", views.submit, name="submit"),
    path("submit/batch/", views.submit_batch, name="submit_batch"),
    path("review/", views.review_queue, name="review"),
    path("review/many/", views.review_many, name="review_many"),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/<int:appeal_id>/decide/", views.decide, name="decide"),
    path("appeals/status/", views.appeal_status, name="appeal_status"),
    path("appeals/files/<int:file_id>/", views.appeal_file, name="appeal_file"),
    path("appeals/<int:appeal_id>/files/", views.appeal_add_file, name="appeal_add_file"),
    path("trusted/", views.trusted, name="trusted"),
    path("trusted/<int:unit_id>/", views.trust, name="trust"),
    path("check/", views.check, name="check"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/<str:name>", views.feed, name="feed"),
]
