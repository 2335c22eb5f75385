#!/usr/bin/env bash
# Builds the conformance harness of nanotrace-einvoice (tests/einvoice: a Maven project that
# validates UBL invoices with phive against the official EN 16931 and Peppol BIS Billing 3.0
# rules, CII invoices against CEN's EN 16931 CII rules, and Factur-X PDFs as PDF/A-3 with
# veraPDF, all from Maven Central) into tests/einvoice/target: the compiled validator in
# target/classes, and its dependencies' class path in target/classpath.txt (jars in ~/.m2),
# which einvoice/tests/conformance.rs reads. Maven keeps its downloads in ~/.m2: a build after
# the first takes seconds, and a run that finds the build newer than pom.xml and the sources,
# with every jar still there, returns at once.
set -euo pipefail
cd "$(dirname "$0")/../tests/einvoice"
for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "[einvoice-deps] $tool is missing (scripts/prereqs.sh --tests installs it)" >&2
    exit 1
  fi
done
classpath=target/classpath.txt
up_to_date() {
  [ -f "$classpath" ] && [ -f target/classes/org/nanotrace/einvoice/Validate.class ] || return 1
  [ -z "$(find pom.xml src -newer "$classpath" -print -quit)" ] || return 1
  local jar
  while IFS= read -r -d: jar || [ -n "$jar" ]; do
    [ -f "${jar%$'\n'}" ] || return 1
  done <"$classpath"
}
if up_to_date; then
  echo "[einvoice-deps] tests/einvoice is up to date"
  exit 0
fi
# The class path is written last, under another name first: an interrupted build is never
# taken for a finished one.
rm -f "$classpath"
mvn -q -B compile dependency:build-classpath -Dmdep.outputFile="$classpath.new"
mv "$classpath.new" "$classpath"
echo "[einvoice-deps] built tests/einvoice (target/classes, target/classpath.txt)"
