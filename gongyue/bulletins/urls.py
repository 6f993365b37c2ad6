from django.urls import path

from . import campaign_views, views

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
    path("overdue/", views.overdue, name="overdue"),
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
    # Compliance campaigns
    path("campaigns/", campaign_views.campaign_list, name="campaigns"),
    path("campaigns/new/", campaign_views.new_campaign, name="new_campaign"),
    path("campaigns/<int:campaign_id>/", campaign_views.campaign, name="campaign"),
    path(
        "campaigns/<int:campaign_id>/questions/",
        campaign_views.add_question,
        name="add_question",
    ),
    path("campaigns/<int:campaign_id>/open/", campaign_views.open_campaign, name="open_campaign"),
    path("campaigns/<int:campaign_id>/answers/", campaign_views.answer, name="answer_campaign"),
    path("campaigns/<int:campaign_id>/report/", campaign_views.report, name="campaign_report"),
    path(
        "campaigns/<int:campaign_id>/report.csv",
        campaign_views.report,
        {"fmt": "csv"},
        name="campaign_report_csv",
    ),
    path(
        "campaigns/<int:campaign_id>/report.pdf",
        campaign_views.report,
        {"fmt": "pdf"},
        name="campaign_report_pdf",
    ),
    path(
        "campaigns/<int:campaign_id>/publish-summary/",
        campaign_views.publish_summary,
        name="publish_summary",
    ),
    path("campaigns/<int:campaign_id>/summary/", campaign_views.summary, name="campaign_summary"),
    path("campaigns/responses/<int:response_id>/", campaign_views.review, name="review"),
    path(
        "campaigns/responses/<int:response_id>/files/<int:answer_id>/",
        campaign_views.evidence,
        name="evidence",
    ),
]
