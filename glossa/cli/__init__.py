"""The ``glossa`` command: a thin shell over the ``Termbase`` (sqlite-utils style:
library first). One module per group of commands; ``shell`` holds what they share.

Every command has ``--help``; every user error ends in one clear line on stderr
and a non-zero exit, never a traceback.
"""

# importing a group registers its commands, in this order in ``glossa --help``
from glossa.cli import reading  # noqa: F401, I001
from glossa.cli import building  # noqa: F401
from glossa.cli import versions  # noqa: F401
from glossa.cli import text  # noqa: F401
from glossa.cli import serving  # noqa: F401
from glossa.cli import termbases  # noqa: F401
from glossa.cli.shell import app


def main() -> None:
    app()


__all__ = ["app", "main"]
