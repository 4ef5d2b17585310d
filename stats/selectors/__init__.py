"""Reads for the statistics: one module per source app (a field rename there is a one-line fix
here), all aggregation in SQL (``GROUP BY``), and ``reports`` assembling anonymised tables."""
