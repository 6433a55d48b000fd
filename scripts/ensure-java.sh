#!/usr/bin/env bash
# PySpark (the optional Spark extra and its tests) needs a Java runtime. Install one if missing.
set -euo pipefail
if command -v java >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "ensure-java: installing a headless Java runtime with apt-get" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
  command -v java >/dev/null 2>&1 && exit 0
fi
echo "ensure-java: no Java runtime and cannot install one" >&2
exit 1
