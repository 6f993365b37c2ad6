from django.urls import path

from . import views

app_name = "amendments"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.propose, name="propose"),
    path("new/articles/", views.propose_edits, name="propose_edits"),
    path("receipt/", views.receipt, name="receipt"),
    path("<int:proposal_id>/", views.proposal, name="proposal"),
    path("<int:proposal_id>/submit/", views.submit, name="submit"),
    path("<int:proposal_id>/sponsor/", views.sponsor, name="sponsor"),
    path("<int:proposal_id>/unsponsor/", views.unsponsor, name="unsponsor"),
    path("<int:proposal_id>/open/", views.open_ballot, name="open"),
    path("<int:proposal_id>/publish/", views.publish, name="publish"),
    path("articles/<int:identity_id>/", views.article_history, name="article_history"),
    path("as-at/", views.as_at, name="as_at"),
    path("interpretations/", views.interpretations, name="interpretations"),
    path("interpretations/new/", views.publish_interpretation, name="publish_interpretation"),
    path("interpretations/<int:interpretation_id>/", views.interpretation, name="interpretation"),
    path("annexes/", views.annexes, name="annexes"),
    path("annexes/new/", views.propose_annex, name="propose_annex"),
    path("annexes/<int:annex_id>/", views.annex, name="annex"),
    path("annexes/<int:annex_id>/sign/", views.sign_annex, name="sign_annex"),
    path("annexes/<int:annex_id>/withdraw/", views.withdraw_from_annex, name="withdraw_annex"),
    path("ballots/<int:ballot_id>/", views.ballot, name="ballot"),
    path("ballots/<int:ballot_id>/vote/", views.vote, name="vote"),
    path("ballots/<int:ballot_id>/close/", views.close, name="close"),
    path("ballots/<int:ballot_id>/record.json", views.ballot_record, name="record"),
    path("ballots/<int:ballot_id>/electorate.json", views.electorate, name="electorate"),
]
