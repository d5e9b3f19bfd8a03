"""``python -m scheduler`` runs the command line."""

from scheduler.cli import run

run()
