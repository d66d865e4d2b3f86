"""``python -m ragworks.cli``."""

from ragworks.cli import main

main()
