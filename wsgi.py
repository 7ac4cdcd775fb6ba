"""Entry point for gunicorn (`gunicorn --preload wsgi:app`) and `flask --app wsgi`."""

from marketplace import create_app
from marketplace.domain.core.search import initialise

app = create_app()
initialise()  # jieba's dictionary, loaded once before gunicorn forks its workers
