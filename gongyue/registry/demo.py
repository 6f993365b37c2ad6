"""Demo registry for `gongyue load_demo`: a trusted member, entries listed, one waiting for
review, a batch to review at once, one on the warning list, and an appeal; all through the actions, then published."""

from django.db import transaction

from gongyue.accounts.models import User

from . import actions
from .actions import Item


def load_registry_demo(*, secretariat) -> None:
    rep = User.objects.get(username="ganjiang_rep")
    other = User.objects.get(username="lushan_rep")
    actions.do_trust_unit(other.unit, actor=secretariat)
    submitted = actions.do_submit_entries(
        [
            Item(
                "http://login.icbc-verify-account.com/secure/",
                "phishing",
                evidence="短信中的仿冒网银链接",
            ),
            Item("*.free-vip-movies.xyz", "pornography", evidence="论坛垃圾帖中的推广链接"),
            Item("45.33.32.0/24", "malware", evidence="僵尸网络控制服务器"),
            Item("lucky-casino-88.com", "gambling"),
            Item(
                "5d41402abc4b2a76b9719d911017c592ae4ea5f5a1c4f8e7c2b9b1f0d3c6e8a7",
                "malware",
                evidence="用户上传的木马样本",
            ),
        ],
        actor=rep,
        unit=rep.unit,
    )
    for result in submitted[:4]:
        actions.do_approve_entry(result.entry, actor=secretariat)
    actions.do_submit_entries(
        [Item("cheap-tickets-12306.com", "fraud", evidence="仿冒购票网站")],
        actor=other,
        unit=other.unit,
    )
    actions.do_submit_entries([Item("news.qq.com", "other")], actor=rep, unit=rep.unit)
    # A batch from a mail gateway, waiting to be reviewed at once from the queue.
    actions.do_submit_entries(
        [
            Item(f"http://{host}/login", "phishing", evidence="邮件网关拦截的仿冒登录页")
            for host in ("mail-163-verify.com", "qq-security-center.net", "alipay-refund-cn.com")
        ],
        actor=rep,
        unit=rep.unit,
    )
    actions.do_file_appeal(
        submitted[3].entry,
        actor="public",
        name="幸运网络",
        contact="admin@lucky-casino-88.com",
        grounds="本站为游戏资讯站，不提供赌博服务。",
    )
    # The demo has no worker running: publish the feeds here once the demo is committed.
    from .publishing import publish

    transaction.on_commit(publish)
