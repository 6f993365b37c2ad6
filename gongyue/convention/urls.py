from django.urls import path

from . import views

app_name = "convention"

urlpatterns = [
    path("", views.current, name="current"),
    path("versions/", views.versions, name="versions"),
    path("v/<int:number>/", views.version_page, name="version"),
    path("v/<int:number>.txt", views.download_text, name="download_text"),
    path("v/<int:number>.json", views.download_json, name="download_json"),
    path("v/<int:number>.pdf", views.download_pdf, name="download_pdf"),
    path("v/<int:number>.akn.xml", views.download_akn, name="download_akn"),
    path("v/<int:number>/adopt/", views.adopt, name="adopt"),
    path("v/<int:number>/discard/", views.discard, name="discard"),
    path("diff/", views.diff, name="diff"),
    path("import/", views.import_text, name="import"),
    path("import/save/", views.save_import, name="save_import"),
]
