"""Django settings for gongyue.

Every value comes from the environment through the small typed helpers below; the defaults run
the demo with no configuration (SQLite in ./var, mail printed to the console). Production sets
at least SECRET_KEY (or SECRET_KEY_FILE), DATABASE_URL, ALLOWED_HOSTS and the EMAIL_* values;
docs/deployment.md lists them all.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    """Return the variable, or the contents of the file named by NAME_FILE, or the default."""
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


def default_sqlite_path() -> Path:
    path = BASE_DIR / "var" / "gongyue.sqlite3"
    path.parent.mkdir(exist_ok=True)
    return path


def database_from_url(url: str) -> dict:
    """Turn sqlite:///path or postgres://user:password@host:port/name into a DATABASES entry."""
    parts = urlsplit(url)
    # Connections are kept open between requests, SQLite's too: a new one reads the whole
    # schema again at its first query (3-5 ms here, more than most pages' queries).
    kept = {"CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 60), "CONN_HEALTH_CHECKS": True}
    if parts.scheme == "sqlite":
        name = unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name or default_sqlite_path(),
            # Writers wait for each other instead of failing with "database is locked". The
            # write-ahead log lets the web server read while the worker writes; with it,
            # synchronous=NORMAL syncs at checkpoints rather than at every commit and stays
            # safe from corruption (a power cut may lose the last commits, not the file).
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            **kept,
            # A file, not memory, so tests with threads see one database as production does;
            # one per test process, so that parallel runs do not share it.
            "TEST": {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            **kept,
        }
    raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not supported")


# Off unless asked for: `make run` turns it on for the demo; a server that forgets it shows no
# tracebacks and no settings.
DEBUG = envbool("DEBUG", False)
# The test suite (pytest sets PYTEST_VERSION) runs like the demo: plain HTTP, static files from
# the source folders, a throwaway key.
TESTING = bool(os.environ.get("PYTEST_VERSION"))
# Neither the demo nor the test suite signs anything that matters. Without DEBUG a missing key
# stops the start: the system checks fail (gongyue.E001: migrate, runserver, check) and so does
# loading the WSGI/ASGI application (gunicorn), rather than the first request that signs. The
# command-line screening (`gongyue screen`), which needs no key, still runs.
SECRET_KEY = envstr("SECRET_KEY") or ("demo-only-not-secret" if DEBUG or TESTING else "")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")


def default_site_url() -> str:
    """The address `make run` serves (HOST and PORT), when SITE_URL does not say otherwise."""
    host = envstr("HOST", "127.0.0.1")
    if host in {"0.0.0.0", "::", ""}:  # all interfaces: links name this machine's loopback
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{envint('PORT', 8000)}"


# The address links in mail point to (password resets, notifications).
SITE_URL = envstr("SITE_URL") or default_site_url()
# The association that runs the platform: its name is the brand in the header, its logo (a
# path under static/ or a URL) beside it, and the ICP filing number (and, if it has one, the
# public-security filing number) in the footer of every page, as Chinese sites must show them.
ASSOCIATION_NAME = envstr("ASSOCIATION_NAME", "互联网行业协会")
ASSOCIATION_LOGO = envstr("ASSOCIATION_LOGO", "img/logo.svg")
ICP_FILING = envstr("ICP_FILING", "")
ICP_FILING_URL = envstr("ICP_FILING_URL", "https://beian.miit.gov.cn/")
PUBLIC_SECURITY_FILING = envstr("PUBLIC_SECURITY_FILING", "")
SITE_NAME = envstr("SITE_NAME", ASSOCIATION_NAME)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The API docs page then serves Swagger UI from our own static files, not a CDN that a
    # server in mainland China may not reach.
    "ninja",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "gongyue.core",
    "gongyue.accounts",
    "gongyue.audit",
    "gongyue.organisations",
    "gongyue.convention",
    "gongyue.screening",
    "gongyue.amendments",
    "gongyue.bulletins",
    "gongyue.registry",
    "gongyue.cases",
    "gongyue.portal",
    "gongyue.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Errors under /api/ in the API's format, whatever produced them (outermost but security).
    "gongyue.api.middleware.ApiErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # NUL and lone surrogates refused before the session or any view sees the input.
    "gongyue.core.middleware.InputCheckMiddleware",
    # Django's session, CSRF, authentication and messages middleware, doing nothing for an API
    # call that carries no cookie (a program with a token), whose answer is the same without.
    "gongyue.core.middleware.PageSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "gongyue.core.middleware.PageCsrfViewMiddleware",
    "gongyue.core.middleware.PageAuthenticationMiddleware",
    "gongyue.core.middleware.LanguageMiddleware",
    "gongyue.core.middleware.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gongyue.core.middleware.SecurityHeadersMiddleware",
    # Last: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongyue.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(envstr("DATABASE_URL", "sqlite:///"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if envbool("FAST_PASSWORD_HASHER", False):
    # Only for the test suite, where thousands of logins would otherwise dominate the run.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: anything larger than this is refused before it is read (see gongyue.core.uploads).
MAX_UPLOAD_BYTES = envint("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Bulletins (docs/bulletins.md): days after publication before units that have not read are
# reminded, days before an acknowledgement deadline to remind, default days to acknowledge.
BULLETIN_READ_REMINDER_DAYS = envint("BULLETIN_READ_REMINDER_DAYS", 3)
BULLETIN_ACK_REMINDER_DAYS = envint("BULLETIN_ACK_REMINDER_DAYS", 2)
BULLETIN_ACK_DAYS = envint("BULLETIN_ACK_DAYS", 10)
# Days before a compliance campaign's deadline to remind units that have not submitted.
CAMPAIGN_REMINDER_DAYS = envint("CAMPAIGN_REMINDER_DAYS", 3)
# Cases (Art. 21): the largest evidence or reply file accepted.
CASE_FILE_MAX_BYTES = envint("CASE_FILE_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 12 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CACHES = {
    "default": {
        "BACKEND": envstr("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": envstr("CACHE_LOCATION", "gongyue"),
    }
}

# Mail: the demo prints to the console; production names an SMTP relay.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "gongyue <noreply@localhost>")
# How often a failed notification mail is tried before it is marked failed, and the first wait.
MAIL_MAX_ATTEMPTS = envint("MAIL_MAX_ATTEMPTS", 8)
# Days a legal representative's invitation link stays valid (docs/membership.md).
LEGAL_REP_CLAIM_DAYS = envint("LEGAL_REP_CLAIM_DAYS", 14)
MAIL_RETRY_SECONDS = envint("MAIL_RETRY_SECONDS", 60)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a reverse proxy (nginx, a load balancer): the scheme comes from X-Forwarded-Proto and
# the client's address from X-Forwarded-For, read from the right, past TRUSTED_PROXY_COUNT
# proxies that each append the address they received the request from (see
# gongyue.core.ratelimit.client_address). Without it both headers are ignored.
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only, once the site is served over TLS: redirect and HSTS are opt-in, because HSTS
# cannot be taken back from browsers that saw it.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp; see gongyue.core.middleware): scripts,
# styles, fonts and images only from the platform itself, no plugins, no framing, forms only to
# the platform. Pages have no inline script or style; served uploads bring a sandboxing policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Pages that set inline styles through their own scripts (Swagger UI, Django's admin).
CSP_INLINE_STYLE_PATHS = ["/api/v1/docs", "/admin/"]
# Browser features no page of the platform uses, switched off for every page and upload.
PERMISSIONS_POLICY = envstr(
    "PERMISSIONS_POLICY",
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # WeasyPrint reports each step of every PDF at INFO.
    "loggers": {"django.db.backends": {"level": "INFO"}, "weasyprint": {"level": "WARNING"}},
}

# Where the platform looks for the seed convention when none is given (demo data ships its own).
GONGYUE_DEMO_CONVENTION = envstr("GONGYUE_DEMO_CONVENTION", "")
# The short name given to the convention on its first import.
CONVENTION_SLUG = envstr("CONVENTION_SLUG", "convention")
# Generated PDFs of convention versions, named by text hash and layout (see convention/export.py).
CONVENTION_PDF_DIR = Path(
    envstr("CONVENTION_PDF_DIR", str(BASE_DIR / "var" / "cache" / "convention-pdf"))
)
# Anonymous form submissions allowed per address and hour (public feedback, applications).
ANON_RATE_PER_HOUR = envint("ANON_RATE_PER_HOUR", 20)

# Login (the site's and /admin/login/): django-axes counts failed attempts per account and,
# separately, per client address; either one reaching LOGIN_FAILURE_LIMIT within
# LOGIN_LOCKOUT_MINUTES locks that account or address out of logging in (even with the right
# password) until the attempts are that old. An office behind one address shares its allowance.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A person logs in by user name or e-mail address (delegates): both count as the one account.
AXES_USERNAME_CALLABLE = "gongyue.accounts.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "gongyue.core.ratelimit.client_address"
AXES_LOCKOUT_CALLABLE = "gongyue.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = False  # a login to one's own account must not clear an address's count
AXES_VERBOSE = False
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: it refuses a locked-out attempt
    # People sign in with their user name or their email address (docs/membership.md).
    "gongyue.accounts.backends.UsernameOrEmailBackend",
]
# Password reset mail: requests per client address and hour, and mails per account in
# PASSWORD_RESET_WINDOW_HOURS; requests beyond either send nothing (and say the same).
PASSWORD_RESET_PER_ADDRESS_PER_HOUR = envint("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", 5)
PASSWORD_RESET_MAILS_PER_ACCOUNT = envint("PASSWORD_RESET_MAILS_PER_ACCOUNT", 3)
PASSWORD_RESET_WINDOW_HOURS = envint("PASSWORD_RESET_WINDOW_HOURS", 24)

# Bodies the input checks (gongyue.core.middleware) leave to the endpoint: the screening API never
# stores the text, reads every post itself and names each bad one with its position; reading
# the body twice would also slow its hot path.
INPUT_CHECK_OWN_TEXT_PATHS = ["/api/v1/screening/screen"]

# Screening (gongyue/screening): limits of the screening API and how often each worker looks for
# a new lexicon version (one cheap query at most this often; a new version is then loaded and
# swapped in while requests in flight finish with the old one).
SCREENING_MAX_BATCH = envint("SCREENING_MAX_BATCH", 1000)
SCREENING_MAX_TEXT_CHARS = envint("SCREENING_MAX_TEXT_CHARS", 64 * 1024)
SCREENING_RELOAD_SECONDS = envint("SCREENING_RELOAD_SECONDS", 2)
# Compiled engines kept for the latest versions; older versions keep their record and hash.
SCREENING_KEEP_COMPILED = envint("SCREENING_KEEP_COMPILED", 3)
# Per unit (the secretariat: per person) and minute; beyond either the API answers 429 with
# Retry-After. A batch counts one request and as many posts as it carries.
SCREENING_REQUESTS_PER_MINUTE = envint("SCREENING_REQUESTS_PER_MINUTE", 600)
SCREENING_POSTS_PER_MINUTE = envint("SCREENING_POSTS_PER_MINUTE", 10_000)
# The lexicon is confidential: members learn a match's category, action, severity and span,
# and only the secretariat the lexicon term it matched.
SCREENING_REVEAL_TERMS_TO_MEMBERS = envbool("SCREENING_REVEAL_TERMS_TO_MEMBERS", False)

# Audit (gongyue/audit): the Ed25519 key that signs the chain's head (PEM, PKCS#8; `gongyue
# audit_key` and load_demo create it when missing), and how often the worker signs it when the
# log grew. Publications are signed as they happen.
AUDIT_SIGNING_KEY_FILE = Path(
    envstr("AUDIT_SIGNING_KEY_FILE", str(BASE_DIR / "var" / "audit-signing-key.pem"))
)
AUDIT_SIGN_EVERY_MINUTES = envint("AUDIT_SIGN_EVERY_MINUTES", 60)

# Registry (gongyue/registry): harmful sites, URLs, addresses and hashes, and their feeds.
REGISTRY_MAX_BATCH = envint("REGISTRY_MAX_BATCH", 1000)
REGISTRY_MAX_CHECK = envint("REGISTRY_MAX_CHECK", 1000)
# Days an entry stays listed after its last sighting, by category, unless the submitter says less.
REGISTRY_TTL_DAYS = {
    "phishing": envint("REGISTRY_TTL_PHISHING", 30),
    "malware": envint("REGISTRY_TTL_MALWARE", 30),
    "fraud": envint("REGISTRY_TTL_FRAUD", 90),
    "gambling": envint("REGISTRY_TTL_GAMBLING", 180),
    "pornography": envint("REGISTRY_TTL_PORNOGRAPHY", 180),
    "illegal": envint("REGISTRY_TTL_ILLEGAL", 180),
    "other": envint("REGISTRY_TTL_OTHER", 90),
}
# Days ahead of an entry's expiry its submitting unit is told, once a day for all its entries
# then due, so that it can sight them again if they are still harmful (0: never).
REGISTRY_EXPIRY_NOTICE_DAYS = envint("REGISTRY_EXPIRY_NOTICE_DAYS", 3)
# The longest expiry a submitter may ask for, in days.
REGISTRY_MAX_TTL_DAYS = envint("REGISTRY_MAX_TTL_DAYS", 365)
# A unit's second sighting of the same entry within this many hours is a duplicate, refused.
REGISTRY_RESIGHT_HOURS = envint("REGISTRY_RESIGHT_HOURS", 24)
# The widest networks that may be listed.
REGISTRY_MIN_PREFIX_V4 = envint("REGISTRY_MIN_PREFIX_V4", 16)
REGISTRY_MIN_PREFIX_V6 = envint("REGISTRY_MIN_PREFIX_V6", 32)
# The warning list: names (and everything under them), networks and hashes that are listed only
# with the secretariat head's override. Member units' own websites are added to it at each check.
REGISTRY_WARNING_DOMAINS = envlist(
    "REGISTRY_WARNING_DOMAINS",
    "gov.cn,edu.cn,ac.cn,mil.cn,org.cn,gov,edu,mil,"
    "baidu.com,qq.com,weixin.qq.com,taobao.com,tmall.com,alipay.com,jd.com,163.com,126.com,"
    "sina.com.cn,weibo.com,sohu.com,bilibili.com,douyin.com,zhihu.com,aliyun.com,alibaba.com,"
    "tencent.com,huawei.com,xiaomi.com,csdn.net,ctrip.com,pinduoduo.com,meituan.com,12306.cn,"
    "google.com,youtube.com,facebook.com,microsoft.com,apple.com,amazon.com,wikipedia.org,"
    "github.com,cloudflare.com,akamai.net,windowsupdate.com,mozilla.org,icann.org,"
    "xn--zfr164b,xn--55qw42g",
)
REGISTRY_WARNING_NETWORKS = envlist(
    "REGISTRY_WARNING_NETWORKS",
    "114.114.114.114/32,114.114.115.115/32,223.5.5.5/32,223.6.6.6/32,119.29.29.29/32,"
    "180.76.76.76/32,8.8.8.8/32,8.8.4.4/32,1.1.1.1/32,1.0.0.1/32,9.9.9.9/32,"
    "240c::6666/128,2400:3200::1/128,2001:4860:4860::8888/128",
)
# ICP-filed websites are on the warning list too: a CSV export of the ICP filings (columns 域名
# or domain, 备案号 or icp, 主办单位 or unit; several domains a row may be separated by spaces,
# commas or 、), read again whenever the file changes. Empty: none but the member units' sites.
REGISTRY_ICP_FILINGS_FILE = envstr("REGISTRY_ICP_FILINGS_FILE", "")
# Hashes that match harmless files everywhere: the empty file.
REGISTRY_WARNING_HASHES = envlist(
    "REGISTRY_WARNING_HASHES",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,"
    "da39a3ee5e6b4b0d3255bfef95601890afd80709,d41d8cd98f00b204e9800998ecf8427e",
)
# Where the published feeds are kept (chunks shared by the newest few publications, their
# lists, and one folder per serial for the link check's matcher).
REGISTRY_FEED_DIR = Path(envstr("REGISTRY_FEED_DIR", str(BASE_DIR / "var" / "registry-feeds")))
REGISTRY_KEEP_PUBLICATIONS = envint("REGISTRY_KEEP_PUBLICATIONS", 3)
# ... and each older one for this long after a newer one replaced it, so that a download that
# began before is not cut short (at 1,000,000 entries a publication's chunks take about 2 MB),
# but never more than REGISTRY_KEEP_MAX_PUBLICATIONS in all.
REGISTRY_KEEP_REPLACED_SECONDS = envint("REGISTRY_KEEP_REPLACED_SECONDS", 900)
REGISTRY_KEEP_MAX_PUBLICATIONS = envint("REGISTRY_KEEP_MAX_PUBLICATIONS", 200)
# Entries per chunk of a feed file on average (DNS names: twice as many); a change rewrites
# the chunk it falls in.
REGISTRY_FEED_CHUNK = envint("REGISTRY_FEED_CHUNK", 128)
# Processes formatting the chunks of a full publication (1: in the publishing process).
REGISTRY_FEED_PROCESSES = envint("REGISTRY_FEED_PROCESSES", 2)
# Serials of changes kept for `changes?since=`; a client further behind downloads the full list.
REGISTRY_KEEP_SERIALS = envint("REGISTRY_KEEP_SERIALS", 10000)
# Categories whose feeds anyone may fetch; the rest (and "all") need a member's token.
REGISTRY_PUBLIC_CATEGORIES = envlist("REGISTRY_PUBLIC_CATEGORIES", "phishing,malware")
# The RPZ zone: its name, and the SOA timers resolvers follow (seconds).
REGISTRY_RPZ_ZONE = envstr("REGISTRY_RPZ_ZONE", "rpz.gongyue.invalid")
REGISTRY_RPZ_REFRESH = envint("REGISTRY_RPZ_REFRESH", 30)
REGISTRY_RPZ_RETRY = envint("REGISTRY_RPZ_RETRY", 10)
REGISTRY_RPZ_EXPIRE = envint("REGISTRY_RPZ_EXPIRE", 86400)
REGISTRY_RPZ_TTL = envint("REGISTRY_RPZ_TTL", 60)
# How often each worker looks for a newer publication to check links against.
REGISTRY_RELOAD_SECONDS = envint("REGISTRY_RELOAD_SECONDS", 2)
# Changes a worker applies to the link check's matcher it holds before it loads the matcher
# file written with a newer publication instead (each change's names are walked, not looked
# up in the mapped host index).
REGISTRY_MATCHER_CATCH_UP = envint("REGISTRY_MATCHER_CATCH_UP", 20000)
# What follows a publication writes the link check's matcher file (its build takes 6–9 s at
# 1,000,000 entries) when the newest one is this many changes old (fewer than the above).
REGISTRY_MATCHER_FILE_EVERY = envint("REGISTRY_MATCHER_FILE_EVERY", 5000)
