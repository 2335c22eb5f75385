# Les pages du service public de vérification en français.
# Chaque message de en.ftl figure aussi ici (un test unitaire compare les fichiers).

## Cadre

brand-verify = Vérifier
switch-label = Langue
footer = Service public de vérification NanoTrace — réponses tirées de sa copie du registre des certificats.
footer-api = API JSON
search-label = Numéro du certificat (sur l’étiquette, sous le code QR)
search-button = Vérifier
not-found-title = Page introuvable
not-found = Il n’y a pas de page à cette adresse.
bad-request = Requête invalide
bad-redirect = L’adresse ne peut pas être redirigée.
bad-query = La requête de l’adresse est mal formée.
cannot-verify-title = Vérification impossible pour le moment
cannot-read-ledger = Le service de vérification ne peut pas lire sa copie du registre.

## Recherche

index-title = Vérifier un certificat de nanomatériau
index-intro = Scannez le code QR de l’emballage ou saisissez le numéro du certificat imprimé sur l’étiquette. La réponse vient du registre NanoTrace et indique si le certificat est en vigueur maintenant.
index-consignment = Vous contrôlez un envoi ? Scannez les colis l’un après l’autre, ou téléversez une liste
search-empty-title = Saisissez un numéro de certificat
search-empty = Aucun numéro de certificat n’a été donné.
bad-id-title = Ce n’est pas un numéro de certificat
bad-id-format = Un numéro de certificat est NT- suivi de 12 caractères (lettres A–Z et chiffres 2–7), par exemple NT-ABCDEFGH2345.

## Verdicts

verdict-VALID = VALIDE
verdict-EXPIRED = EXPIRÉ
verdict-SUSPENDED = SUSPENDU
verdict-REVOKED = RÉVOQUÉ
verdict-SUPERSEDED = REMPLACÉ
verdict-PENDING = EN ATTENTE
verdict-REJECTED = REJETÉ
verdict-UNKNOWN = INCONNU
verdict-UNVERIFIABLE = INVÉRIFIABLE
verdict-UNTRUSTED = NON AUTHENTIFIÉ
verdict-ERROR = ERREUR
word-foreign-site = AUTRE SITE
headline-VALID = Ce certificat est valide et en vigueur.
headline-EXPIRED = À refuser : ce certificat a expiré.
headline-SUSPENDED = À refuser : ce certificat est suspendu.
headline-REVOKED = À refuser : ce certificat a été révoqué.
headline-SUPERSEDED = Remplacé par une version plus récente : vérifiez la version actuelle.
headline-PENDING = Pas encore un certificat : la demande attend une décision.
headline-REJECTED = À refuser : la demande a été rejetée.
headline-UNKNOWN = Aucun certificat de ce numéro n’est enregistré. Le numéro est peut-être mal saisi, ou l’étiquette contrefaite.
headline-UNVERIFIABLE = Vérification impossible pour le moment. Ne vous fiez pas à ce certificat avant qu’il puisse être vérifié.
headline-UNTRUSTED = À refuser : aucune signature d’un certificateur ne garantit cet enregistrement.
reason-unknown = Aucun certificat { $id } n’est enregistré dans le registre
reason-corrupt = L’enregistrement est ACTIF mais sans délivrance (corrompu)
reason-untrusted = L’enregistrement dit le certificat en vigueur, mais la signature de son certificateur ne se vérifie pas avec la liste de confiance
reason-pending = Demande reçue ; aucun organisme certificateur n’a encore décidé
reason-rejected = Demande rejetée : { $reason }
reason-revoked = Révoqué : { $reason }
reason-suspended = Suspendu : { $reason }
reason-superseded = Remplacé par { $newer }
reason-superseded-unnamed = Remplacé par une version plus récente
reason-expired = La période de validité du certificat est terminée
reason-valid = Délivré par { $issuer } et en vigueur
reason-valid-flags = Délivré par { $issuer } et en vigueur ; attention : { $count } certificat(s) de fournisseur dont il dépend ne sont pas en vigueur
reason-unverifiable-never = Vérification impossible pour le moment : le service n’a pas encore rattrapé le registre
reason-unverifiable-old = Vérification impossible pour le moment : les données du service datent de { $n } s
since-VALID = Délivré
since-EXPIRED = Expiré
since-PENDING = Demandé
since-SUSPENDED = Suspendu depuis
since-REVOKED = Révoqué
since-REJECTED = Rejeté
since-SUPERSEDED = Remplacé
since-other = Depuis
status-PENDING = EN ATTENTE
status-REJECTED = REJETÉ
status-ACTIVE = ACTIF
status-SUSPENDED = SUSPENDU
status-REVOKED = RÉVOQUÉ
status-SUPERSEDED = REMPLACÉ

## La page de vérification

fresh-certificate = Certificat
fresh-block = bloc { $n } du registre
fresh-checked = vérifié le { $time }
age-never = jamais synchronisé avec le registre
age-seconds = synchronisé il y a { $n } s
age-minutes = synchronisé il y a { $n } min
age-hours = synchronisé il y a { $n } h
age-days = synchronisé il y a { $n } jours
token-older = Le code QR est authentique mais antérieur à l’enregistrement du registre (le certificat a été signé à nouveau)
token-authentic = La signature du code QR est authentique
token-authentic-not-valid = La signature du code QR est authentique, mais le certificat est { $verdict }
token-signed = Signé par { $issuer } avec la clé { $key }, délivré le { $issued }, valable jusqu’au { $until }. Une signature prouve que le certificat a été délivré ; le verdict ci-dessus dit s’il est encore en vigueur.
token-signed-expired = Signé par { $issuer } avec la clé { $key }, délivré le { $issued }, valable jusqu’au { $until } (expiré). Une signature prouve que le certificat a été délivré ; le verdict ci-dessus dit s’il est encore en vigueur.
token-other-title = Le code QR n’appartient pas à ce certificat
token-other-body = Son jeton signé concerne { $certificate }. L’étiquette a peut-être été falsifiée.
token-failed-title = La signature du code QR n’est pas valable
token-failed-body = L’étiquette est peut-être contrefaite ou modifiée.
note-superseded-title = Une version plus récente remplace ce certificat
note-superseded-body = Vérifiez la version actuelle :
note-supplier-title = Certificat du fournisseur pas en vigueur
note-supplier-body = Ce produit dépend de { $certificate }, { $status } depuis le { $since } : { $reason }
card-last-known = Dernier produit connu (statut non confirmé)
card-check-again = Vérifier à nouveau
check-again-body = Comparez le numéro avec l’étiquette. Un certificat inconnu du registre ne doit pas être accepté.
card-product = Produit
card-nanomaterial = Nanomatériau
card-certificate = Certificat
card-history = Historique (le plus récent d’abord)
row-product = Produit
row-gtin = GTIN
row-batch = Lot de fabrication
row-batch-lot = Lot
row-manufacturer = Fabricant
row-supplier = Fournisseur
row-description = Description
row-substance = Substance
row-cas = Numéro CAS
row-ec = Numéro CE
row-eu-definition = Définition de l’UE
row-particle-size = Taille des particules
row-shape = Forme / surface
row-id = Numéro
row-record-status = Statut de l’enregistrement
row-issuer = Émetteur
row-issuer-key = Clé de l’émetteur
row-issued = Délivré
row-valid-until = Valable jusqu’au
row-applied = Demandé
row-sds = Fiche de données de sécurité
row-replaces = Remplace
row-replaced-by = Remplacé par
row-depends-on = Dépend de
row-note = Remarque
eu-nanomaterial = Nanomatériau
eu-not-nanomaterial = Pas un nanomatériau
particle-size = D50 { $d50 } nm (D10 { $d10 } – D90 { $d90 } nm), { $share } % entre 1 et 100 nm
shape-Spherical = sphérique
shape-Cubic = cubique
shape-Rod = en bâtonnet
shape-Fibre = fibreux
shape-Tube = tubulaire
shape-Platelet = en plaquettes
shape-Irregular = irrégulier
shape-Other = autre
untreated = non traité
version = (version { $n })
status-since = { $status } depuis le { $time }
validity-ended = (validité terminée le { $date })
issuer-withdrawn = { $issuer } — accréditation retirée le { $date } ({ $reason })
key-retired = sur la liste de confiance, retirée le { $date }
key-retired-why = sur la liste de confiance, retirée le { $date } ({ $reason })
key-held = sur la liste de confiance (détenue par { $holder })
key-not-trusted = PAS sur la liste de confiance
not-issued = non délivré
sds-revision = révision { $n }
sds-unreviewed = Révision { $n }, déclarée par le fabricant : aucun certificateur ne l’a encore examinée, elle n’est donc pas liée
resign-required = les données ont changé depuis la signature (nouvelle révision de la fiche de données de sécurité) ; une nouvelle signature est nécessaire
history-by = par { $org }
history-more = et { $n } entrées plus anciennes (voir l’API JSON)
action-Applied = Demandé
action-Approved = Approuvé
action-Rejected = Rejeté
action-Suspended = Suspendu
action-Reinstated = Rétabli
action-Revoked = Révoqué
action-Renewed = Renouvelé
action-Superseded = Remplacé
action-SdsUpdated = Fiche de données de sécurité mise à jour
action-CredentialSigned = Attestation signée
action-StatusPositionAssigned = Position dans la liste de statut attribuée
action-DependencyFlagged = Certificat du fournisseur signalé
action-DependencyCleared = Signalement du fournisseur levé
link-qr-svg = Code QR (SVG)
link-qr-png = Code QR (PNG)
link-vc = Attestation vérifiable
link-verify-another = En vérifier un autre

## Produits (GS1)

lot = Lot
lot-none = Aucun certificat n’est enregistré pour le lot { $lot }.
lot-none-body = N’acceptez pas un produit de ce lot comme certifié. Les lots de ce produit qui ont un certificat sont listés ci-dessous.
card-by-lot = Certificats par lot
card-verify-another = Vérifier un autre certificat
lots-first = Seuls les { $n } premiers lots sont listés.
bad-product = Produit invalide
bad-gtin-text = Le GTIN n’est pas un texte valable.
bad-gtin = Ce n’est pas un GTIN (8, 12, 13 ou 14 chiffres avec une clé de contrôle valable).
bad-link-title = Lien produit invalide
bad-link = Le lien produit n’est pas un GS1 Digital Link que ce service sait lire.
product-none-title = Aucun certificat pour ce produit
product-none = Aucun certificat n’est enregistré pour { $what }. N’acceptez pas le produit comme certifié.
product-stale = Aucun certificat n’est connu pour ce produit, mais le service ne peut pas garantir ses données pour le moment.
gtin-lot = GTIN { $gtin }, lot { $lot }
choose-title = { $product } : choisissez un lien
choose-intro = { $product } a { $n } liens de type { $type } ; choisissez-en un.
no-such-link-title = Pas de tel lien pour ce produit
no-such-link = Ce produit n’a pas de lien de type { $asked }. Il a : { $available } ; linkType=linkset les liste tous.

## Envois

consignment-title = Contrôler un envoi
consignment-intro = Scannez le code de chaque colis avec la caméra, l’un après l’autre, ou collez ou téléversez une liste. Un élément est un numéro de certificat, une adresse de vérification (d’un code QR), une URI GS1 Digital Link ou une chaîne d’éléments GS1 comme
consignment-intro-end = : un par ligne, { $n } au plus.
scan-start = Scanner avec la caméra
scan-stop = Arrêter de scanner
items-label = Éléments, un par ligne
upload-label = Ou téléversez une liste (CSV ou texte, l’élément dans la première colonne)
check-list = Vérifier la liste
download-csv = Télécharger le rapport (CSV)
scanned = Scannés
col-item = Élément
col-verdict = Verdict
col-why = Certificat et motif
scanned-note = Chaque code scanné s’ajoute à la liste ci-dessus : « Vérifier la liste » produit le rapport imprimable.
report-title = Rapport de contrôle de l’envoi
count-valid =
    { $n ->
        [one] { $n } valide
       *[other] { $n } valides
    }
count-not-valid =
    { $n ->
        [one] { $n } non valide
       *[other] { $n } non valides
    }
count-not-checked =
    { $n ->
        [one] { $n } non vérifié
       *[other] { $n } non vérifiés
    }
count-foreign-site =
    { $n ->
        [one] { $n } renvoie à un autre site
       *[other] { $n } renvoient à un autre site
    }
count-of =
    { $n ->
        [one] sur { $n } élément
       *[other] sur { $n } éléments
    }
report-checked = Vérifié le
report-block = Bloc du registre
block-none = aucun encore
report-verifier = Service de vérification
report-verifier-is = la copie du registre de ce service public de vérification NanoTrace
report-digest = Empreinte du rapport
report-digest-note = L’empreinte est le SHA-256 de ce rapport au format CSV (le téléchargement ci-dessous) : conservez les deux.
report-flagged = Non valides ou non vérifiés
print = Imprimer
check-another = Contrôler un autre envoi
refused-title = La liste n’a pas été vérifiée
refused-too-large = La liste est trop grande pour une seule requête : divisez-la ({ $n } éléments au plus).
refused-too-many = Trop de listes en peu de temps : patientez un instant puis renvoyez-la.
refused-unreadable = La liste est illisible : un élément par ligne, ou un CSV avec l’élément dans la première colonne.
back-to-consignment = Retour au contrôle d’envoi
problem-none = Valide et en vigueur
problem-malformed = Pas un élément que ce contrôle sait lire
problem-not_found = Aucun certificat de ce numéro n’est enregistré
problem-not_issued = Demandé, non délivré
problem-expired = Expiré
problem-suspended = Suspendu par son organisme certificateur
problem-revoked = Révoqué par son organisme certificateur
problem-superseded = Remplacé par un certificat plus récent
problem-token_invalid = La signature du code QR n’est pas valable
problem-untrusted = Aucune signature d’un certificateur ne garantit l’enregistrement
problem-lot_not_certified = Aucun certificat délivré pour ce lot
problem-no_lot = Un produit sans lot : scannez le code qui indique le lot
problem-unverifiable = Vérification impossible pour le moment
problem-foreign_site = Un lien de vérification d’un autre site, pas de ce vérificateur : ne pas se fier à ce qu’il affiche
js-file-too-large = { $file } dépasse 1 Mio : divisez la liste.
js-file-read = { $file } : { $n } lignes dans la liste. Vérifiez la liste, ou scannez d’autres codes.
js-no-camera = Ce navigateur ne peut pas scanner avec une caméra ici : collez ou téléversez la liste.
js-reader-failed = Le lecteur de codes ne peut pas démarrer : { $message }
js-summary = { $n } scannés : { $valid } valides, { $not_valid } non valides, { $errors } non vérifiés
js-not-checked = non vérifié : { $message }
js-checking = vérification en cours
js-read = Codes lus : { $n }. Visez le code suivant avec la caméra.
js-unreadable = Le code est illisible : { $message }
js-camera-refused = La caméra ne peut pas être utilisée ({ $message }) : autorisez-la pour cette page, ou collez la liste.
js-point = Visez un code QR ou un code DataMatrix avec la caméra.
js-stopped = Arrêté. { $n } codes dans la liste.

## Sans connexion (la vérification hors ligne de l’application installable)

offline-title = Vérifié sans connexion
offline-checking = Vérification du code QR sans connexion…
offline-checking-reason = Cette page s’affiche quand le service de vérification est injoignable.
offline-details = Ce que dit le jeton signé du code QR
offline-about = Sans connexion, cette page vérifie la signature d’un code QR scanné avec la liste de confiance enregistrée lors du dernier contact avec le service et, pour un code QR qui porte sa place dans les listes de statut, les listes de révocation et de suspension enregistrées alors. Un changement ultérieur ne se voit pas : reconnectez-vous pour obtenir le verdict actuel.
offline-word-genuine = ÉTIQUETTE AUTHENTIQUE
offline-word-not-genuine = À REFUSER
offline-genuine = L’étiquette est authentique, mais on ne peut pas vérifier sans connexion si le certificat est encore en vigueur.
offline-genuine-reason = Signé par { $issuer }, un organisme certificateur de la liste de confiance.
offline-caveat = Vérifié hors ligne avec des données du { $time }. Une révocation ou une suspension ne se voit pas ainsi : vérifiez de nouveau avec une connexion avant de vous fier au certificat.
offline-expired = La validité du certificat a pris fin le { $date }.
offline-not-genuine = La signature du code QR n’est pas valable : l’étiquette est peut-être contrefaite ou modifiée.
offline-cannot = Vérification impossible sans connexion.
offline-no-token = Sans connexion, seul un code QR scanné (un lien de vérification avec son code signé) peut être vérifié. Connectez-vous pour chercher un numéro de certificat.
offline-no-data = Aucune liste de confiance n’est encore enregistrée sur cet appareil : ouvrez une fois ce service avec une connexion.
offline-stale = La liste de confiance enregistrée sur cet appareil date du { $time }, trop ancienne pour s’y fier : connectez-vous pour vérifier.
offline-unreadable = Le jeton signé du code QR est illisible.
offline-other-certificate = Le jeton signé du code QR concerne un autre certificat, { $id }.
offline-unknown-key = Le code QR a été signé avec la clé { $key }, absente de la liste de confiance enregistrée.
offline-key-not-valid = La clé { $key } n’était pas en vigueur au moment où le code QR dit avoir été signé.
offline-no-crypto = Ce navigateur ne peut pas vérifier de signatures ici ({ $message }).
offline-bad-signature = La signature ne correspond pas au contenu du code QR.
offline-word-valid = VALIDE (HORS LIGNE)
offline-valid = L’étiquette est authentique, et le certificat était en vigueur quand cet appareil a enregistré les listes de statut pour la dernière fois.
offline-valid-caveat = Vérifié hors ligne avec des données du { $time }. Une révocation ou une suspension ultérieure ne se voit pas : vérifiez de nouveau avec une connexion pour obtenir le verdict actuel.
offline-revoked = Révoqué, ou remplacé par un renouvellement, selon la liste de statut enregistrée le { $time }.
offline-suspended = Suspendu selon la liste de statut enregistrée le { $time }.
offline-bad-position = La place du code QR dans les listes de statut n’est pas signée par son organisme certificateur : l’étiquette est peut-être contrefaite ou modifiée.
offline-lists-stale = Les listes de statut enregistrées sur cet appareil datent du { $time }, trop anciennes pour s’y fier : connectez-vous pour vérifier.
offline-no-position = Sans connexion, cette étiquette ne peut montrer ni révocation ni suspension : vérifiez-la avec une connexion avant de vous y fier.
offline-no-position-reason = Sa signature est authentique (signée par { $issuer }), mais le code ne porte pas la place du certificat dans les listes de statut, et un tel code peut être fait à partir de l’enregistrement public de tout certificat émis, révoqué ou non.

## Request bodies refused before they are read (web/body_budget.rs)
body-too-large-title = Trop volumineux
body-too-large = La requête est trop volumineuse pour une seule requête : divisez la liste.
body-busy-title = Occupé
body-busy = Le vérificateur lit déjà autant de listes qu’il le peut à la fois. Veuillez réessayer dans une seconde.
body-unreadable = La requête n’a pas pu être lue.
