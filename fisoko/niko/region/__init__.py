"""The coordinator's region: the overview table and its CSV, the sample, the uploads archive.

Domain modules are testable without HTTP; the blueprints are in the *_views.py modules.
"""
