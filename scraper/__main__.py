"""``python -m scraper …`` — the same as ``demotivator scrape …``."""

import sys

from scraper.cli import main

sys.exit(main(sys.argv[1:]))
