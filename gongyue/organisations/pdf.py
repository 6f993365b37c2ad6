"""The printable signature page (RULES.md rule 2): unit, signer, date and the space for the seal."""

from django.template.loader import render_to_string
from django.utils import translation

from gongyue.core.deadlines import china_date


def signature_page_pdf(signature) -> bytes:
    """Render the page in Chinese, the language of the convention the unit seals."""
    import weasyprint

    with translation.override("zh-hans"):
        html = render_to_string(
            "organisations/signature_page.html",
            {
                "signature": signature,
                "signed_on": china_date(signature.signed_at),
                "version": signature.version,
            },
        )
    return weasyprint.HTML(string=html).write_pdf()
