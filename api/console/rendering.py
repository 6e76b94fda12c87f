"""One way to render a console page: the template, plus what every page needs to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request
from litestar.exceptions import NotAuthorizedException
from litestar.response import Template

from api.console import formats
from api.console.access import MENU, may_open, page_key
from api.console.csrf import CSRF_COOKIE, new_nonce, token_for
from api.console.i18n import LANGUAGE_COOKIE, LANGUAGES, Translator
from api.console.sentences import Sentences
from api.console.session import COOKIE_PATH, over_tls
from api.identity import Principal, identify

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    """The console's Jinja environment: autoescaped HTML, undefined names are errors."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yen"] = formats.yen
    env.filters["local_input"] = formats.local_input
    env.filters["short_event"] = formats.short_event
    return env


@dataclass(frozen=True)
class Formats:
    """Dates and times in the page's language, always in Japan time."""

    t: Translator

    def when(self, instant: datetime | None) -> str:
        return formats.japan_time(instant, self.t("format.datetime"))

    def when_seconds(self, instant: datetime | None) -> str:
        return formats.japan_time(instant, self.t("format.datetime_seconds"))

    def day(self, value: date | None) -> str:
        return formats.day(value, self.t("format.date"))

    def month(self, value: date | None) -> str:
        return formats.day(value, self.t("format.month"))


@dataclass(frozen=True)
class MenuItem:
    href: str
    label: str
    current: bool


def translator(request: Request) -> Translator:
    return Translator(request.cookies.get(LANGUAGE_COOKIE, ""))


def caller(request: Request) -> Principal | None:
    """The signed-in user, or None (sign-in page, or an error before sign-in)."""
    try:
        return identify(request)
    except NotAuthorizedException:
        return None


def menu(principal: Principal | None, request: Request) -> list[MenuItem]:
    if principal is None:
        return []
    here = request.url.path
    return [
        MenuItem(href, label, here == href or here.startswith(href + "/"))
        for key, href, label in MENU
        if may_open(principal, key)
    ]


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> Template:
    """A console page: `template` rendered with the page's context and the shared one."""
    t = translator(request)
    fmt = Formats(t)
    principal = caller(request)
    shared = {
        "t": t,
        "lang": t.language,
        "languages": LANGUAGES,
        "fmt": fmt,
        "say": Sentences(t, fmt),  # sentences from data: summaries, explanations, lines
        "principal": principal,
        "menu": menu(principal, request),
        "csrf": token_for(request),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "page_key": page_key(request),
        "may": lambda key: principal is not None and may_open(principal, key),
    }
    response = Template(template_name=template, context=shared | context, status_code=status)
    nonce = new_nonce(request)
    if nonce:
        response.set_cookie(
            CSRF_COOKIE,
            nonce,
            path=COOKIE_PATH,
            httponly=True,
            secure=over_tls(request),
            samesite="strict",
        )
    return response
