import sys
from importlib.util import find_spec

# The generator reads the schema with tomllib (Python 3.11+). On 3.10 say so in
# one line instead of an ImportError traceback from deep inside the loader.
if find_spec("tomllib") is None:
    print(
        f"error: python -m codegen needs Python 3.11 or newer (it reads the schema with "
        f"tomllib); this is Python {sys.version.split()[0]}: run it with python3.11+ "
        "(make check PYTHON=python3.11)",
        file=sys.stderr,
    )
    sys.exit(2)

from .cli import main  # after the interpreter check above

sys.exit(main())
