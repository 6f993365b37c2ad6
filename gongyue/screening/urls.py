from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("ping", views.ping, name="ping"),
    path("try/", views.try_page, name="try"),
    path("lexicon/", views.lexicon_page, name="lexicon"),
    path("lexicon/add/", views.term_add, name="term_add"),
    path("lexicon/<int:term_id>/", views.term_edit, name="term_edit"),
    path("lexicon/<int:term_id>/remove/", views.term_remove, name="term_remove"),
    path("lexicon/<int:term_id>/history/", views.term_history, name="term_history"),
    path("lexicon/allow/", views.allow_page, name="allow"),
    path("lexicon/allow/<int:phrase_id>/remove/", views.allow_remove, name="allow_remove"),
    path("lexicon/import/", views.import_page, name="import"),
    path("lexicon/import/confirm/", views.import_confirm, name="import_confirm"),
    path("lexicon/export.csv", views.export, name="export"),
    path("lexicon/versions/", views.versions, name="versions"),
]
