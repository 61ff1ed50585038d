"""The baseline of `make bench-web`: a minimal Flask route, served by the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """As little as Flask can answer."""
    return "hello"
