#!/usr/bin/env bash
# Refresh the front-end files that the site and the decks load locally (no CDN: the pages and
# decks work offline), from the npm registry, at the versions pinned in package.json /
# package-lock.json. `make vendor-js` runs it; the result (_includes/katex/) is committed, so
# rendering needs neither Node.js nor the network. tests/test_render.py checks the copy.
#
#   KaTeX (maths on pages and decks; _quarto.yml sets html-math-method: katex with
#   url /_includes/katex/): katex.min.js, katex.min.css, the woff2 fonts and the license.
#   The CSS keeps only the woff2 sources (every browser the decks meet reads woff2; the
#   woff/ttf copies would double the size).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "vendor_js: npm not found (Node.js is only needed to refresh _includes/katex)"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp package.json "$tmp/"
[ -f package-lock.json ] && cp package-lock.json "$tmp/"
(cd "$tmp" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --ignore-scripts; \
  else npm install --no-audit --no-fund --ignore-scripts; fi) >/dev/null
[ -f package-lock.json ] || cp "$tmp/package-lock.json" .
k="$tmp/node_modules/katex"
rm -rf _includes/katex
mkdir -p _includes/katex/fonts
cp "$k/dist/katex.min.js" "$k/LICENSE" _includes/katex/
cp "$k/dist/fonts/"*.woff2 _includes/katex/fonts/
sed -E 's/,url\(fonts\/[A-Za-z0-9_-]+\.woff\) format\("woff"\),url\(fonts\/[A-Za-z0-9_-]+\.ttf\) format\("truetype"\)//g' \
  "$k/dist/katex.min.css" > _includes/katex/katex.min.css
node -e 'console.log(require(process.argv[1]).version)' "$k/package.json" > _includes/katex/VERSION
echo "vendor_js: KaTeX $(cat _includes/katex/VERSION) -> _includes/katex/ ($(du -sh _includes/katex | cut -f1))"
