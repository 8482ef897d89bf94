import sys

from demotivator.cli import main

sys.exit(main())
