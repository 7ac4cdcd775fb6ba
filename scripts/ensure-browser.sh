#!/bin/sh
# Install Debian's Chromium and a CJK font when they are missing (browser tests need both;
# without the font Chinese renders as empty boxes). A browser download cannot work here.
set -e
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
fc-list 2>/dev/null | grep -qi -E "wqy|noto.*cjk" || need="$need fonts-wqy-microhei"
[ -z "$need" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing:$need"
$SUDO apt-get install -y -q $need >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q $need >/dev/null; }
