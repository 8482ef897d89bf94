"""Joke collection: anekdot.ru scraper and local corpus importers into one SQLite dataset."""
