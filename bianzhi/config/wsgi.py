"""The WSGI application (gunicorn, uWSGI, `bianzhi runserver`).

With DEBUG off it refuses to start without SECRET_KEY (bianzhi/config/secret_key.py): a server on the
published demo key would sign sessions and CSRF tokens anyone can forge.
"""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from bianzhi.config.secret_key import missing_secret_key

_missing = missing_secret_key()
if _missing:
    raise ImproperlyConfigured(_missing)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bianzhi.config.settings")
application = get_wsgi_application()
