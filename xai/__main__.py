"""`python -m xai`: the studio's command line."""

import sys

from xai.cli import main

sys.exit(main())
