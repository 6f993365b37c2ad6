"""Demo cases for `gongyue load_demo`, made through the actions: one open case (a report under
investigation, the accused notified) and one closed with its result published."""

from django.core.files.uploadedfile import SimpleUploadedFile

from . import actions

EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def load_cases_demo(people: dict) -> None:
    staff, head = people["gongzuorenyuan"], people["mishuchu"]
    reporter, accused = people["ganjiang_rep"], people["lushan_rep"]
    evidence = SimpleUploadedFile("网页截图.pdf", EVIDENCE, content_type="application/pdf")
    open_case = actions.do_report_case(
        actor=reporter,
        data={
            "accused": accused.unit,
            "articles": [5],
            "facts": "该单位在其网站首页发布夸大宣传的广告。",
            "named_to_accused": False,
        },
        evidence=[(evidence, "pdf")],
    )
    actions.do_triage_case(open_case, actor=staff, decision="investigate")
    actions.do_assign_case(open_case, actor=staff, person=staff)
    actions.do_notify_accused(open_case, actor=staff, message="请于答复期限内说明情况。")

    closed = actions.do_open_case(
        actor=head,
        data={
            "accused": people["hongcheng_rep"].unit,
            "articles": [6],
            "facts": "执行机构在监督检查中发现该单位未按要求公示联系方式。",
        },
    )
    actions.do_assign_case(closed, actor=head, person=head)
    actions.do_notify_accused(closed, actor=head)
    actions.do_reply_to_case(
        closed, actor=people["hongcheng_rep"], statement="我单位已在网站底部补充公示联系方式。"
    )
    actions.do_record_finding(
        closed,
        actor=head,
        data={
            "verified": False,
            "facts": "该单位已公示联系方式，未发现违反公约的情形。",
            "articles": [6],
            "adverse_effect": False,
            "reasons": "经核查，举报事项不成立。",
            "evidence_relied_on": [],
        },
    )
    actions.do_publish_result(closed, actor=head, summary="经调查，未发现违反公约的情形。")
