"""The demo region: a small fictional municipality, generated deterministically.

``manage.py demo`` writes the region's files (``region.build_region_files``), creates the
demo accounts, and then calls ``load(files, stdout)`` in ``<app>/demo.py`` for every app
that has one (gtfs, rides, carsharing, ...), in INSTALLED_APPS order.
"""
