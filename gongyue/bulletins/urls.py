from django.urls import path

from . import views

app_name = "bulletins"

urlpatterns = [
    path("", views.bulletin_list, name="list"),
    path("feed/", views.BulletinFeed(), name="feed"),
    path("inbox/", views.inbox, name="inbox"),
    path("<int:bulletin_id>/", views.bulletin, name="bulletin"),
    path(
        "<int:bulletin_id>/files/<int:attachment_id>/",
        views.bulletin_attachment,
        name="bulletin_attachment",
    ),
    path("<int:bulletin_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    # The secretariat
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.new_bulletin, name="new"),
    path("<int:bulletin_id>/publish/", views.publish, name="publish"),
    path("<int:bulletin_id>/receipts/", views.receipts, name="receipts"),
    path("<int:bulletin_id>/remind/", views.remind, name="remind"),
    # Requests and suggestions, submissions to the authority
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.new_request, name="new_request"),
    path("requests/forward/", views.forward, name="forward"),
    path("requests/summary/", views.summary, name="summary"),
    path("requests/summary.csv", views.summary, {"fmt": "csv"}, name="summary_csv"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path(
        "requests/<int:request_id>/files/<int:attachment_id>/",
        views.request_attachment,
        name="request_attachment",
    ),
    path("requests/<int:request_id>/answer/", views.answer_request, name="answer"),
    path("requests/<int:request_id>/close/", views.close_request, name="close"),
    path("submissions/", views.submissions, name="submissions"),
    path("submissions/<int:submission_id>/", views.submission, name="submission"),
    path("submissions/<int:submission_id>/reply/", views.reply, name="reply"),
]
