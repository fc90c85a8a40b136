"""The endpoint's one small page, in the house's colours: the question, the answer, or why a link failed.

A GET shows the question with the reader's address half-masked and one button,
which POSTs the same body a mail client's one-click POST carries (RFC 8058);
the GET itself changes nothing, because mail scanners follow every link.
"""

from __future__ import annotations

from jinja2 import Environment

from composer.model.house import House

# The fonts are safe in the style sheet: the content model allows only letters, spaces, commas, quotes and hyphens.
_PAGE = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="{{ language }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ title }} · {{ newsletter }}</title>
<style>
  body { margin: 0; padding: 48px 16px; background: {{ c.page }}; color: {{ c.text }};
         font-family: {{ body_font|safe }}; }
  main { max-width: 520px; margin: 0 auto; padding: 32px; background: {{ c.background }};
         border-top: 4px solid {{ c.accent }}; }
  h1 { font-family: {{ heading_font|safe }}; font-size: 22px; margin: 0 0 16px; }
  p { line-height: 1.5; }
  .muted { color: {{ c.muted }}; font-size: 14px; }
  button { font: bold 16px {{ heading_font|safe }}; color: #ffffff; background: {{ c.accent }}; border: 0;
           padding: 12px 24px; cursor: pointer; }
  a { color: {{ c.link }}; }
</style>
</head>
<body>
<main>
<p class="muted">{{ newsletter }} · {{ publication }}</p>
<h1>{{ title }}</h1>
{% for line in lines %}<p>{{ line }}</p>
{% endfor %}
{% if ask %}<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>
{% endif %}
<p class="muted"><a href="{{ home }}">{{ publication }}</a></p>
</main>
</body>
</html>
""")


def masked(address: str) -> str:
    """The address with the second half of its local part and of its domain's first label hidden:
    enough for the reader to recognise, too little for anyone who finds the link to learn it."""
    local, _, domain = address.partition("@")
    label, dot, rest = domain.partition(".")

    def half(text: str) -> str:
        shown = max(1, len(text) // 2) if len(text) > 1 else 0
        return text[:shown] + "•" * 3

    return f"{half(local)}@{half(label)}{dot}{rest}"


def page(house: House, title: str, lines: list[str], *, ask: bool = False) -> str:
    return _PAGE.render(
        language=house.language, newsletter=house.newsletter, publication=house.publication,
        home=house.publication_url, c=house.colors, body_font=house.fonts.body, heading_font=house.fonts.headings,
        title=title, lines=lines, ask=ask)


def question(house: House, address: str, already: bool) -> str:
    if already:
        return page(house, "You are unsubscribed", [
            f"{masked(address)} is already off the {house.newsletter} list; no issue goes to it again."])
    return page(house, f"Unsubscribe from {house.newsletter}?", [
        f"Press the button to stop {house.newsletter} going to {masked(address)}.",
        "Nothing changes until you do."], ask=True)


def done(house: House, address: str) -> str:
    return page(house, "You are unsubscribed", [
        f"{masked(address)} will get no more issues of {house.newsletter}.",
        "If this was a mistake, write to us and we will put you back on the list."])


def refused(house: House, reason: str) -> str:
    return page(house, "This link does not work", [
        f"{reason[:1].upper()}{reason[1:]}.",
        "Use the unsubscribe link in a recent issue, or reply to one and ask us to take you off the list."])
