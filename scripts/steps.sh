# Sourced by test.sh and .ci/run: times each step of a run and prints the table at the
# end, whether the run passes or fails, so a slow step shows in every CI log.
#
#   step NAME CMD [ARG...]   runs CMD; appends "NAME<TAB>seconds" to $NANOTRACE_STEP_LOG
#   step_retried NAME CMD…   the same, with a second attempt when the first fails; the
#                            first attempt's failure is printed after the table either way
#   steps_report             prints the table (called from the EXIT trap of the script
#                            that created the log; a nested script only appends), and
#                            after it, when a step failed, what failed in its output
#
# A step's output (stdout and stderr, merged) is also kept in a file, and the first step
# to fail leaves its copy for the report: a CI log cut to its head and tail then still
# ends with the failing step's `[fabric] FAILED …` lines and panic messages, which the
# cut would otherwise drop from the middle.
#
# The log is shared through the environment: .ci/run creates it, scripts/test.sh appends
# to it, and .ci/run prints one table for the whole run.
if [ -z "${NANOTRACE_STEP_LOG:-}" ]; then
  NANOTRACE_STEP_LOG="$(mktemp "${TMPDIR:-/tmp}/nanotrace-steps.XXXXXX")"
  export NANOTRACE_STEP_LOG
  _steps_owner=yes
  rm -f "$NANOTRACE_STEP_LOG.failed"
else
  _steps_owner=no
fi
_steps_current=""
_steps_t0=0
_steps_out=""
_steps_fd=""
_steps_tee=""

# Closes the step's copy of its output and waits until tee has written all of it.
_steps_close_tee() {
  if [ -n "$_steps_fd" ]; then
    exec {_steps_fd}>&-
    _steps_fd=""
    wait "$_steps_tee" 2>/dev/null || true
  fi
}

step() {
  local name="$1"
  shift
  _steps_current="$name"
  _steps_t0=$SECONDS
  echo "[step] $name"
  # The command runs in this shell (a step may export what later steps use) under this
  # shell's errexit, its output copied to a file through tee; a failure exits here and
  # the EXIT trap's steps_report keeps that file for the digest.
  _steps_out="$NANOTRACE_STEP_LOG.$$.out"
  exec {_steps_fd}> >(tee "$_steps_out")
  _steps_tee=$!
  "$@" >&"$_steps_fd" 2>&1
  _steps_close_tee
  rm -f "$_steps_out"
  printf '%s\t%d\n' "$name" "$((SECONDS - _steps_t0))" >>"$NANOTRACE_STEP_LOG"
  _steps_current=""
}

# step_retried NAME CMD [ARG...] : a step that is run a second time when its first attempt
# fails. For a suite that failed in CI on another machine in a way no run here reproduced
# (the BFT end-to-end suite on hosts: stops 50 and 52): the run goes on, and the first
# attempt's failure is printed at the end of the log, where a cut log keeps it, whether
# the second attempt passes or not. A suite that fails twice fails the run.
step_retried() {
  local name="$1" t0=$SECONDS
  shift
  echo "[step] $name (first attempt)"
  # Not `step`: its errexit would end the run. The pipeline waits for tee.
  if (set -o pipefail; "$@" 2>&1 | tee "$NANOTRACE_STEP_LOG.first"); then
    rm -f "$NANOTRACE_STEP_LOG.first"
    printf '%s\t%d\n' "$name" "$((SECONDS - t0))" >>"$NANOTRACE_STEP_LOG"
    return 0
  fi
  printf '%s\t%d\t(FAILED on its first attempt: run again; what failed is printed below)\n' \
    "$name" "$((SECONDS - t0))" >>"$NANOTRACE_STEP_LOG"
  step "$name (second attempt)" "$@"
}

# The lines of a failed step's output (FILE, default the failing step's) that say what
# failed: the Fabric suites' step failures, the panics with the two lines of their
# message, the failing tests' names. At most 30 lines of at most 300 characters, so that
# the end of a cut log holds them.
_steps_failure_digest() {
  local file="${1:-$NANOTRACE_STEP_LOG.failed}"
  [ -s "$file" ] || return 0
  local digest
  digest=$(
    { grep -a -E -A2 '^\[[a-z_-]+\] (FAILED|FAIL) |panicked at ' "$file" || true; } | grep -v '^stack backtrace:' | cut -c1-300 | tail -n 24
    { grep -a -E '^test .* FAILED$|^    [a-z_:0-9]+$' "$file" || true; } | sort -u | cut -c1-300 | tail -n 6
  ) || true
  if [ -n "$digest" ]; then
    echo "=== what failed (the failing step's output, filtered)"
    printf '%s\n' "$digest"
  else
    # Not a test that failed (a formatting check, a build): the end of its output.
    echo "=== what failed (the end of the failing step's output)"
    tail -n 15 "$file" | cut -c1-300
  fi
}

steps_report() {
  local status=$?
  if [ -n "$_steps_current" ]; then
    # The failing step's output: the innermost failing step's copy is kept (an enclosing
    # step that fails because of it finds it there already).
    _steps_close_tee
    if [ -n "${_steps_out:-}" ] && [ -e "$_steps_out" ]; then
      [ -e "$NANOTRACE_STEP_LOG.failed" ] || cp "$_steps_out" "$NANOTRACE_STEP_LOG.failed"
      rm -f "$_steps_out"
    fi
    printf '%s\t%d\t(FAILED, exit %d)\n' "$_steps_current" "$((SECONDS - _steps_t0))" "$status" >>"$NANOTRACE_STEP_LOG"
  fi
  if [ "$_steps_owner" = yes ]; then
    echo "=== step times (seconds)"
    awk -F '\t' '{ printf "%6d  %s %s\n", $2, $1, $3; total += $2 } END { printf "%6d  total\n", total }' "$NANOTRACE_STEP_LOG"
    if [ -s "$NANOTRACE_STEP_LOG.first" ]; then
      echo "=== a step failed on its first attempt (the table has the second attempt's outcome); what failed then:"
      _steps_failure_digest "$NANOTRACE_STEP_LOG.first"
    fi
    _steps_failure_digest
    rm -f "$NANOTRACE_STEP_LOG" "$NANOTRACE_STEP_LOG.failed" "$NANOTRACE_STEP_LOG.first"
  fi
  return "$status"
}
