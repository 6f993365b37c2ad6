from django.conf import settings
from django.templatetags.static import static


def site(request):
    """The association that runs the platform, for the header and footer of every page."""
    logo = settings.ASSOCIATION_LOGO
    if logo and not logo.startswith(("http://", "https://", "/")):
        logo = static(logo)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "ASSOCIATION_NAME": settings.ASSOCIATION_NAME,
        "ASSOCIATION_LOGO": logo,
        "ICP_FILING": settings.ICP_FILING,
        "ICP_FILING_URL": settings.ICP_FILING_URL,
        "PUBLIC_SECURITY_FILING": settings.PUBLIC_SECURITY_FILING,
    }
