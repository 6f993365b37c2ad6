"""Demo data for amendments: an interpretation, and a member's proposal to change one article
that has gathered its sponsors and is in an open ballot with a first vote."""

from gongyue.convention.models import Convention

from . import actions
from .consolidate import Edit


def load_amendments_demo(*, secretariat, people: dict) -> None:
    convention = Convention.objects.current()
    version = convention.versions.in_force().first()
    actions.do_publish_interpretation(
        convention,
        actor=secretariat,
        title="关于“违法和不良信息”范围的解释",
        text="本公约所称不良信息，是指虽未违反法律法规，但违背社会公德、可能对未成年人身心健康造成不良影响的信息。",
        article_numbers=[min(5, len(version.structure["articles"]))],
    )
    signers = [p for key, p in people.items() if key.endswith("_rep") and p.unit_id]
    signers = [p for p in signers if p.unit.is_member()]
    if not signers:
        return
    proposer = signers[0]
    proposal = actions.do_create_proposal(
        convention,
        actor=proposer,
        unit=proposer.unit,
        title="关于在第三条增加“接受社会监督”的提案",
        reasons="成员单位的经营活动应当公开透明，接受社会各界监督（公约第十七条）。",
        edits=[
            Edit(
                "change",
                3,
                version.articles.get(number=3).text.split(" ", 1)[-1].rstrip("。")
                + "，并接受社会监督。",
            )
        ],
    )
    proposal = actions.do_submit_proposal(proposal, actor=proposer)
    for other in signers[1:]:
        proposal.refresh_from_db()
        if proposal.status != "sponsoring":
            break
        actions.do_sponsor_proposal(proposal, actor=other)
    proposal.refresh_from_db()
    if proposal.status == "qualified":
        ballot = actions.do_open_ballot(proposal, actor=secretariat)
        actions.do_cast_vote(ballot, actor=proposer, choice="agree")
