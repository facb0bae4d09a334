"""WSGI entry point: `gunicorn wsgi:app`."""

import gc

from portal import create_app

app = create_app()
# The app (mappers, templates, catalogs) lives as long as the process: out of the garbage
# collector's sight, so no request pays for a full collection over it (as worker.py does).
gc.collect()
gc.freeze()
