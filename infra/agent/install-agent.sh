#!/usr/bin/env bash
# Installs the Flotilla agent on a host and enrols it:
#   install-agent.sh --server https://flotilla.example.com --token flt_enr_...
# Needs root, Node.js >= 20 and systemd. Runs the agent as the unprivileged user
# `flotilla-agent`, added to the `docker` and `kvm` groups when they exist.
set -euo pipefail

server="" token="" bundle="" state_dir=/var/lib/flotilla-agent user=flotilla-agent
usage() { echo "usage: install-agent.sh --server URL --token TOKEN [--bundle PATH_OR_URL] [--state-dir DIR]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server=${2:-}; shift 2 ;;
    --token) token=${2:-}; shift 2 ;;
    --bundle) bundle=${2:-}; shift 2 ;;
    --state-dir) state_dir=${2:-}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
[ -n "$server" ] && [ -n "$token" ] || usage
[ "$(id -u)" -eq 0 ] || { echo "install-agent.sh must run as root" >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js >= 20 is required (apt-get install nodejs)" >&2; exit 1; }
# The bundle is run as a program: its "#!/usr/bin/env -S node FLAGS" line carries the Node flags
# the agent's memory figures were measured with, and needs env -S (coreutils >= 8.30).
env -S true 2>/dev/null || { echo "env -S is required (coreutils >= 8.30)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "Node.js >= 20 is required, found $(node -v)" >&2; exit 1; }
bundle=${bundle:-${server%/}/downloads/flotilla-agent.mjs}

install -d -m 0755 /opt/flotilla-agent
if [ -f "$bundle" ]; then
  install -m 0755 "$bundle" /opt/flotilla-agent/flotilla-agent.mjs
else
  curl -fsSL "$bundle" -o /opt/flotilla-agent/flotilla-agent.mjs.tmp
  chmod 0755 /opt/flotilla-agent/flotilla-agent.mjs.tmp
  mv /opt/flotilla-agent/flotilla-agent.mjs.tmp /opt/flotilla-agent/flotilla-agent.mjs
fi

id -u "$user" >/dev/null 2>&1 || useradd --system --home-dir "$state_dir" --shell /usr/sbin/nologin "$user"
groups=()
for g in docker kvm libvirt; do getent group "$g" >/dev/null && groups+=("$g"); done
[ ${#groups[@]} -gt 0 ] && usermod -aG "$(IFS=,; echo "${groups[*]}")" "$user"
install -d -m 0700 -o "$user" -g "$user" "$state_dir"

# Enrol as the agent's own user so the credential file (0600) belongs to it.
runuser -u "$user" -- /opt/flotilla-agent/flotilla-agent.mjs enroll \
  --server "$server" --token "$token" --state-dir "$state_dir"

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
unit_src="$script_dir/flotilla-agent.service"
[ -f "$unit_src" ] || { curl -fsSL "${server%/}/downloads/flotilla-agent.service" -o /tmp/flotilla-agent.service; unit_src=/tmp/flotilla-agent.service; }
sed -e "s|@GROUPS@|${groups[*]:-}|" -e "s|/var/lib/flotilla-agent|$state_dir|g" "$unit_src" \
  > /etc/systemd/system/flotilla-agent.service
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now flotilla-agent.service
  echo "flotilla-agent is running: systemctl status flotilla-agent"
else
  echo "systemd not running here; start the agent with:"
  echo "  runuser -u $user -- /opt/flotilla-agent/flotilla-agent.mjs run --state-dir $state_dir"
fi
