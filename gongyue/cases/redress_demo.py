"""Demo disputes, a complaint to the authority and public criticism for `gongyue load_demo`,
made through the actions so the audit log and inboxes look as they would in use."""

from django.core.files.uploadedfile import SimpleUploadedFile

from . import actions


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% demo\n%%EOF\n", content_type="application/pdf")


def load_redress_demo(people: dict) -> None:
    head, staff = people["mishuchu"], people["gongzuorenyuan"]
    ganjiang, lushan, hongcheng = (
        people["ganjiang_rep"],
        people["lushan_rep"],
        people["hongcheng_rep"],
    )
    # A dispute in mediation, with a document and a proposed settlement.
    dispute = actions.do_open_dispute(
        actor=ganjiang,
        respondent=lushan.unit,
        subject="联合推广合同款项纠纷",
        statement="双方于2025年签订联合推广合同，对第二期款项的结算有分歧。",
    )
    actions.do_add_dispute_message(
        dispute,
        actor=lushan,
        body="我方认为第二期推广未达到约定指标。",
        document=_pdf("report.pdf"),
    )
    actions.do_request_mediation(dispute, actor=ganjiang)
    actions.do_assign_mediator(dispute, actor=head, mediator=staff)
    actions.do_propose_agreement(
        dispute, actor=staff, text="第二期款项按约定金额的八成结算，双方于十五日内完成。"
    )
    # One waiting for a mediator, so the secretariat's queue has something.
    waiting = actions.do_open_dispute(
        actor=hongcheng,
        respondent=ganjiang.unit,
        subject="域名使用权争议",
        statement="对方继续使用我方已停止授权的二级域名。",
    )
    actions.do_request_mediation(waiting, actor=hongcheng)
    # A complaint about the executing body, with the authority.
    actions.do_file_complaint(
        actor=lushan,
        target="secretariat",
        subject="会员申请审核超期",
        body="我单位推荐的会员申请提交两个月仍未审核。",
    )
    # Public criticism: one answered, one waiting.
    answered, _code = actions.do_receive_criticism(
        data={
            "kind": "complaint",
            "about": "member",
            "unit": lushan.unit,
            "text": "该单位网站弹窗广告无法关闭。",
            "contact_email": "citizen@example.cn",
        }
    )
    actions.do_triage_criticism(answered, actor=staff, note="转成员单位核实")
    actions.do_answer_criticism(answered, actor=staff, answer="已约谈该单位，弹窗广告已整改。")
    actions.do_receive_criticism(
        data={"kind": "criticism", "about": "trade", "text": "部分应用过度索取权限。"}
    )
