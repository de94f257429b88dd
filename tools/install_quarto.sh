#!/usr/bin/env bash
# Install Quarto into a git-ignored folder of the checkout (default .quarto-cli/), once.
#   tools/install_quarto.sh [PREFIX]      -> PREFIX/bin/quarto
# 1. the upstream release tarball from GitHub (where the network allows), else
# 2. the offline assembly from a local copy of Quarto's source: $MLPC_QUARTO_SRC/assemble.sh
#    (.ci/run sets MLPC_QUARTO_SRC=../shared/quarto when that folder exists).
# A stamp file PREFIX/.installed-<version> makes later calls return at once.
set -euo pipefail
VERSION="${QUARTO_VERSION:-1.7.34}"
PREFIX="${1:-.quarto-cli}"
mkdir -p "$PREFIX" && PREFIX="$(cd "$PREFIX" && pwd)"
STAMP="$PREFIX/.installed-$VERSION"
if [ -f "$STAMP" ] && [ -x "$PREFIX/bin/quarto" ]; then exit 0; fi

fail() { echo "install_quarto: $*" >&2; exit 2; }
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ASSET="quarto-$VERSION-linux-amd64.tar.gz" ;;
  Linux-aarch64) ASSET="quarto-$VERSION-linux-arm64.tar.gz" ;;
  Darwin-*) ASSET="quarto-$VERSION-macos.tar.gz" ;;
  *) ASSET="" ;;
esac
URL="https://github.com/quarto-dev/quarto-cli/releases/download/v$VERSION/$ASSET"

t0=$(date +%s)
rm -rf "$PREFIX/release" "$PREFIX/bin" && mkdir -p "$PREFIX/bin"
if [ "${MLPC_QUARTO_OFFLINE:-0}" != "1" ] && [ -n "$ASSET" ] && command -v curl >/dev/null \
   && curl -fsSL --connect-timeout 10 --max-time 600 -o "$PREFIX/$ASSET" "$URL" 2>/dev/null; then
  echo "install_quarto: Quarto $VERSION from $URL"
  mkdir -p "$PREFIX/release"
  tar -xzf "$PREFIX/$ASSET" -C "$PREFIX/release"
  rm -f "$PREFIX/$ASSET"
  q="$(find "$PREFIX/release" -path '*/bin/quarto' -type f | head -1)"
  [ -n "$q" ] || fail "no bin/quarto in $ASSET"
  ln -sf "$q" "$PREFIX/bin/quarto"
else
  rm -f "$PREFIX/$ASSET"
  SRC="${MLPC_QUARTO_SRC:-}"
  [ -n "$SRC" ] && [ -x "$SRC/assemble.sh" ] || fail "cannot download $URL and \
MLPC_QUARTO_SRC (a folder with assemble.sh) is not set: install Quarto $VERSION from \
https://quarto.org/docs/get-started/ (or conda env create -f environment.yml) and run make again."
  echo "install_quarto: no download; assembling Quarto $VERSION offline from $SRC (about 1 min)"
  WITH_PREVIEW_JS=0 bash "$SRC/assemble.sh" "$PREFIX" > "$PREFIX/assemble.log" 2>&1 \
    || { tail -30 "$PREFIX/assemble.log" >&2; fail "assembly failed (log: $PREFIX/assemble.log)"; }
fi
got="$("$PREFIX/bin/quarto" --version)"
[ "$got" = "$VERSION" ] || fail "quarto --version says $got, expected $VERSION"
touch "$STAMP"
echo "install_quarto: $PREFIX/bin/quarto $got ready in $(( $(date +%s) - t0 )) s"
