# Sourced by test.sh and .ci/run: times each step of a run and prints the table at the
# end, whether the run passes or fails, so a slow step shows in every CI log.
#
#   step NAME CMD [ARG...]   runs CMD; appends "NAME<TAB>seconds" to $NANOTRACE_STEP_LOG
#   steps_report             prints the table (called from the EXIT trap of the script
#                            that created the log; a nested script only appends)
#
# The log is shared through the environment: .ci/run creates it, scripts/test.sh appends
# to it, and .ci/run prints one table for the whole run.
if [ -z "${NANOTRACE_STEP_LOG:-}" ]; then
  NANOTRACE_STEP_LOG="$(mktemp "${TMPDIR:-/tmp}/nanotrace-steps.XXXXXX")"
  export NANOTRACE_STEP_LOG
  _steps_owner=yes
else
  _steps_owner=no
fi
_steps_current=""
_steps_t0=0

step() {
  local name="$1"
  shift
  _steps_current="$name"
  _steps_t0=$SECONDS
  echo "[step] $name"
  "$@"
  printf '%s\t%d\n' "$name" "$((SECONDS - _steps_t0))" >>"$NANOTRACE_STEP_LOG"
  _steps_current=""
}

steps_report() {
  local status=$?
  if [ -n "$_steps_current" ]; then
    printf '%s\t%d\t(FAILED, exit %d)\n' "$_steps_current" "$((SECONDS - _steps_t0))" "$status" >>"$NANOTRACE_STEP_LOG"
  fi
  if [ "$_steps_owner" = yes ]; then
    echo "=== step times (seconds)"
    awk -F '\t' '{ printf "%6d  %s %s\n", $2, $1, $3; total += $2 } END { printf "%6d  total\n", total }' "$NANOTRACE_STEP_LOG"
    rm -f "$NANOTRACE_STEP_LOG"
  fi
  return "$status"
}
