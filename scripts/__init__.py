"""Command-line helpers run through the Makefile."""
