# The public verifier's pages in English (the fallback language).
# Every message here is in de.ftl and fr.ftl too (a unit test compares the files).
# Plain text: the pages escape it. `{ $name }` is a value the page puts in.

## Frame

brand-verify = Verify
switch-label = Language
footer = NanoTrace public verifier — answers from its copy of the certificate ledger.
footer-api = JSON API
search-label = Certificate ID (on the label, under the QR code)
search-button = Verify
not-found-title = Page not found
not-found = There is no page at this address.
bad-request = Bad request
bad-redirect = The address cannot be redirected.
bad-query = The address's query is malformed.
cannot-verify-title = Cannot verify right now
cannot-read-ledger = The verifier cannot read its copy of the ledger.

## Search

index-title = Verify a nanomaterial certificate
index-intro = Scan the QR code on the package, or type the certificate ID printed on the label. The answer comes from the NanoTrace ledger and says whether the certificate is in force now.
index-consignment = Checking a consignment? Scan the packages one after another, or upload a list
search-empty-title = Type a certificate ID
search-empty = No certificate ID was given.
bad-id-title = Not a certificate ID
bad-id-format = A certificate ID is NT- followed by 12 letters A–Z and digits 2–7, e.g. NT-ABCDEFGH2345.

## Verdicts

verdict-VALID = VALID
verdict-EXPIRED = EXPIRED
verdict-SUSPENDED = SUSPENDED
verdict-REVOKED = REVOKED
verdict-SUPERSEDED = SUPERSEDED
verdict-PENDING = PENDING
verdict-REJECTED = REJECTED
verdict-UNKNOWN = UNKNOWN
verdict-UNVERIFIABLE = UNVERIFIABLE
verdict-UNTRUSTED = UNTRUSTED
verdict-ERROR = ERROR
word-foreign-site = OTHER SITE
headline-VALID = This certificate is valid and in force.
headline-EXPIRED = Do not accept: this certificate has expired.
headline-SUSPENDED = Do not accept: this certificate is suspended.
headline-REVOKED = Do not accept: this certificate has been revoked.
headline-SUPERSEDED = Replaced by a newer version: check the current one.
headline-PENDING = Not a certificate yet: the application awaits a decision.
headline-REJECTED = Do not accept: the application was rejected.
headline-UNKNOWN = No such certificate is recorded. The ID may be mistyped, or the label counterfeit.
headline-UNVERIFIABLE = Cannot verify right now. Do not rely on this certificate until it can be checked.
headline-UNTRUSTED = Do not accept: no certifier's signature vouches for this record.
reason-unknown = No certificate { $id } is recorded on the ledger
reason-corrupt = The record is ACTIVE but has no issuance (corrupt)
reason-untrusted = The record says the certificate is in force, but its certifier's signature does not check out against the trust list
reason-pending = Application received; no certifier has decided yet
reason-rejected = Application rejected: { $reason }
reason-revoked = Revoked: { $reason }
reason-suspended = Suspended: { $reason }
reason-superseded = Superseded by { $newer }
reason-superseded-unnamed = Superseded by a newer version
reason-expired = The certificate's validity period has ended
reason-valid = Issued by { $issuer } and in force
reason-valid-flags = Issued by { $issuer } and in force; warning: { $count } supplier certificate(s) it depends on are not in force
reason-unverifiable-never = Cannot verify now: the verifier has not caught up with the ledger yet
reason-unverifiable-old = Cannot verify now: the verifier's data is { $n } s old
since-VALID = Issued
since-EXPIRED = Expired
since-PENDING = Applied
since-SUSPENDED = Suspended since
since-REVOKED = Revoked
since-REJECTED = Rejected
since-SUPERSEDED = Replaced
since-other = Since
status-PENDING = PENDING
status-REJECTED = REJECTED
status-ACTIVE = ACTIVE
status-SUSPENDED = SUSPENDED
status-REVOKED = REVOKED
status-SUPERSEDED = SUPERSEDED

## The verification page

fresh-certificate = Certificate
fresh-block = ledger block { $n }
fresh-checked = checked { $time }
age-never = never synced with the ledger
age-seconds = synced { $n } s ago
age-minutes = synced { $n } min ago
age-hours = synced { $n } h ago
age-days = synced { $n } days ago
token-older = The QR code is authentic but older than the ledger's record (the certificate was re-signed)
token-authentic = The QR code's signature is authentic
token-authentic-not-valid = The QR code's signature is authentic, but the certificate is { $verdict }
token-signed = Signed by { $issuer } with key { $key }, issued { $issued }, valid until { $until }. A signature proves the certificate was issued; the verdict above says whether it is still in force.
token-signed-expired = Signed by { $issuer } with key { $key }, issued { $issued }, valid until { $until } (expired). A signature proves the certificate was issued; the verdict above says whether it is still in force.
token-other-title = The QR code does not belong to this certificate
token-other-body = Its signed token is for { $certificate }. The label may have been tampered with.
token-failed-title = The QR code's signature does not check out
token-failed-body = The label may be forged or altered.
note-superseded-title = A newer version replaces this certificate
note-superseded-body = Check the current version:
note-supplier-title = Supplier certificate not in force
note-supplier-body = This product depends on { $certificate } which is { $status } since { $since }: { $reason }
card-last-known = Last known product (status not confirmed)
card-check-again = Check again
check-again-body = Compare the ID with the label. A certificate that the ledger does not know must not be accepted.
card-product = Product
card-nanomaterial = Nanomaterial
card-certificate = Certificate
card-history = History (newest first)
row-product = Product
row-gtin = GTIN
row-batch = Batch
row-batch-lot = Batch / lot
row-manufacturer = Manufacturer
row-supplier = Supplier
row-description = Description
row-substance = Substance
row-cas = CAS number
row-ec = EC number
row-eu-definition = EU definition
row-particle-size = Particle size
row-shape = Shape / surface
row-id = ID
row-record-status = Record status
row-issuer = Issuer
row-issuer-key = Issuer key
row-issued = Issued
row-valid-until = Valid until
row-applied = Applied
row-sds = Safety data sheet
row-replaces = Replaces
row-replaced-by = Replaced by
row-depends-on = Depends on
row-note = Note
eu-nanomaterial = Nanomaterial
eu-not-nanomaterial = Not a nanomaterial
particle-size = D50 { $d50 } nm (D10 { $d10 } – D90 { $d90 } nm), { $share } % in 1–100 nm
shape-Spherical = spherical
shape-Cubic = cubic
shape-Rod = rod
shape-Fibre = fibre
shape-Tube = tube
shape-Platelet = platelet
shape-Irregular = irregular
shape-Other = other
untreated = untreated
version = (version { $n })
status-since = { $status } since { $time }
validity-ended = (validity ended { $date })
issuer-withdrawn = { $issuer } — accreditation withdrawn on { $date } ({ $reason })
key-retired = on the trust list, retired { $date }
key-retired-why = on the trust list, retired { $date } ({ $reason })
key-held = on the trust list (held by { $holder })
key-not-trusted = NOT on the trust list
not-issued = not issued
sds-revision = revision { $n }
sds-unreviewed = Revision { $n }, declared by the manufacturer: no certifier has reviewed it yet, so it is not linked
resign-required = the data changed since signing (new SDS revision); it needs a fresh signature
history-by = by { $org }
history-more = and { $n } earlier entries (see the JSON API)
action-Applied = Applied
action-Approved = Approved
action-Rejected = Rejected
action-Suspended = Suspended
action-Reinstated = Reinstated
action-Revoked = Revoked
action-Renewed = Renewed
action-Superseded = Superseded
action-SdsUpdated = Safety data sheet updated
action-CredentialSigned = Credential signed
action-StatusPositionAssigned = Status list position assigned
action-DependencyFlagged = Supplier certificate flagged
action-DependencyCleared = Supplier flag cleared
link-qr-svg = QR code (SVG)
link-qr-png = QR code (PNG)
link-vc = Verifiable Credential
link-verify-another = Verify another

## Products (GS1)

lot = Lot
lot-none = No certificate is recorded for lot { $lot }.
lot-none-body = Do not accept a product of that lot as certified. The lots of this product that have certificates are listed below.
card-by-lot = Certificates by lot
card-verify-another = Verify another certificate
lots-first = Only the first { $n } lots are listed.
bad-product = Bad product
bad-gtin-text = The GTIN is not valid text.
bad-gtin = That is not a GTIN (8, 12, 13 or 14 digits with a valid check digit).
bad-link-title = Bad product link
bad-link = The product link is not a GS1 Digital Link this verifier can read.
product-none-title = No certificate for this product
product-none = No certificate is recorded for { $what }. Do not accept the product as certified.
product-stale = No certificate is known for this product, but the verifier cannot vouch for its data now.
gtin-lot = GTIN { $gtin }, lot { $lot }
choose-title = { $product }: choose a link
choose-intro = { $product } has { $n } links of type { $type }; choose one.
no-such-link-title = No such link for this product
no-such-link = This product has no link of type { $asked }. It has: { $available }, and linkType=linkset lists them all.

## Consignments

consignment-title = Check a consignment
consignment-intro = Scan the code on each package with the camera, one after another, or paste or upload a list. An item is a certificate ID, a verification URL (from a QR code), a GS1 Digital Link URI, or a GS1 element string such as
consignment-intro-end = : one per line, up to { $n }.
scan-start = Scan with the camera
scan-stop = Stop scanning
items-label = Items, one per line
upload-label = Or upload a list (CSV or text, the item in the first column)
check-list = Check the list
download-csv = Download the report (CSV)
scanned = Scanned
col-item = Item
col-verdict = Verdict
col-why = Certificate and why
scanned-note = Each scanned code is added to the list above: “Check the list” makes the printable report.
report-title = Consignment report
count-valid = { $n } valid
count-not-valid = { $n } not valid
count-not-checked = { $n } not checked
count-foreign-site =
    { $n ->
        [one] { $n } names another site
       *[other] { $n } name another site
    }
count-of =
    { $n ->
        [one] of { $n } item
       *[other] of { $n } items
    }
report-checked = Checked
report-block = Ledger block
block-none = none yet
report-verifier = Verifier
report-verifier-is = this NanoTrace public verifier’s copy of the ledger
report-digest = Report digest
report-digest-note = The digest is the SHA-256 of this report as CSV (the download below): keep both.
report-flagged = Not valid or not checked
print = Print
check-another = Check another consignment
refused-title = The list was not checked
refused-too-large = The list is too large for one request: split it (at most { $n } items).
refused-too-many = Too many lists in a short time: wait a moment and send it again.
refused-unreadable = The list cannot be read: one item per line, or CSV with the item in the first column.
back-to-consignment = Back to the consignment check
problem-none = Valid and in force
problem-malformed = Not an item this check can read
problem-not_found = No such certificate is recorded
problem-not_issued = Applied for, not issued
problem-expired = Expired
problem-suspended = Suspended by its certifier
problem-revoked = Revoked by its certifier
problem-superseded = Replaced by a newer certificate
problem-token_invalid = The QR code's signature does not check out
problem-untrusted = No certifier's signature vouches for the record
problem-lot_not_certified = No issued certificate for this lot
problem-no_lot = A product without a lot: scan the code that names the lot
problem-unverifiable = Cannot verify right now
problem-foreign_site = A verification link of another site, not this verifier: do not rely on what it shows
js-file-too-large = { $file } is larger than 1 MiB: split the list.
js-file-read = { $file }: { $n } lines in the list. Check the list, or scan more codes.
js-no-camera = This browser cannot scan with a camera here: paste or upload the list instead.
js-reader-failed = The barcode reader cannot start: { $message }
js-summary = { $n } scanned: { $valid } valid, { $not_valid } not valid, { $errors } not checked
js-not-checked = not checked: { $message }
js-checking = checking
js-read = Codes read: { $n }. Point the camera at the next one.
js-unreadable = The code cannot be read: { $message }
js-camera-refused = The camera cannot be used ({ $message }): allow it for this page, or paste the list.
js-point = Point the camera at a QR code or DataMatrix code.
js-stopped = Stopped. { $n } codes in the list.

## Without a connection (the installable app's offline check)

offline-title = Checked without a connection
offline-checking = Checking the QR code without a connection…
offline-checking-reason = This page runs when the verifier cannot be reached.
offline-details = What the QR code's signed token says
offline-about = Without a connection this page checks a scanned QR code's signature against the trust list saved the last time the verifier was reached, and, for a QR code that carries its place in the status lists, the revocation and suspension lists saved then. A change after that time cannot be seen: connect again for the current verdict.
offline-word-genuine = AUTHENTIC LABEL
offline-word-not-genuine = DO NOT ACCEPT
offline-genuine = The label is genuine, but whether the certificate is still in force cannot be checked without a connection.
offline-genuine-reason = Signed by { $issuer }, a certifier on the trust list.
offline-caveat = Checked offline against data from { $time }. A revocation or suspension cannot be seen this way: check again with a connection before relying on the certificate.
offline-expired = The certificate's validity ended on { $date }.
offline-not-genuine = The QR code's signature does not check out: the label may be forged or altered.
offline-cannot = Cannot check without a connection.
offline-no-token = Only a scanned QR code (a verification link with its signed code) can be checked without a connection. Connect to look up a certificate ID.
offline-no-data = No trust list is saved on this device yet: open this verifier once with a connection.
offline-stale = The trust list saved on this device is from { $time }, too old to rely on: connect to check.
offline-unreadable = The QR code's signed token cannot be read.
offline-other-certificate = The QR code's signed token is for another certificate, { $id }.
offline-unknown-key = The QR code was signed with key { $key }, which is not on the saved trust list.
offline-key-not-valid = Key { $key } was not in force when the QR code says it was signed.
offline-no-crypto = This browser cannot check signatures here ({ $message }).
offline-bad-signature = The signature does not match the QR code's contents.
offline-word-valid = VALID OFFLINE
offline-valid = The label is genuine, and the certificate was in force when this device last saved the status lists.
offline-valid-caveat = Checked offline against data from { $time }. A revocation or suspension after that time cannot be seen: check again with a connection for the current verdict.
offline-revoked = Revoked, or replaced by a renewal, according to the status list saved on { $time }.
offline-suspended = Suspended according to the status list saved on { $time }.
offline-bad-position = The QR code's place in the status lists is not signed by its certifier: the label may be forged or altered.
offline-lists-stale = The status lists saved on this device are from { $time }, too old to rely on: connect to check.
offline-no-position = This label cannot show a revocation or suspension without a connection: check it with a connection before relying on it.
offline-no-position-reason = Its signature is genuine (signed by { $issuer }), but the code does not carry the certificate's place in the status lists, and a code like it can be made from any issued certificate's public record, revoked or not.

## Request bodies refused before they are read (web/body_budget.rs)
body-too-large-title = Too large
body-too-large = The request is too large for one request: split the list.
body-busy-title = Busy
body-busy = The verifier is reading as many lists as it can at once. Please try again in a second.
body-unreadable = The request could not be read.
