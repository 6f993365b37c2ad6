"""Pages of disputes (Art. 20), complaints to the authority (Art. 23) and public criticism (Art. 17)."""

urlpatterns = []
