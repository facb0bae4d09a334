"""Extensions are created here, unbound, and bound to an app in `create_app`.

Nothing here opens a connection at import time.
"""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from portal.models.base import Base

# Page numbers come from the address bar. Past this one a list is empty anyway, and a number
# like 10**23 overflows the database's integer (it answered 500 before this cap).
MAX_PAGE = 100_000


class _SQLAlchemy(SQLAlchemy):
    def paginate(self, select, *, page=None, **kwargs):
        if page is not None:
            page = min(page, MAX_PAGE)
        return super().paginate(select, page=page, **kwargs)


db = _SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
