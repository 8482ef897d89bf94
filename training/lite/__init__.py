"""``demotivator train lite``: rebuild the bundled lite generator and lite ranker from Russian
text that the package registries ship (Debian ``fortunes-ru``, PyPI ``pyjokes`` and
``ru-proverbs``), with fixed seeds, into ``resources/models/lite-{generator,ranker}``."""
