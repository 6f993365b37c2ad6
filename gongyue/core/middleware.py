from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Chinese unless the visitor chose otherwise: the language switch's cookie, then the
    signed-in person's preference, then LANGUAGE_CODE. The browser's Accept-Language is not
    consulted, because the platform's working language is Chinese (an English browser still
    gets the Chinese page, with the switch one click away). API calls are programs that say
    what they want: there Accept-Language is honoured.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        elif language not in self.codes:
            user = getattr(request, "user", None)
            language = (
                user.language
                if user is not None and user.is_authenticated
                else settings.LANGUAGE_CODE
            )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
