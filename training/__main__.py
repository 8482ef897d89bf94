"""``python -m training …`` and ``accelerate launch -m training …`` (same as
``demotivator train …``)."""

import sys

from training.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
