# Sourced by scripts/_venv.sh: is there a Node.js with npm the bundled Strapi projects can run on?
# Node.js: the bundled Strapi 5.54 declares Node 20-26 (the demo project 20-24), the test suite's Strapi 4.26
# 18-22. Node 22 LTS (supported until 2027-04-30) is the one line every bundled project declares and that is
# still supported; Node 20 still runs them but reached end of life on 2026-04-30.
NODE_RECOMMENDED="Node.js 22 LTS (the demo also runs on 24 LTS)"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "'$tool' is not on PATH: the bundled Strapi server needs $NODE_RECOMMENDED with npm." >&2
    exit 1
  fi
done
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
case "$NODE_MAJOR" in ''|*[!0-9]*) NODE_MAJOR=0 ;; esac
if [ "$NODE_MAJOR" -lt 20 ]; then
  echo "Node.js $(node --version) is too old for the bundled Strapi (20 or newer): install $NODE_RECOMMENDED." >&2
  exit 1
elif [ "$NODE_MAJOR" -eq 20 ]; then
  echo "Note: Node.js 20 reached end of life on 2026-04-30 (no more security releases). It still runs the bundled" \
       "Strapi, and the console's VER-NODE check fails it; $NODE_RECOMMENDED is recommended." >&2
elif [ "$NODE_MAJOR" -gt 24 ]; then
  echo "Note: Node.js $NODE_MAJOR is newer than the bundled projects declare (demo: up to 24, the tests' Strapi 4:" \
       "up to 22); if npm ci or Strapi fails, use $NODE_RECOMMENDED." >&2
fi
