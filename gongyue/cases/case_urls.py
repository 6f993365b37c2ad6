"""Pages of a case: report, triage, notice and reply, finding, sanction, review, publication."""

urlpatterns = []
