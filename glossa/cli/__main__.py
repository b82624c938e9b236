"""``python -m glossa.cli``: the same as the ``glossa`` command."""

from glossa.cli import main

main()
