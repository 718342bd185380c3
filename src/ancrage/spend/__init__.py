"""A buyer's own accounting export (purchases below the DECP threshold): read, map, load."""
