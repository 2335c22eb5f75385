# shellcheck shell=bash
# Sourced by scripts/network.sh: `sign-update FILE --org ORG`: ORG's admin adds its
# signature to a channel configuration update (as `peer channel signconfigtx` does: the
# file is passed from one organisation to the next, each signing with its own key).

cmd_sign_update() {
    update_args sign-update "$@"
    local file=$UPDATE_FILE org=$UPDATE_ORG
    local msp signed
    msp=$(orderer_msp_of "$org")
    signed=$(update_signers "$file") || die "sign-update: $file is no configuration update"
    ! grep -qx "$msp" <<<"$signed" || die "sign-update: $msp has signed $file already"
    # What the admin signs, in words, first (on stderr: stdout is the signed_by= line).
    update_summary "$file" "$org" >&2
    as_org_admin "$org" peer channel signconfigtx -f "$file" >"$LOGS/sign-update-$org.log" 2>&1 ||
        { cat "$LOGS/sign-update-$org.log" >&2; die "sign-update: $org's admin could not sign $file"; }
    signed=$(update_signers "$file")
    log "$org's admin signed $file; signed by: $(tr '\n' ' ' <<<"$signed")"
    echo "signed_by=$(tr '\n' ',' <<<"$signed" | sed 's/,$//')"
}
