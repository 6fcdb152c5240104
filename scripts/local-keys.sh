# Sourced (not run) by scripts/serve.sh, scripts/docker-entrypoint.sh and the Makefile's commands
# that run with production settings: SECRET_KEY and PII_KEYS from the environment, or else keys kept
# in var/ on this machine (made on first use), so sessions survive restarts and the stored names and
# contacts stay readable. Set both for a real deployment and keep PII_KEYS safe: without it the
# encrypted personal information (docs/security.md "Personal information") cannot be read.
mkdir -p var
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s var/secret_key ] || (umask 077; head -c 48 /dev/urandom | base64 > var/secret_key)
  SECRET_KEY=$(cat var/secret_key); export SECRET_KEY
fi
if [ -z "${PII_KEYS:-}" ]; then
  [ -s var/pii_keys ] || (umask 077; echo "1:$(head -c 32 /dev/urandom | base64)" > var/pii_keys)
  PII_KEYS=$(cat var/pii_keys); export PII_KEYS
fi
