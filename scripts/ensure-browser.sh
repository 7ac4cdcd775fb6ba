#!/bin/sh
# Install Debian's Chromium, a CJK font, Java and npm when they are missing (browser tests need them;
# without the font Chinese renders as empty boxes). A browser download cannot work here.
set -e
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
fc-list 2>/dev/null | grep -qi -E "wqy|noto.*cjk" || need="$need fonts-wqy-microhei"
command -v java >/dev/null 2>&1 || need="$need default-jre-headless"  # the Nu HTML checker (vnu-jar)
command -v npm >/dev/null 2>&1 || need="$need npm"                    # axe-core and vnu-jar from npm
[ -z "$need" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing:$need"
$SUDO apt-get install -y -q $need >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q $need >/dev/null; }
