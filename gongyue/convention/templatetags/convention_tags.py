from django import template

register = template.Library()


@register.filter
def notes_for(annotations, identity):
    """The notes attached to an article identity (convention.annotations), or none."""
    return (annotations or {}).get(identity, [])
