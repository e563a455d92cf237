"""`python -m xai`: the studio's command line."""

import sys

from xai.cli.main import main

sys.exit(main())
