"""The bare page the LMS's pages are measured against: one ORM read and a 10 KB template.

A minimal Flask + Flask-SQLAlchemy app, built the way the LMS is (SQLAlchemy 2 typed model,
Jinja autoescaping, a base template with blocks), doing the least a real page does: read one
row through the ORM and render about 10 KB of HTML. Used by bench/pages.py in-process and
served by gunicorn for bench/http.py (`gunicorn 'bench.reference_app:create_app()'`).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the reference app."""


db = SQLAlchemy(model_class=Base)


class Item(db.Model):
    """One row to read per request."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000))


PARAGRAPH = (
    "Trauma-informed care asks what happened to a person rather than what is wrong with them. "
    "It rests on safety, trustworthiness, choice, collaboration and empowerment. "
)
TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ item.title }}</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body><header><nav><ul>{% for n in range(8) %}
<li><a href="/section/{{ n }}">Section {{ n }}</a></li>{% endfor %}</ul></nav></header>
<main><h1>{{ item.title }}</h1>
{% for n in range(paragraphs) %}<p>{{ item.body }} ({{ n }})</p>
{% endfor %}</main><footer><p>Reference page</p></footer></body></html>"""


def create_app(database_url: str | None = None) -> Flask:
    """Create the reference app on its own SQLite file (or `database_url`), with one row."""
    app = Flask(__name__)
    if database_url is None:
        database_url = os.environ.get("REFERENCE_DATABASE_URL") or (
            "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="bench-ref-"), "ref.sqlite3")
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    # A loaded template, compiled once and cached as Flask's own templates are.
    app.jinja_loader = DictLoader({"page.html": TEMPLATE})  # type: ignore[assignment]
    db.init_app(app)
    with app.app_context():
        db.create_all()
        if db.session.get(Item, 1) is None:
            db.session.add(Item(id=1, title="A bare page", body=PARAGRAPH))
            db.session.commit()
    # About 10 KB of HTML: the body paragraph repeated.
    paragraphs = 10_000 // (len(PARAGRAPH) + 12)

    @app.get("/")
    def page() -> Any:
        item = db.session.scalars(select(Item).where(Item.id == 1)).one()
        return render_template("page.html", item=item, paragraphs=paragraphs)

    return app
