#!/usr/bin/env bash
# Install the Debian packages named on the command line, each on its own and only when missing.
#
# One at a time, because a machine can hold a package's job under another name: Node.js from
# NodeSource ships its own npm, and asking apt for Debian's npm beside it ("nodejs : Conflicts:
# npm") fails the whole install, Chromium included. apt-get update runs at most once per make
# invocation: make exports APT_UPDATED_STAMP, a file this script creates after updating.
set -uo pipefail

present() {
	case "$1" in
	chromium) command -v chromium >/dev/null ;;
	npm) command -v npm >/dev/null ;;
	postgresql) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null ;;
	redis-server) command -v redis-server >/dev/null ;;
	*) command -v "$1" >/dev/null || dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' ;;
	esac
}

as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo)
stamp=${APT_UPDATED_STAMP:-}

for package in "$@"; do
	present "$package" && continue
	if ! command -v apt-get >/dev/null; then
		echo "Missing system package '$package', and apt-get is not available: install '$package' with your package manager and retry." >&2
		exit 1
	fi
	if [ -z "$stamp" ] || [ ! -e "$stamp" ]; then
		echo "Updating apt's package lists (once) to install $package"
		if ! "${as_root[@]}" apt-get update -qq; then
			echo "apt-get update failed, so '$package' could not be installed: run 'apt-get update && apt-get install -y $package' by hand and retry." >&2
			exit 1
		fi
		[ -n "$stamp" ] && touch "$stamp"
	fi
	echo "Installing missing system package: $package"
	if ! DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "$package"; then
		echo "Could not install '$package' with apt-get: run 'apt-get install -y $package' by hand and retry." >&2
		exit 1
	fi
	present "$package" || { echo "'$package' was installed but is still not found." >&2; exit 1; }
done
