"""Discarding a draft asks first, saying what will happen (adopting has its own confirmation,
the checkbox of AdoptForm, which the API shares)."""

from gongyue.convention.models import VersionStatus
from gongyue.core.testing import confirm


def test_discarding_a_draft_asks_first(client_for, secretariat, draft_version):
    client = client_for(secretariat)
    asked = client.post(f"/convention/v/{draft_version.number}/discard/", {"confirm_step": "ask"})
    assert asked.status_code == 200 and "废弃第 2 版草案" in asked.content.decode()
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DRAFT
    assert confirm(client, asked).status_code == 302
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DISCARDED
