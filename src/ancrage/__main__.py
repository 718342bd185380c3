"""``python -m ancrage`` runs the command line."""

from ancrage.cli.app import main

main()
