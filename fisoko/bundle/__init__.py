"""The offline bundle: the app, its locked wheels for Windows and Linux, and start scripts."""
