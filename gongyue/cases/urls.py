from . import case_urls, redress_urls

app_name = "cases"

urlpatterns = [*case_urls.urlpatterns, *redress_urls.urlpatterns]
