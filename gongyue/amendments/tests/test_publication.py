"""An adopted amendment is published as the new version in force, with its origin and history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongyue.amendments import actions
from gongyue.amendments.models import ProposalStatus
from gongyue.audit.models import AuditEntry
from gongyue.convention.models import Convention, Version, VersionStatus
from gongyue.core.errors import ActionRefused
from gongyue.core.models import Notification
from gongyue.organisations.models import Signature

from .test_proposals import propose


@pytest.fixture
def adopted(secretariat, membership, amended_text):
    proposal = actions.do_submit_proposal(
        propose(membership, amended_text), actor=membership.reps[0]
    )
    for i in (1, 2):
        actions.do_sponsor_proposal(proposal, actor=membership.reps[i])
    ballot = actions.do_open_ballot(proposal, actor=secretariat)
    for i in range(20):
        actions.do_cast_vote(ballot, actor=membership.reps[i], choice="agree")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED
    return proposal


def test_publishing_puts_the_amended_text_in_force_and_supersedes_the_old(
    client_for, adopted, secretariat, version, membership
):
    actions.do_publish_amendment(adopted, actor=secretariat)
    adopted.refresh_from_db()
    new = Version.objects.get(pk=adopted.version_id)
    assert new.status == VersionStatus.ADOPTED and adopted.published_at
    version.refresh_from_db()
    assert version.status == VersionStatus.SUPERSEDED
    entry = AuditEntry.objects.get(action="amendments.amendment_published")
    assert entry.new["sha256"] == new.sha256 and entry.new["version"] == new.number
    published = Notification.objects.filter(subject__contains="关于修改第三条", kind="amendment")
    assert published.filter(recipient=membership.reps[25]).count() >= 2
    # The old version stays readable and the diff shows the change.
    assert client_for(None).get(f"/convention/v/{version.number}/").status_code == 200
    diff = client_for(None).get(f"/convention/diff/?from={version.number}&to={new.number}")
    assert "并接受社会监督。" in diff.content.decode()
    with pytest.raises(ActionRefused, match="already published"):
        actions.do_publish_amendment(adopted, actor=secretariat)


def test_an_amendment_rejected_by_its_ballot_is_never_published(
    secretariat, membership, amended_text
):
    proposal = actions.do_create_proposal(
        Convention.objects.current(),
        actor=secretariat,
        unit=None,
        title="t",
        reasons="r",
        text=amended_text,
        source_name="a.txt",
    )
    proposal = actions.do_submit_proposal(proposal, actor=secretariat)
    ballot = actions.do_open_ballot(proposal, actor=secretariat)
    for i in range(11):
        actions.do_cast_vote(ballot, actor=membership.reps[i], choice="disagree")
    proposal.refresh_from_db()
    with pytest.raises(ActionRefused, match="Only an amendment adopted by its ballot"):
        actions.do_publish_amendment(proposal, actor=secretariat)
    assert Version.objects.get(pk=proposal.version_id).status == VersionStatus.DRAFT


def test_members_who_signed_the_earlier_version_stay_members(adopted, secretariat, membership):
    from gongyue.organisations.models import Unit

    before = set(Unit.objects.members().values_list("pk", flat=True))
    actions.do_publish_amendment(adopted, actor=secretariat)
    assert set(Unit.objects.members().values_list("pk", flat=True)) == before
    assert not Signature.objects.filter(version_id=adopted.version_id).exists()


def test_the_article_history_names_the_amendment_and_any_date_shows_its_text(
    client_for, adopted, secretariat, version
):
    Version.objects.filter(pk=version.pk).update(adopted_at=timezone.now() - timedelta(days=30))
    actions.do_publish_amendment(adopted, actor=secretariat)
    adopted.refresh_from_db()
    article = version.articles.get(number=3)
    page = client_for(None).get(f"/amendments/articles/{article.identity_id}/").content.decode()
    assert adopted.title in page and page.count('data-testid="changed"') == 1
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    before = client_for(None).get(f"/amendments/as-at/?date={yesterday}")
    assert before.status_code == 302 and before["Location"] == f"/convention/v/{version.number}/"
    today = client_for(None).get(f"/amendments/as-at/?date={timezone.localdate().isoformat()}")
    new_number = Version.objects.get(pk=adopted.version_id).number
    assert today["Location"] == f"/convention/v/{new_number}/"
    long_ago = (timezone.localdate() - timedelta(days=60)).isoformat()
    assert client_for(None).get(f"/amendments/as-at/?date={long_ago}").status_code == 404
    assert client_for(None).get("/amendments/as-at/?date=nonsense").status_code == 400


def test_only_the_secretariat_publishes(client_for, adopted, membership):
    response = client_for(membership.reps[0]).post(f"/amendments/{adopted.pk}/publish/")
    assert response.status_code == 403
    assert Version.objects.get(pk=adopted.version_id).status == VersionStatus.DRAFT


def test_the_version_page_names_the_amendment_and_its_ballot(
    client_for, adopted, secretariat, django_assert_max_num_queries
):
    actions.do_publish_amendment(adopted, actor=secretariat)
    number = Version.objects.get(pk=adopted.version_id).number
    client = client_for(None)
    with django_assert_max_num_queries(4):
        html = client.get(f"/convention/v/{number}/").content.decode()
    origin = html[html.index('data-testid="origin"') :][:800]
    assert adopted.title in origin and f"/amendments/ballots/{adopted.ballot.pk}/" in origin
    assert "20" in origin and "30" in origin
