"""Joke collection: anekdot.ru scraper and local corpus importers into one SQLite dataset.

Schema, deduplication rules and commands: scraper/README.md. Read API for training:
``scraper.dataset.iter_jokes(db_path)`` yielding typed ``JokeRecord`` objects.
"""
