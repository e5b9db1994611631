# Shared by scripts/run and scripts/test: installs what Citylink needs from
# the machine's packages when it is missing (as root, with apt-get), or
# says what to install.

# apt_install PACKAGE... installs Debian packages, updating the lists once.
apt_install() {
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		echo "citylink: please install $* (Debian packages), then run this again" >&2
		return 1
	fi
	if [[ -z ${CITYLINK_APT_UPDATED:-} ]]; then
		apt-get update -qq
		CITYLINK_APT_UPDATED=1
	fi
	echo "citylink: installing $*" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# need_postgres makes sure the PostgreSQL server programs are on the machine,
# for the private local cluster.
need_postgres() {
	if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1; then
		return 0
	fi
	apt_install postgresql
}

# need_chromium makes sure Debian's Chromium is there, for the browser tests.
need_chromium() {
	if command -v chromium >/dev/null 2>&1; then
		return 0
	fi
	apt_install chromium
}
