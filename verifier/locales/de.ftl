# Die Seiten des öffentlichen Prüfdienstes auf Deutsch.
# Jede Nachricht von en.ftl steht auch hier (ein Unit-Test vergleicht die Dateien).

## Rahmen

brand-verify = Prüfen
switch-label = Sprache
footer = Öffentlicher Prüfdienst von NanoTrace — Antworten aus seiner Kopie des Zertifikatsregisters.
footer-api = JSON-Schnittstelle
search-label = Zertifikatsnummer (auf dem Etikett, unter dem QR-Code)
search-button = Prüfen
not-found-title = Seite nicht gefunden
not-found = Unter dieser Adresse gibt es keine Seite.
bad-request = Ungültige Anfrage
bad-redirect = Die Adresse kann nicht weitergeleitet werden.
bad-query = Die Abfrage der Adresse ist fehlerhaft.
cannot-verify-title = Derzeit keine Prüfung möglich
cannot-read-ledger = Der Prüfdienst kann seine Kopie des Registers nicht lesen.

## Suche

index-title = Ein Nanomaterial-Zertifikat prüfen
index-intro = Scannen Sie den QR-Code auf der Verpackung oder geben Sie die Zertifikatsnummer vom Etikett ein. Die Antwort kommt aus dem NanoTrace-Register und sagt, ob das Zertifikat jetzt gilt.
index-consignment = Eine Sendung prüfen? Scannen Sie die Packstücke nacheinander oder laden Sie eine Liste hoch
search-empty-title = Geben Sie eine Zertifikatsnummer ein
search-empty = Es wurde keine Zertifikatsnummer angegeben.
bad-id-title = Keine Zertifikatsnummer
bad-id-format = Eine Zertifikatsnummer besteht aus NT- und 12 Zeichen (Buchstaben A–Z und Ziffern 2–7), z. B. NT-ABCDEFGH2345.

## Urteile

verdict-VALID = GÜLTIG
verdict-EXPIRED = ABGELAUFEN
verdict-SUSPENDED = AUSGESETZT
verdict-REVOKED = WIDERRUFEN
verdict-SUPERSEDED = ERSETZT
verdict-PENDING = IN PRÜFUNG
verdict-REJECTED = ABGELEHNT
verdict-UNKNOWN = UNBEKANNT
verdict-UNVERIFIABLE = NICHT PRÜFBAR
verdict-UNTRUSTED = NICHT BEGLAUBIGT
verdict-ERROR = FEHLER
word-foreign-site = ANDERE SEITE
headline-VALID = Dieses Zertifikat ist gültig und in Kraft.
headline-EXPIRED = Nicht annehmen: Dieses Zertifikat ist abgelaufen.
headline-SUSPENDED = Nicht annehmen: Dieses Zertifikat ist ausgesetzt.
headline-REVOKED = Nicht annehmen: Dieses Zertifikat wurde widerrufen.
headline-SUPERSEDED = Durch eine neuere Fassung ersetzt: Prüfen Sie die aktuelle.
headline-PENDING = Noch kein Zertifikat: Über den Antrag ist noch nicht entschieden.
headline-REJECTED = Nicht annehmen: Der Antrag wurde abgelehnt.
headline-UNKNOWN = Ein solches Zertifikat ist nicht eingetragen. Die Nummer kann vertippt oder das Etikett gefälscht sein.
headline-UNVERIFIABLE = Derzeit keine Prüfung möglich. Verlassen Sie sich nicht auf dieses Zertifikat, bevor es geprüft werden kann.
headline-UNTRUSTED = Nicht annehmen: Keine Signatur einer Zertifizierungsstelle bestätigt diesen Eintrag.
reason-unknown = Im Register ist kein Zertifikat { $id } eingetragen
reason-corrupt = Der Eintrag ist AKTIV, hat aber keine Ausstellung (beschädigt)
reason-untrusted = Der Eintrag nennt das Zertifikat gültig, aber die Signatur seiner Zertifizierungsstelle lässt sich mit der Vertrauensliste nicht bestätigen
reason-pending = Antrag eingegangen; noch hat keine Zertifizierungsstelle entschieden
reason-rejected = Antrag abgelehnt: { $reason }
reason-revoked = Widerrufen: { $reason }
reason-suspended = Ausgesetzt: { $reason }
reason-superseded = Ersetzt durch { $newer }
reason-superseded-unnamed = Durch eine neuere Fassung ersetzt
reason-expired = Die Gültigkeitsdauer des Zertifikats ist abgelaufen
reason-valid = Ausgestellt von { $issuer } und in Kraft
reason-valid-flags = Ausgestellt von { $issuer } und in Kraft; Warnung: { $count } Lieferantenzertifikat(e), von denen es abhängt, gelten nicht
reason-unverifiable-never = Derzeit keine Prüfung möglich: Der Prüfdienst hat das Register noch nicht eingeholt
reason-unverifiable-old = Derzeit keine Prüfung möglich: Die Daten des Prüfdienstes sind { $n } s alt
since-VALID = Ausgestellt
since-EXPIRED = Abgelaufen
since-PENDING = Beantragt
since-SUSPENDED = Ausgesetzt seit
since-REVOKED = Widerrufen
since-REJECTED = Abgelehnt
since-SUPERSEDED = Ersetzt
since-other = Seit
status-PENDING = IN PRÜFUNG
status-REJECTED = ABGELEHNT
status-ACTIVE = AKTIV
status-SUSPENDED = AUSGESETZT
status-REVOKED = WIDERRUFEN
status-SUPERSEDED = ERSETZT

## Die Prüfseite

fresh-certificate = Zertifikat
fresh-block = Registerblock { $n }
fresh-checked = geprüft { $time }
age-never = noch nie mit dem Register abgeglichen
age-seconds = vor { $n } s abgeglichen
age-minutes = vor { $n } min abgeglichen
age-hours = vor { $n } h abgeglichen
age-days = vor { $n } Tagen abgeglichen
token-older = Der QR-Code ist echt, aber älter als der Eintrag im Register (das Zertifikat wurde neu signiert)
token-authentic = Die Signatur des QR-Codes ist echt
token-authentic-not-valid = Die Signatur des QR-Codes ist echt, aber das Zertifikat ist { $verdict }
token-signed = Signiert von { $issuer } mit dem Schlüssel { $key }, ausgestellt am { $issued }, gültig bis { $until }. Eine Signatur beweist, dass das Zertifikat ausgestellt wurde; ob es noch gilt, sagt das Urteil oben.
token-signed-expired = Signiert von { $issuer } mit dem Schlüssel { $key }, ausgestellt am { $issued }, gültig bis { $until } (abgelaufen). Eine Signatur beweist, dass das Zertifikat ausgestellt wurde; ob es noch gilt, sagt das Urteil oben.
token-other-title = Der QR-Code gehört nicht zu diesem Zertifikat
token-other-body = Sein signierter Nachweis gilt für { $certificate }. Das Etikett kann manipuliert worden sein.
token-failed-title = Die Signatur des QR-Codes ist nicht in Ordnung
token-failed-body = Das Etikett kann gefälscht oder verändert sein.
note-superseded-title = Eine neuere Fassung ersetzt dieses Zertifikat
note-superseded-body = Prüfen Sie die aktuelle Fassung:
note-supplier-title = Lieferantenzertifikat nicht in Kraft
note-supplier-body = Dieses Produkt hängt von { $certificate } ab, das seit { $since } { $status } ist: { $reason }
card-last-known = Zuletzt bekanntes Produkt (Status nicht bestätigt)
card-check-again = Erneut prüfen
check-again-body = Vergleichen Sie die Nummer mit dem Etikett. Ein Zertifikat, das das Register nicht kennt, darf nicht angenommen werden.
card-product = Produkt
card-nanomaterial = Nanomaterial
card-certificate = Zertifikat
card-history = Verlauf (neueste zuerst)
row-product = Produkt
row-gtin = GTIN
row-batch = Charge
row-batch-lot = Charge / Los
row-manufacturer = Hersteller
row-supplier = Lieferant
row-description = Beschreibung
row-substance = Stoff
row-cas = CAS-Nummer
row-ec = EG-Nummer
row-eu-definition = EU-Definition
row-particle-size = Partikelgröße
row-shape = Form / Oberfläche
row-id = Nummer
row-record-status = Status des Eintrags
row-issuer = Aussteller
row-issuer-key = Schlüssel des Ausstellers
row-issued = Ausgestellt
row-valid-until = Gültig bis
row-applied = Beantragt
row-sds = Sicherheitsdatenblatt
row-replaces = Ersetzt
row-replaced-by = Ersetzt durch
row-depends-on = Hängt ab von
row-note = Hinweis
eu-nanomaterial = Nanomaterial
eu-not-nanomaterial = Kein Nanomaterial
particle-size = D50 { $d50 } nm (D10 { $d10 } – D90 { $d90 } nm), { $share } % im Bereich 1–100 nm
shape-Spherical = kugelförmig
shape-Cubic = würfelförmig
shape-Rod = stäbchenförmig
shape-Fibre = faserförmig
shape-Tube = röhrenförmig
shape-Platelet = plättchenförmig
shape-Irregular = unregelmäßig
shape-Other = andere
untreated = unbehandelt
version = (Fassung { $n })
status-since = { $status } seit { $time }
validity-ended = (Gültigkeit endete am { $date })
issuer-withdrawn = { $issuer } — Akkreditierung entzogen am { $date } ({ $reason })
key-retired = auf der Vertrauensliste, außer Dienst seit { $date }
key-retired-why = auf der Vertrauensliste, außer Dienst seit { $date } ({ $reason })
key-held = auf der Vertrauensliste (gehalten von { $holder })
key-not-trusted = NICHT auf der Vertrauensliste
not-issued = nicht ausgestellt
sds-revision = Revision { $n }
sds-unreviewed = Revision { $n }, vom Hersteller gemeldet: noch von keiner Zertifizierungsstelle geprüft, daher nicht verlinkt
resign-required = die Daten haben sich seit der Signatur geändert (neue Revision des Sicherheitsdatenblatts); eine neue Signatur ist nötig
history-by = durch { $org }
history-more = und { $n } ältere Einträge (siehe JSON-Schnittstelle)
action-Applied = Beantragt
action-Approved = Genehmigt
action-Rejected = Abgelehnt
action-Suspended = Ausgesetzt
action-Reinstated = Wieder in Kraft gesetzt
action-Revoked = Widerrufen
action-Renewed = Erneuert
action-Superseded = Ersetzt
action-SdsUpdated = Sicherheitsdatenblatt aktualisiert
action-CredentialSigned = Nachweis signiert
action-StatusPositionAssigned = Platz in der Statusliste zugewiesen
action-DependencyFlagged = Lieferantenzertifikat markiert
action-DependencyCleared = Markierung des Lieferanten aufgehoben
link-qr-svg = QR-Code (SVG)
link-qr-png = QR-Code (PNG)
link-vc = Verifizierbarer Nachweis
link-verify-another = Ein weiteres prüfen

## Produkte (GS1)

lot = Los
lot-none = Für das Los { $lot } ist kein Zertifikat eingetragen.
lot-none-body = Nehmen Sie ein Produkt dieses Loses nicht als zertifiziert an. Die Lose dieses Produkts mit Zertifikat stehen unten.
card-by-lot = Zertifikate nach Los
card-verify-another = Ein weiteres Zertifikat prüfen
lots-first = Nur die ersten { $n } Lose sind aufgeführt.
bad-product = Ungültiges Produkt
bad-gtin-text = Die GTIN ist kein gültiger Text.
bad-gtin = Das ist keine GTIN (8, 12, 13 oder 14 Ziffern mit gültiger Prüfziffer).
bad-link-title = Ungültiger Produktlink
bad-link = Der Produktlink ist kein GS1 Digital Link, den dieser Prüfdienst lesen kann.
product-none-title = Kein Zertifikat für dieses Produkt
product-none = Für { $what } ist kein Zertifikat eingetragen. Nehmen Sie das Produkt nicht als zertifiziert an.
product-stale = Für dieses Produkt ist kein Zertifikat bekannt, aber der Prüfdienst kann sich derzeit nicht für seine Daten verbürgen.
gtin-lot = GTIN { $gtin }, Los { $lot }
choose-title = { $product }: Link auswählen
choose-intro = { $product } hat { $n } Links vom Typ { $type }; wählen Sie einen.
no-such-link-title = Kein solcher Link für dieses Produkt
no-such-link = Dieses Produkt hat keinen Link vom Typ { $asked }. Es hat: { $available }; linkType=linkset listet sie alle.

## Sendungen

consignment-title = Eine Sendung prüfen
consignment-intro = Scannen Sie den Code auf jedem Packstück nacheinander mit der Kamera, oder fügen Sie eine Liste ein oder laden Sie sie hoch. Ein Eintrag ist eine Zertifikatsnummer, eine Prüfadresse (aus einem QR-Code), eine GS1-Digital-Link-URI oder ein GS1-Elementstring wie
consignment-intro-end = : einer pro Zeile, höchstens { $n }.
scan-start = Mit der Kamera scannen
scan-stop = Scannen beenden
items-label = Einträge, einer pro Zeile
upload-label = Oder eine Liste hochladen (CSV oder Text, der Eintrag in der ersten Spalte)
check-list = Liste prüfen
download-csv = Bericht herunterladen (CSV)
scanned = Gescannt
col-item = Eintrag
col-verdict = Urteil
col-why = Zertifikat und Begründung
scanned-note = Jeder gescannte Code kommt in die Liste oben: „Liste prüfen“ erstellt den druckbaren Bericht.
report-title = Prüfbericht der Sendung
count-valid = { $n } gültig
count-not-valid = { $n } nicht gültig
count-not-checked = { $n } nicht geprüft
count-foreign-site =
    { $n ->
        [one] { $n } verweist auf eine andere Seite
       *[other] { $n } verweisen auf eine andere Seite
    }
count-of =
    { $n ->
        [one] von { $n } Eintrag
       *[other] von { $n } Einträgen
    }
report-checked = Geprüft
report-block = Registerblock
block-none = noch keiner
report-verifier = Prüfdienst
report-verifier-is = die Kopie des Registers dieses öffentlichen NanoTrace-Prüfdienstes
report-digest = Prüfsumme des Berichts
report-digest-note = Die Prüfsumme ist der SHA-256 dieses Berichts als CSV (der Download unten): Bewahren Sie beide auf.
report-flagged = Nicht gültig oder nicht geprüft
print = Drucken
check-another = Eine weitere Sendung prüfen
refused-title = Die Liste wurde nicht geprüft
refused-too-large = Die Liste ist für eine Anfrage zu groß: Teilen Sie sie (höchstens { $n } Einträge).
refused-too-many = Zu viele Listen in kurzer Zeit: Warten Sie einen Moment und senden Sie sie erneut.
refused-unreadable = Die Liste kann nicht gelesen werden: ein Eintrag pro Zeile, oder CSV mit dem Eintrag in der ersten Spalte.
back-to-consignment = Zurück zur Sendungsprüfung
problem-none = Gültig und in Kraft
problem-malformed = Kein Eintrag, den diese Prüfung lesen kann
problem-not_found = Ein solches Zertifikat ist nicht eingetragen
problem-not_issued = Beantragt, nicht ausgestellt
problem-expired = Abgelaufen
problem-suspended = Von der Zertifizierungsstelle ausgesetzt
problem-revoked = Von der Zertifizierungsstelle widerrufen
problem-superseded = Durch ein neueres Zertifikat ersetzt
problem-token_invalid = Die Signatur des QR-Codes ist nicht in Ordnung
problem-untrusted = Keine Signatur einer Zertifizierungsstelle bestätigt den Eintrag
problem-lot_not_certified = Kein ausgestelltes Zertifikat für dieses Los
problem-no_lot = Ein Produkt ohne Los: Scannen Sie den Code, der das Los nennt
problem-unverifiable = Derzeit keine Prüfung möglich
problem-foreign_site = Ein Prüflink einer anderen Seite, nicht dieses Prüfdienstes: nicht auf das Angezeigte verlassen
js-file-too-large = { $file } ist größer als 1 MiB: Teilen Sie die Liste.
js-file-read = { $file }: { $n } Zeilen in der Liste. Prüfen Sie die Liste oder scannen Sie weitere Codes.
js-no-camera = Dieser Browser kann hier nicht mit der Kamera scannen: Fügen Sie die Liste ein oder laden Sie sie hoch.
js-reader-failed = Der Barcodeleser kann nicht starten: { $message }
js-summary = { $n } gescannt: { $valid } gültig, { $not_valid } nicht gültig, { $errors } nicht geprüft
js-not-checked = nicht geprüft: { $message }
js-checking = wird geprüft
js-read = Gelesene Codes: { $n }. Richten Sie die Kamera auf den nächsten.
js-unreadable = Der Code kann nicht gelesen werden: { $message }
js-camera-refused = Die Kamera kann nicht verwendet werden ({ $message }): Erlauben Sie sie für diese Seite oder fügen Sie die Liste ein.
js-point = Richten Sie die Kamera auf einen QR-Code oder DataMatrix-Code.
js-stopped = Beendet. { $n } Codes in der Liste.

## Ohne Verbindung (die Offline-Prüfung der installierbaren App)

offline-title = Ohne Verbindung geprüft
offline-checking = Der QR-Code wird ohne Verbindung geprüft…
offline-checking-reason = Diese Seite erscheint, wenn der Prüfdienst nicht erreichbar ist.
offline-details = Was der signierte Nachweis des QR-Codes sagt
offline-about = Ohne Verbindung prüft diese Seite die Signatur eines gescannten QR-Codes gegen die Vertrauensliste, die beim letzten Kontakt mit dem Prüfdienst gespeichert wurde, und bei einem QR-Code mit seinem Platz in den Statuslisten die damals gespeicherten Widerrufs- und Aussetzungslisten. Eine spätere Änderung ist nicht zu sehen: Für das aktuelle Urteil verbinden Sie sich erneut.
offline-word-genuine = ECHTES ETIKETT
offline-word-not-genuine = NICHT ANNEHMEN
offline-genuine = Das Etikett ist echt, aber ob das Zertifikat noch gilt, lässt sich ohne Verbindung nicht prüfen.
offline-genuine-reason = Signiert von { $issuer }, einer Zertifizierungsstelle auf der Vertrauensliste.
offline-caveat = Ohne Verbindung geprüft, mit Daten vom { $time }. Ein Widerruf oder eine Aussetzung ist so nicht zu sehen: Prüfen Sie erneut mit Verbindung, bevor Sie sich auf das Zertifikat verlassen.
offline-expired = Die Gültigkeit des Zertifikats endete am { $date }.
offline-not-genuine = Die Signatur des QR-Codes ist nicht in Ordnung: Das Etikett kann gefälscht oder verändert sein.
offline-cannot = Ohne Verbindung keine Prüfung möglich.
offline-no-token = Ohne Verbindung lässt sich nur ein gescannter QR-Code (ein Prüflink mit seinem signierten Code) prüfen. Für eine Zertifikatsnummer verbinden Sie sich.
offline-no-data = Auf diesem Gerät ist noch keine Vertrauensliste gespeichert: Öffnen Sie diesen Prüfdienst einmal mit Verbindung.
offline-stale = Die auf diesem Gerät gespeicherte Vertrauensliste ist vom { $time }, zu alt, um sich darauf zu verlassen: Verbinden Sie sich zur Prüfung.
offline-unreadable = Der signierte Nachweis des QR-Codes kann nicht gelesen werden.
offline-other-certificate = Der signierte Nachweis des QR-Codes gilt für ein anderes Zertifikat, { $id }.
offline-unknown-key = Der QR-Code wurde mit dem Schlüssel { $key } signiert, der nicht auf der gespeicherten Vertrauensliste steht.
offline-key-not-valid = Der Schlüssel { $key } war nicht in Kraft, als der QR-Code nach eigener Angabe signiert wurde.
offline-no-crypto = Dieser Browser kann hier keine Signaturen prüfen ({ $message }).
offline-bad-signature = Die Signatur passt nicht zum Inhalt des QR-Codes.
offline-word-valid = GÜLTIG (OFFLINE)
offline-valid = Das Etikett ist echt, und das Zertifikat war in Kraft, als dieses Gerät die Statuslisten zuletzt gespeichert hat.
offline-valid-caveat = Ohne Verbindung geprüft, mit Daten vom { $time }. Ein späterer Widerruf oder eine spätere Aussetzung ist so nicht zu sehen: Prüfen Sie für das aktuelle Urteil erneut mit Verbindung.
offline-revoked = Widerrufen oder durch eine Verlängerung ersetzt, laut der am { $time } gespeicherten Statusliste.
offline-suspended = Ausgesetzt laut der am { $time } gespeicherten Statusliste.
offline-bad-position = Der Platz des QR-Codes in den Statuslisten ist nicht von seiner Zertifizierungsstelle signiert: Das Etikett kann gefälscht oder verändert sein.
offline-lists-stale = Die auf diesem Gerät gespeicherten Statuslisten sind vom { $time }, zu alt, um sich darauf zu verlassen: Verbinden Sie sich zur Prüfung.
offline-no-position = Dieses Etikett kann ohne Verbindung keinen Widerruf und keine Aussetzung zeigen: Prüfen Sie es mit Verbindung, bevor Sie sich darauf verlassen.
offline-no-position-reason = Seine Signatur ist echt (signiert von { $issuer }), aber der Code trägt nicht den Platz des Zertifikats in den Statuslisten, und ein solcher Code lässt sich aus dem öffentlichen Eintrag jedes ausgestellten Zertifikats erstellen, ob widerrufen oder nicht.

## Request bodies refused before they are read (web/body_budget.rs)
body-too-large-title = Zu groß
body-too-large = Die Anfrage ist für eine einzelne Anfrage zu groß: Teilen Sie die Liste auf.
body-busy-title = Ausgelastet
body-busy = Der Verifizierer liest gerade so viele Listen, wie er gleichzeitig kann. Bitte versuchen Sie es in einer Sekunde erneut.
body-unreadable = Die Anfrage konnte nicht gelesen werden.
