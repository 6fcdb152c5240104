"""Facet links: the current search with one parameter set or dropped (and back to the first page)."""
from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag
def query_with(params: QueryDict, name: str, value: str) -> str:
    query = params.copy()
    query[name] = value
    query.pop("page", None)
    return query.urlencode()


@register.simple_tag
def query_without(params: QueryDict, name: str) -> str:
    query = params.copy()
    query.pop(name, None)
    query.pop("page", None)
    return query.urlencode()
