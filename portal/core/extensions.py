"""Extension objects, bare, so that nothing has to import the app."""

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DDL, MetaData, event
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# The trigram index on partners.search_text needs this extension (migrations create
# it too; this is for create_all, as the tests and benchmarks use).
event.listen(
    Base.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


def for_dialect(dialect: str):
    """An Alembic `include_object` that leaves out what the models create only on
    another database (`.ddl_if(dialect=...)`), which autogenerate does not know."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
# Counts failed sign-ins and password-reset requests (portal/accounts/throttle.py);
# its store is RATELIMIT_STORAGE_URI: Redis in production, memory in development.
limiter = Limiter(get_remote_address)
# Keeps computed KPI figures (portal/kpis/figures.py): Redis where the limiter has
# it (shared by every worker), else this process's memory.
cache = Cache()
