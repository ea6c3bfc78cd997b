"""The НИКО content: the content and help files, the publications and the study's clock.

Nothing here knows about requests beyond reading the loaded files from `current_app`; the one
blueprint ("support") is in views.py.
"""
