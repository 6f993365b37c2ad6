"""A page of a filtered list, with the filters kept for the page links."""

from django.core.paginator import Page, Paginator


def filtered_page(request, rows, per_page: int) -> tuple[Page, str]:
    """The page of `rows` the request asks for (`?page=`; a bad number gives the first or the
    last), and the request's other parameters encoded, so that "next" keeps the filters."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
