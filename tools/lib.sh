# shellcheck shell=bash
# Shared helpers for the project's scripts (setup, run, test, bench).
# Sourced, not executed. Every step that a fresh machine needs is here: a clean clone has
# nothing but the repository, so nothing may depend on files left by an earlier run.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${GELATO_VENV:-$REPO_ROOT/.venv}
PY=$VENV/bin/python
# The conventional place the README tells users to put Odoo 18's source.
ODOO_DEFAULT_SRC=${ODOO_HOME:-/opt/odoo/18.0}
ODOO_ARCHIVE_URL=https://nightly.odoo.com/18.0/nightly/tgz/odoo_18.0.latest.tar.gz

# The add-on, its bridges and features: the core (Sales), the web shop (website_sale), Inventory
# (sale_stock), the customers' personalisation, the artwork from remote storage and the DAM
# synchronisation (Bynder, Webdam). `make run` installs them all.
GELATO_MODULES=gelato_connector,gelato_connector_website,gelato_connector_stock,gelato_connector_personalization,gelato_connector_storage,gelato_connector_dam
# moto's S3 server for the storage tests and bench: its own environment (tools/requirements-s3.txt).
S3_VENV=${GELATO_S3_VENV:-$REPO_ROOT/.venv-s3}

log() { printf '\033[1m[gelato]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[gelato] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# --- Odoo ----------------------------------------------------------------------------------
_is_odoo18_src() {
    [ -f "$1/odoo-bin" ] && [ -f "$1/odoo/release.py" ] &&
        grep -q "^version_info = (18, 0," "$1/odoo/release.py"
}

# Finds Odoo 18 and sets ODOO_SRC (the directory holding odoo-bin and addons/).
# Order (documented in the README):
#   1. ODOO_SRC, when the user names a source directory;
#   2. an Odoo 18 already importable by python3 (e.g. a pip/editable or packaged install);
#   3. the conventional location /opt/odoo/18.0 (ODOO_HOME overrides it);
#   4. Odoo's official 18.0 source archive, when ODOO_ARCHIVE names a downloaded .tar.gz
#      (or its URL), unpacked into the conventional location.
locate_odoo() {
    if [ -n "${ODOO_SRC:-}" ]; then
        _is_odoo18_src "$ODOO_SRC" ||
            die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 source directory (no odoo-bin / 18.0 release.py)."
        export ODOO_SRC; return
    fi
    local found
    found=$(python3 - <<'PY' 2>/dev/null || true
import os, odoo.release as r
if r.version_info[:2] == (18, 0):
    print(os.path.dirname(os.path.dirname(os.path.abspath(r.__file__))))
PY
)
    if [ -n "$found" ] && [ -d "$found/odoo" ]; then
        ODOO_SRC=$found; export ODOO_SRC; ODOO_IMPORTABLE=1; return
    fi
    if _is_odoo18_src "$ODOO_DEFAULT_SRC"; then
        ODOO_SRC=$ODOO_DEFAULT_SRC; export ODOO_SRC; return
    fi
    if [ -n "${ODOO_ARCHIVE:-}" ]; then
        local archive=$ODOO_ARCHIVE tmp
        tmp=$(mktemp -d)
        if [[ $archive == http*://* ]]; then
            log "Downloading Odoo's official source archive $archive"
            curl -fL --retry 3 -o "$tmp/odoo.tar.gz" "$archive" ||
                die "Could not download $archive"
            archive=$tmp/odoo.tar.gz
        fi
        log "Unpacking $archive into $ODOO_DEFAULT_SRC"
        mkdir -p "$ODOO_DEFAULT_SRC"
        tar -xzf "$archive" -C "$ODOO_DEFAULT_SRC" --strip-components=1 ||
            die "Could not unpack $archive into $ODOO_DEFAULT_SRC"
        rm -rf "$tmp"
        _is_odoo18_src "$ODOO_DEFAULT_SRC" || die "$archive is not Odoo 18.0's source archive."
        ODOO_SRC=$ODOO_DEFAULT_SRC; export ODOO_SRC; return
    fi
    die "Odoo 18.0 was not found. Install it the way Odoo documents a source install, one of:
    git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo $ODOO_DEFAULT_SRC
    ODOO_ARCHIVE=$ODOO_ARCHIVE_URL make ...   (official source archive, unpacked to $ODOO_DEFAULT_SRC)
    ODOO_SRC=/path/to/odoo-18.0 make ...       (an existing source directory)
  Odoo's Python requirements are then installed by this project into $VENV."
}

# --- System prerequisites --------------------------------------------------------------------
# Debian packages that Odoo's requirements need to build on Python 3.11 (python-ldap, psycopg2),
# wkhtmltopdf (Odoo's PDF reports: the order confirmation mail attaches one, and a paid web-shop
# order is not confirmed without it) and Chromium for the browser tests. Installed when missing
# and we may (root + apt-get); otherwise we stop and say what to install.
SYSTEM_PACKAGES=(libldap2-dev libsasl2-dev libpq-dev build-essential wkhtmltopdf chromium)
ensure_system_packages() {
    command -v dpkg-query >/dev/null 2>&1 || {
        log "Not a Debian-like system: make sure these are installed: ${SYSTEM_PACKAGES[*]}"
        return
    }
    local missing=() pkg
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "Installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
            die "apt-get install ${missing[*]} failed"
    else
        die "Missing Debian packages: ${missing[*]}. Install them: sudo apt-get install ${missing[*]}"
    fi
}

chromium_bin() {
    local c
    for c in chromium chromium-browser google-chrome google-chrome-stable; do
        command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }
    done
    return 1
}

# --- Python environment ----------------------------------------------------------------------
# A virtual environment with Odoo's pinned requirements and the project's own pins. Rebuilt
# only when one of the requirement files (or the Odoo source) changed.
ensure_venv() {
    local pyver stamp want
    pyver=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    case $pyver in 3.10|3.11|3.12) ;; *) die "Odoo 18 needs Python 3.10 to 3.12; python3 is $pyver." ;; esac
    want=$(cat "$ODOO_SRC/requirements.txt" "$REPO_ROOT"/requirements*.txt 2>/dev/null |
        { cat; echo "$ODOO_SRC ${ODOO_IMPORTABLE:-0} $pyver"; } | sha256sum | cut -c1-16)
    stamp=$VENV/.gelato-requirements-$want
    [ -f "$stamp" ] && return
    log "Preparing the Python environment in $VENV (Odoo from $ODOO_SRC)"
    if [ ! -x "$PY" ]; then
        if [ -n "${ODOO_IMPORTABLE:-}" ]; then
            python3 -m venv --system-site-packages "$VENV"
        else
            python3 -m venv "$VENV"
        fi
    fi
    # cbor2 5.4.2 (Odoo's pin on Python 3.11) only builds with an older setuptools.
    local constraints=$VENV/build-constraints.txt
    echo 'setuptools<70' >"$constraints"
    PIP_BUILD_CONSTRAINT=$constraints PIP_CONSTRAINT=$constraints \
        "$PY" -m pip install -q --upgrade 'pip<25' 'setuptools<70' wheel
    if [ -f "$ODOO_SRC/requirements.txt" ]; then
        PIP_CONSTRAINT=$constraints "$PY" -m pip install -q -r "$ODOO_SRC/requirements.txt" ||
            die "Installing Odoo's requirements failed (see above). On Debian: apt-get install ${SYSTEM_PACKAGES[*]}"
    fi
    PIP_CONSTRAINT=$constraints "$PY" -m pip install -q -r "$REPO_ROOT/requirements-dev.txt" ||
        die "Installing the project's requirements failed (see above)."
    if [ -z "${ODOO_IMPORTABLE:-}" ]; then
        # Make `import odoo` work in the venv (pytest-odoo needs it), as an editable install would.
        "$PY" - "$ODOO_SRC" <<'PY'
import sys, sysconfig, pathlib
pathlib.Path(sysconfig.get_paths()["purelib"], "odoo-src.pth").write_text(sys.argv[1] + "\n")
PY
    fi
    "$PY" -c 'import odoo.release as r; assert r.version_info[:2] == (18, 0), r.version' ||
        die "The environment in $VENV cannot import Odoo 18."
    # What Odoo's websocket process does first: it failed with the latest zope packages, and a
    # multi-worker Odoo then restarts it for ever (see requirements.txt).
    "$PY" -c 'from gevent import monkey; monkey.patch_all()' ||
        die "gevent cannot start in $VENV (Odoo's websocket process would die): see above."
    rm -f "$VENV"/.gelato-requirements-*
    touch "$stamp"
}

# The S3 server (moto's server mode) that gelato_connector_storage's tests and bench run
# against, in a separate environment: moto's pins (cryptography >= 35, Flask 3 / Werkzeug 3)
# would break Odoo's in $VENV. Rebuilt when tools/requirements-s3.txt changes; exported as
# GELATO_S3_VENV for the tests (gelato_connector_storage/tests/common.py starts moto_server).
ensure_s3_venv() {
    local want stamp
    want=$(sha256sum "$REPO_ROOT/tools/requirements-s3.txt" | cut -c1-16)
    stamp=$S3_VENV/.gelato-s3-requirements-$want
    if [ ! -f "$stamp" ]; then
        log "Preparing the S3 test server's environment in $S3_VENV (moto, its own pins)"
        [ -x "$S3_VENV/bin/python" ] || python3 -m venv "$S3_VENV" ||
            die "Could not create $S3_VENV (on Debian: apt-get install python3-venv)"
        "$S3_VENV/bin/python" -m pip install -q -r "$REPO_ROOT/tools/requirements-s3.txt" ||
            die "Installing moto into $S3_VENV failed (see above)."
        "$S3_VENV/bin/python" -c 'import moto.server, flask, flask_cors' ||
            die "moto's server cannot start from $S3_VENV."
        rm -f "$S3_VENV"/.gelato-s3-requirements-*
        touch "$stamp"
    fi
    GELATO_S3_VENV=$S3_VENV
    export GELATO_S3_VENV
}

# --- PostgreSQL ------------------------------------------------------------------------------
ensure_postgres() {
    command -v psql >/dev/null 2>&1 || die "PostgreSQL client (psql) not found: apt-get install postgresql"
    if ! pg_isready -q 2>/dev/null && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
        log "Starting PostgreSQL"
        if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
            local ver
            for ver in $(ls /etc/postgresql); do
                pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null ||
                    pg_ctlcluster "$ver" main start || true
            done
        elif command -v systemctl >/dev/null 2>&1; then
            systemctl start postgresql || true
        fi
        local i
        for i in $(seq 1 30); do pg_isready -q && break; sleep 1; done
        pg_isready -q || die "PostgreSQL is not running and could not be started. Start it (e.g. 'sudo service postgresql start')."
    fi
    # Odoo refuses the 'postgres' role: use a role named after the current user.
    DB_USER=${PGUSER:-$(id -un)}
    [ "$DB_USER" = postgres ] && die "Odoo refuses to use the 'postgres' database role; run as another user or set PGUSER."
    export DB_USER
    if ! psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        log "Creating PostgreSQL role $DB_USER"
        if [ "$(id -u)" = 0 ]; then
            runuser -u postgres -- createuser --createdb "$DB_USER" ||
                die "Could not create the PostgreSQL role $DB_USER"
        else
            die "Cannot connect to PostgreSQL as $DB_USER. Create the role: sudo -u postgres createuser --createdb $DB_USER"
        fi
    fi
}

# Writes an Odoo configuration file for this repository.
# $1: path, $2: database name, $3: http port, rest: extra "key = value" lines.
write_odoo_conf() {
    local conf=$1 db=$2 port=$3
    shift 3
    mkdir -p "$(dirname "$conf")"
    {
        echo "[options]"
        echo "addons_path = $ODOO_SRC/addons,$REPO_ROOT"
        echo "data_dir = $REPO_ROOT/.odoo-data"
        echo "db_name = $db"
        echo "dbfilter = ^$db\$"
        echo "db_user = $DB_USER"
        echo "http_port = $port"
        echo "list_db = False"
        echo "admin_passwd = admin"
        for line in "$@"; do echo "$line"; done
    } >"$conf"
}

setup_all() {
    ensure_system_packages
    locate_odoo
    ensure_venv
    ensure_postgres
}
