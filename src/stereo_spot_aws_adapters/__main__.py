"""Command line: ``python -m stereo_spot_aws_adapters {demo,smoke,dlq,stack}``.

The commands are developer tooling (``devtools.cli``); the library never imports them.
"""

from __future__ import annotations

import sys

from .devtools.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
