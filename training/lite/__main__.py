"""``python -m training.lite …`` (the same as ``demotivator train lite …``)."""

import sys

import inference  # noqa: F401  (sets OMP_WAIT_POLICY before anything imports torch)
from training.lite.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
