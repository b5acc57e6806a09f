"""Django's template backend, with every rendering passed through the text rule
(``deltalabs.text.clean_text``): a lone surrogate or a NUL read from a poisoned row
becomes U+FFFD, so an admin page, an email or the landing page never fails to
encode. Configured as the ``TEMPLATES`` backend in ``config/settings/base.py``."""

from __future__ import annotations

from django.template import TemplateDoesNotExist
from django.template.backends import django as django_backend

from deltalabs.text import clean_text


class Template(django_backend.Template):
    def render(self, context=None, request=None):
        return clean_text(super().render(context, request))


class DjangoTemplates(django_backend.DjangoTemplates):
    def from_string(self, template_code):
        return Template(self.engine.from_string(template_code), self)

    def get_template(self, template_name):
        try:
            return Template(self.engine.get_template(template_name), self)
        except TemplateDoesNotExist as exc:
            django_backend.reraise(exc, self)
