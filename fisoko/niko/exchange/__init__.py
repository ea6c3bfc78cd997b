"""A school's exchange: uploads and their store, quotas, materials, participant codes, step marks.

Domain modules are testable without HTTP; the blueprints are in the *_views.py modules.
"""
