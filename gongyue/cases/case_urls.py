"""Pages of a case: report, triage, notice and reply, finding, sanction, review, publication."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_list, name="cases"),
    path("report/", views.report, name="report"),
    path("new/", views.open_case, name="open_case"),
    path("results/", views.result_list, name="results"),
    path("results/<int:case_id>/", views.result, name="result"),
    path("<int:case_id>/", views.case_page, name="case"),
    path("<int:case_id>/files/<int:file_id>/", views.case_file, name="case_file"),
    path("<int:case_id>/triage/", views.triage, name="triage"),
    path("<int:case_id>/recuse/", views.recuse, name="recuse"),
    path("<int:case_id>/assign/", views.assign, name="assign"),
    path("<int:case_id>/redact/", views.redact, name="redact"),
    path("<int:case_id>/notice/", views.notice, name="notice"),
    path("<int:case_id>/reply/", views.reply, name="reply"),
    path("<int:case_id>/finding/", views.finding, name="finding"),
    path("<int:case_id>/sanction/", views.sanction, name="sanction"),
    path("<int:case_id>/review/", views.ask_review, name="ask_review"),
    path("<int:case_id>/review/decide/", views.decide_review, name="decide_review"),
    path("<int:case_id>/publish/", views.publish, name="publish"),
]
