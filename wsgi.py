"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from conference import create_app

app = create_app()
