"""Demo bulletins and requests for `gongyue load_demo`, made through the actions so the audit
log, receipts and inboxes look as they would in use."""

from datetime import timedelta

from django.utils import timezone

from . import actions

BULLETINS = [
    {
        "title": "关于贯彻《网络数据安全管理条例》的通知",
        "body": (
            "## 主要内容\n\n《网络数据安全管理条例》已公布施行，请各成员单位：\n\n"
            "1. 组织学习条例全文；\n2. 对照条例开展数据安全自查；\n3. 自查结果报执行机构。\n\n"
            "全文见 [中国政府网](https://www.gov.cn/)。"
        ),
        "kind": "law",
        "audience": "public",
        "categories": [],
        "ack_required": True,
        "ack_days": 10,
    },
    {
        "title": "接入服务提供者年度自律检查安排",
        "body": "请**互联网接入服务提供者**类成员单位于本季度内完成年度自律检查。",
        "kind": "self_discipline",
        "audience": "members",
        "categories": ["access_provider"],
        "ack_required": False,
        "ack_days": None,
    },
]


def load_bulletins_demo(people: dict) -> None:
    secretariat = people["mishuchu"]
    for data in BULLETINS:
        bulletin = actions.do_create_bulletin(actor=secretariat, data=data)
        actions.do_publish_bulletin(bulletin, actor=secretariat)
    first = actions.do_create_bulletin(actor=secretariat, data=BULLETINS[0])
    actions.do_publish_bulletin(first, actor=secretariat, at=timezone.now() + timedelta(days=1))
    from .models import Bulletin

    published = Bulletin.objects.published().order_by("pk").first()
    actions.do_record_read(published, reader=people["ganjiang_staff"])
    request = actions.do_send_request(
        actor=people["ganjiang_rep"],
        data={
            "kind": "policy",
            "title": "关于简化互联网信息服务备案流程的建议",
            "body": "建议主管部门对已备案单位的变更事项实行网上办理。",
        },
    )
    actions.do_forward_requests(
        [request],
        actor=secretariat,
        title="成员单位关于简化备案流程的建议",
        body="执行机构汇总成员单位意见如下：建议对备案变更事项实行网上办理。",
    )
    actions.do_send_request(
        actor=people["ganjiang_rep"],
        data={
            "kind": "request",
            "title": "希望组织数据安全培训",
            "body": "希望执行机构组织一次培训。",
        },
    )


def load_campaign_demo(people: dict) -> None:
    """A compliance campaign on two articles, answered by one unit and reviewed."""
    from gongyue.convention.models import Article, Convention

    secretariat = people["mishuchu"]
    convention = Convention.objects.current()
    version = convention.versions.in_force().first()
    articles = {a.number: a for a in Article.objects.filter(version=version)}
    # The demo text's articles on members' duties (5) and on complaint channels (7).
    if not {5, 7} <= set(articles):
        return
    campaign = actions.do_create_campaign(
        actor=secretariat,
        convention=convention,
        data={"title": "2026年度公约履行情况自查", "days": 20, "categories": []},
    )
    for text, number, kind, extra in [
        ("本单位是否已建立信息内容安全管理制度？", 5, "yes_no", {"compliant_values": ["yes"]}),
        ("本单位是否在十个工作日内处理用户投诉？", 7, "yes_no", {"compliant_values": ["yes"]}),
        ("请简述本单位履行公约的主要措施。", 5, "text", {"required": False}),
    ]:
        actions.do_add_question(
            campaign,
            actor=secretariat,
            data={"text": text, "article": articles[number], "answer_type": kind,
                  "required": True, **extra},
        )  # fmt: skip
    actions.do_open_campaign(campaign, actor=secretariat)
    response = campaign.responses.filter(unit=people["ganjiang_rep"].unit).first()
    if response is not None:
        questions = list(campaign.questions.all())
        actions.do_save_answers(
            response,
            actor=people["ganjiang_rep"],
            answers=dict(zip(questions, ["yes", "no", "已建立制度并组织培训。"], strict=True)),
            submit=True,
        )
        actions.do_record_finding(
            response, actor=secretariat, finding="to_improve", note="请在十个工作日内处理用户投诉。"
        )
