"""One translation function for every text of the clinic app (``_`` in templates, ``gettext``
here). No catalogs yet: the text is English as written; the language issue only adds
catalogs (Babel's message extraction reads ``_()`` and ``{% trans %}``)."""

from __future__ import annotations

import gettext as _gettext
from typing import Any

__all__ = ["gettext", "install", "ngettext"]

_TRANSLATIONS = _gettext.NullTranslations()


def gettext(message: str) -> str:
    return _TRANSLATIONS.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _TRANSLATIONS.ngettext(singular, plural, count)


def install(env: Any) -> None:
    """Give a Jinja2 environment (with ``jinja2.ext.i18n``) this module's translations."""
    env.install_gettext_translations(_TRANSLATIONS, newstyle=True)
