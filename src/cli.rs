//! The command line: flags, subcommands and their help texts (`nanotrace --help`).
//! Global flags fall back to environment variables: `NANOTRACE_NETWORK`,
//! `NANOTRACE_PROFILE`, `NANOTRACE_DATA_DIR`, `NANOTRACE_IDENTITY`,
//! `NANOTRACE_VERIFY_URL`, `NANOTRACE_LOG`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use nanotrace_model::CertificateStatus;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "nanotrace", version, about = "Certificates for nanomaterial products, recorded on a ledger", long_about = None)]
pub(crate) struct Cli {
    /// The ledger to run on: the embedded one in --data-dir, or a Hyperledger Fabric
    /// network through its Gateway (needs --profile).
    #[arg(long, global = true, value_enum, env = "NANOTRACE_NETWORK", default_value = "embedded")]
    pub(crate) network: NetworkArg,
    /// Connection profile for --network fabric: gateway peer, TLS CA, identity, channel
    /// and chaincode (`scripts/network.sh up` writes one per org user to
    /// .run/fabric/profiles/<org>-<user>.yaml). The profile's identity acts; --as is not used.
    #[arg(long, global = true, env = "NANOTRACE_PROFILE", value_name = "PATH")]
    pub(crate) profile: Option<PathBuf>,
    /// Data directory of the embedded ledger and its local identities [default:
    /// ./nanotrace-data; for `demo`, a new temporary directory].
    #[arg(long, global = true, env = "NANOTRACE_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Identity to act as (see `nanotrace identity list`); embedded ledger only.
    #[arg(long = "as", global = true, env = "NANOTRACE_IDENTITY", value_name = "NAME")]
    pub(crate) identity: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Base URL of the verification service, used in QR codes and, in Verifiable
    /// Credentials, as the home of the status lists (`/api/v1/status/...`).
    #[arg(long, global = true, env = "NANOTRACE_VERIFY_URL", default_value = "http://127.0.0.1:8080")]
    pub(crate) verify_url: String,
    /// Log filter (e.g. `info`, `nanotrace_ledger=debug`).
    #[arg(long, global = true, env = "NANOTRACE_LOG", default_value = "warn")]
    pub(crate) log: String,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run the whole lifecycle on a fresh embedded ledger: apply, approve, verify, suspend, revoke (embedded only).
    Demo,
    /// Create the sample network in the data directory (regulator, certifier, manufacturer; embedded only).
    Init,
    /// Local identities of the embedded ledger (embedded only).
    #[command(subcommand)]
    Identity(IdentityCmd),
    /// Create the governance record; the caller, an admin of its organisation, becomes the
    /// network's first admin (`init` does this on a new embedded ledger).
    Bootstrap,
    /// Register an organisation (admin).
    RegisterOrg {
        msp_id: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        kind: Kind,
        /// It runs no peers (its members use another organisation's gateway): its records
        /// are then protected by the chaincode policy (two organisations), not by a peer of
        /// its own that could never endorse.
        #[arg(long)]
        without_peers: bool,
    },
    /// Retire an organisation (admin; `RetireOrganization`): a certification body that lost
    /// its accreditation, a manufacturer that left. Its members' roles end and its issuer
    /// keys are retired; its certificates stay as they are, the verifier showing the
    /// issuer's accreditation as withdrawn. Then remove its MSP from the channel (on
    /// Fabric: docs/CONSORTIUM.md).
    RetireOrg {
        msp_id: String,
        /// Why (one line), shown with its certificates.
        #[arg(long)]
        reason: String,
    },
    /// Set a manufacturer's GS1 Company Prefixes, the GTINs its members may apply for
    /// (admin). The list replaces the one before; no prefix at all takes every one away.
    CompanyPrefixes {
        msp_id: String,
        /// Each 4 to 12 digits, as GS1 licensed it.
        #[arg(value_name = "PREFIX")]
        prefixes: Vec<String>,
    },
    /// Set the verifier URLs a certification body's Verifiable Credentials may name for
    /// their status lists (admin; `SetStatusBases`), replacing those it had: `vc sign`
    /// refuses any other --verify-url, and verifiers serve no credential naming another.
    /// No URL: none (its certifiers sign no credential until it has one).
    StatusBases {
        /// The certification body's MSP ID.
        msp_id: String,
        /// Verifier base URLs (http or https, no query, fragment or trailing slash; at most 4).
        #[arg(value_name = "URL")]
        urls: Vec<String>,
    },
    /// Grant a role to an identity (admin).
    Grant {
        /// A local identity name; with --network fabric, the member's role request code,
        /// which `nanotrace whoami --code` prints on the member's own host (the admin holds
        /// nothing of the member's). (Not called `identity`: that is the global --as,
        /// whose value it would replace.)
        #[arg(value_name = "IDENTITY")]
        member: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Revoke a role from an identity (admin).
    Ungrant {
        /// A local identity name; with --network fabric, the holder's role request code
        /// (`nanotrace whoami --code` on its host).
        #[arg(value_name = "IDENTITY")]
        member: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Hand your roles to a new key of your own identity (a re-enrolled certificate): signed
    /// by the key that holds them (--as, the old identity); after it, only the new key
    /// holds them.
    ApproveKey {
        /// The new certificate: a local identity name holding it; with --network fabric,
        /// its connection profile.
        #[arg(value_name = "NEW_IDENTITY", required_unless_present = "key", conflicts_with = "key")]
        new: Option<String>,
        /// Or the new key itself, as `whoami` shows it (64 hex characters).
        #[arg(long)]
        key: Option<String>,
    },
    /// The issuer trust list and certifiers' Ed25519 keys.
    #[command(subcommand)]
    Key(KeyCmd),
    /// A certification body's fees for a manufacturer (private to the two).
    #[command(subcommand)]
    Fees(FeesCmd),
    /// A certification body's quote for an application (private to the two).
    #[command(subcommand)]
    Quote(QuoteCmd),
    /// Set an organisation's billing details (admin; `SetBillingDetails`): the legal name,
    /// address and VAT identifier its invoices state and, for a certification body, the
    /// account it is paid to. Public, on the organisation's record.
    BillingDetails {
        /// The organisation's MSP ID.
        msp_id: String,
        /// The details as JSON (`-` = stdin), as examples/billing-details-body.json.
        #[arg(long)]
        file: PathBuf,
    },
    /// A certification body's invoices and credit notes (private to the body and the
    /// manufacturer).
    #[command(subcommand)]
    Invoice(InvoiceCmd),
    /// Import a camt.053 bank statement of your certification body's account (finance;
    /// `ImportStatement`): its credits are matched to your invoices by the creditor
    /// reference each prints; partial, over- and unmatched payments are reported, never
    /// applied silently; a statement imported again changes nothing.
    ImportStatement {
        /// The camt.053 file as the bank delivered it (`-` = stdin).
        file: PathBuf,
    },
    /// Apply for a certificate (manufacturer). The file holds one application as JSON (`-` = stdin).
    ///
    /// With a client reference (`--client-ref`, or `client_ref` in the JSON), applying
    /// again is safe: the same application under the same reference answers the
    /// certificate already recorded and creates nothing; another application under it
    /// is refused (CONFLICT).
    Apply {
        #[arg(long)]
        file: PathBuf,
        /// Your reference for this application (1-128 of A-Z a-z 0-9 . _ : -), unique in
        /// your organisation; replaces `client_ref` in the file.
        #[arg(long)]
        client_ref: Option<String>,
    },
    /// Approve a pending application, signing it with your issuer key (certifier).
    Approve {
        id: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Reject a pending application (certifier).
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Suspend an issued certificate (certifier of the issuing organisation).
    Suspend {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Reinstate a suspended certificate; re-signs it if its data changed (certifier).
    Reinstate {
        id: String,
        #[arg(long)]
        reason: String,
        /// Issuer key: a key name in the data directory (default: your identity's); with
        /// --network fabric, the key FILE (needed only after an SDS update).
        #[arg(long)]
        key: Option<String>,
    },
    /// Revoke a certificate for good (certifier of the issuing organisation).
    Revoke {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Issue a new version that supersedes the certificate (certifier).
    Renew {
        id: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Record a new safety data sheet revision; suspends an issued certificate until reviewed (manufacturer).
    UpdateSds {
        id: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        sha256: String,
        #[arg(long)]
        revision: u32,
    },
    /// The verdict on a certificate: VALID, EXPIRED, SUSPENDED, REVOKED, SUPERSEDED, PENDING, REJECTED, UNKNOWN or
    /// UNTRUSTED (a record no certifier's signature vouches for).
    /// With --offline, checks a QR code's token against a saved trust list, with no ledger at all.
    /// With --manifest, checks a consignment: every item of a list, each on its own.
    Verify {
        /// The certificate ID (not needed with --offline or --manifest).
        #[arg(required_unless_present_any = ["offline", "manifest"], conflicts_with = "manifest")]
        id: Option<String>,
        /// A consignment's list: certificate IDs, verification URLs (their tokens checked),
        /// GS1 Digital Link URIs or element strings (`(01)…(10)…`), one per line or CSV
        /// record (`.json`: `{"items": [...]}`); at most 1,000. Exit code 0 only when every
        /// item is VALID.
        #[arg(long, value_name = "FILE", conflicts_with = "offline")]
        manifest: Option<PathBuf>,
        /// With --manifest: the report as CSV (index, input, outcome, verdict,
        /// certificate_id, problem, reason).
        #[arg(long, requires = "manifest")]
        csv: bool,
        /// An offline token, or the whole scanned URL that carries it (`...?t=TOKEN`).
        #[arg(long, value_name = "TOKEN", requires = "trust_list")]
        offline: Option<String>,
        /// The trust list saved with `nanotrace key list --json > trust.json`.
        #[arg(long, value_name = "FILE")]
        trust_list: Option<PathBuf>,
    },
    /// The full certificate record.
    Show { id: String },
    /// The audit trail of a certificate: every change, who, when, transaction ID.
    History { id: String },
    /// Print the QR code of a certificate's verification URL.
    Qr { id: String },
    /// Certificates by status: the approval queue by default (certifier, admin, auditor).
    Queue {
        #[arg(long, default_value = "PENDING", value_parser = parse_status)]
        status: CertificateStatus,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Your organisation's certificates (or another's, with --msp, for certifiers, admins, auditors).
    Mine {
        #[arg(long)]
        msp: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Your identity, roles and organisation as the contract sees them.
    Whoami {
        /// Print only your role request code: one line to hand a governance admin, who
        /// grants you a role with `nanotrace grant CODE ROLE` (public facts only: your
        /// identity and your certificate's key).
        #[arg(long)]
        code: bool,
    },
    /// Batch submission from JSON-lines files, with a progress bar and a summary.
    #[command(subcommand)]
    Batch(BatchCmd),
    /// Follow the contract's chaincode events as they commit: block, transaction ID, event
    /// name, certificate IDs (--network fabric only). Runs until Ctrl-C or SIGTERM; a
    /// broken event stream is an error (exit 1).
    Events {
        /// Follow new commits (required: there is no one-shot listing).
        #[arg(long, required = true)]
        follow: bool,
        /// Checkpoint file (Fabric Go client format): resume after the last event it
        /// records, and record each event once printed. A checkpoint that records a
        /// position wins over --start-block.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// Start at block N (inclusive) instead of the next commit.
        #[arg(long, value_name = "N")]
        start_block: Option<u64>,
    },
    /// W3C Verifiable Credentials of certificates, checkable without NanoTrace.
    #[command(subcommand)]
    Vc(VcCmd),
    /// The embedded ledger itself (embedded only).
    #[command(subcommand)]
    Ledger(LedgerCmd),
    /// Members from an organisation's Fabric CA: enroll, register, re-enroll, revoke, list.
    ///
    /// A wallet is a folder holding one enrolled identity: `key.pem` (the private key,
    /// made on this machine, mode 0600, never sent anywhere), `cert.pem` (the certificate
    /// the CA issued), `ca-chain.pem`, the CA's TLS root `ca-tls.pem` and `ca.json` (the
    /// CA's URL and name, the enrollment ID). Every `ca` command but `enroll` acts as the
    /// wallet it is given.
    #[command(subcommand)]
    Ca(CaCmd),
}

#[derive(Subcommand)]
pub(crate) enum CaCmd {
    /// Enroll with a one-time secret and write a new wallet.
    ///
    /// How to join an organisation. First, its admin registers you (`nanotrace ca
    /// register`) and gives you your enrollment ID and one-time secret, with the CA's URL
    /// and TLS root certificate. Then you enroll: a P-256 key pair is made on your
    /// machine, only a certificate signing request goes to the CA, and the wallet folder
    /// receives the key (mode 0600) and the certificate the CA issued:
    ///
    ///     NANOTRACE_CA_SECRET=… nanotrace ca enroll --url https://ca.example:7054 \
    ///         --tls-root ca-tls.pem --id erin --wallet ~/.nanotrace/erin
    ///
    /// Keep the wallet folder to yourself, and renew the certificate before it expires
    /// with `nanotrace ca reenroll --wallet DIR`.
    ///
    /// An existing wallet is never overwritten; nothing is written when the CA refuses.
    #[command(verbatim_doc_comment)]
    Enroll {
        /// The CA's URL (`https://host:port`).
        #[arg(long)]
        url: String,
        /// The CA's TLS root certificate (PEM) to trust for HTTPS.
        #[arg(long, value_name = "FILE")]
        tls_root: PathBuf,
        /// Your enrollment ID.
        #[arg(long)]
        id: String,
        /// The one-time secret (better from the environment than on a command line).
        #[arg(long, env = "NANOTRACE_CA_SECRET", hide_env_values = true)]
        secret: String,
        /// The CA's name, when its server hosts several.
        #[arg(long, default_value = "")]
        ca_name: String,
        /// The wallet folder to create.
        #[arg(long, value_name = "DIR")]
        wallet: PathBuf,
    },
    /// Renew the wallet's certificate (same key, or a new one with --new-key).
    Reenroll {
        #[arg(long, value_name = "DIR")]
        wallet: PathBuf,
        /// Make a new key pair (the old key is replaced in the wallet).
        #[arg(long)]
        new_key: bool,
    },
    /// Register a new identity, as the wallet's registrar; prints its one-time secret.
    Register {
        /// The registrar's wallet.
        #[arg(long, value_name = "DIR")]
        wallet: PathBuf,
        /// The new enrollment ID.
        #[arg(long)]
        id: String,
        /// client, admin, peer or orderer.
        #[arg(long = "type", default_value = "client")]
        identity_type: String,
        /// Affiliation (empty: the registrar's).
        #[arg(long, default_value = "")]
        affiliation: String,
        /// The secret to give it (default: the CA makes one up).
        #[arg(long, env = "NANOTRACE_CA_NEW_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// How often the secret may enroll (0: the CA's default).
        #[arg(long, default_value_t = 0)]
        max_enrollments: i64,
        /// An attribute NAME=VALUE (NAME=VALUE:ecert to put it in enrollment certificates); repeatable.
        #[arg(long = "attr", value_name = "NAME=VALUE")]
        attributes: Vec<String>,
    },
    /// Revoke an identity (every certificate of it) or one certificate, as the wallet's revoker.
    Revoke {
        /// The revoker's wallet.
        #[arg(long, value_name = "DIR")]
        wallet: PathBuf,
        /// The enrollment ID to revoke.
        #[arg(long, conflicts_with_all = ["serial", "aki"])]
        id: Option<String>,
        /// The serial number (hex) of one certificate to revoke (with --aki).
        #[arg(long, requires = "aki")]
        serial: Option<String>,
        /// Its authority key identifier (hex).
        #[arg(long, requires = "serial")]
        aki: Option<String>,
        /// Why (keycompromise, affiliationchanged, superseded, cessationofoperation, …).
        #[arg(long, default_value = "")]
        reason: String,
        /// Write the CRL after the revocation to FILE (PEM).
        #[arg(long, value_name = "FILE")]
        crl_out: Option<PathBuf>,
    },
    /// Remove a member: revoke its roles in the contract, then its certificates at the CA.
    ///
    /// Run it as the contract's admin (`--as NAME` on the embedded ledger, `--network fabric
    /// --profile ADMIN.yaml` on Fabric) with the wallet of the member's CA registrar:
    ///
    ///   nanotrace --network fabric --profile regulator-admin.yaml \
    ///       ca remove --wallet w/manufacturer-registrar --msp-id ManufacturerMSP --id erin --crl-out crl.pem
    ///
    /// 1. Lists every certificate the CA issued to ID and derives the contract identities
    ///    they stand for (`x509::<subject>::<issuer>`: a re-enrolled certificate is the same
    ///    identity, so roles survive re-enrollment — and removal takes them all).
    /// 2. Revokes every role (admin, certifier, auditor) those identities hold, as the
    ///    contract's admin. If the contract refuses, the command stops here: nothing has
    ///    happened at the CA, and running it again is safe.
    /// 3. Revokes ID at the CA (every certificate; an ID already revoked is reported, not an
    ///    error) and writes the CA's CRL to --crl-out.
    ///
    /// Peers refuse the member only once the CRL is in the organisation's MSP definition on
    /// the channel: `scripts/network.sh remove ORG ID` does all of it in one command.
    #[command(verbatim_doc_comment)]
    Remove {
        /// The wallet of the CA registrar (an identity with `hf.Revoker`).
        #[arg(long, value_name = "DIR")]
        wallet: PathBuf,
        /// The enrollment ID of the member to remove.
        #[arg(long)]
        id: String,
        /// The member's organisation (MSP ID), whose CA issued its certificates.
        #[arg(long)]
        msp_id: String,
        /// Why (keycompromise, affiliationchanged, superseded, cessationofoperation, …).
        #[arg(long, default_value = "cessationofoperation")]
        reason: String,
        /// Write the CA's CRL after the revocation to FILE (PEM).
        #[arg(long, value_name = "FILE")]
        crl_out: Option<PathBuf>,
    },
    /// Write the CA's current CRL (PEM), as the wallet's identity.
    Crl {
        #[arg(long, value_name = "DIR")]
        wallet: PathBuf,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// List the identities registered with the CA, as the wallet's identity sees them.
    List {
        #[arg(long, value_name = "DIR")]
        wallet: PathBuf,
    },
    /// Write a connection profile for the wallet's identity, for `--network fabric --profile`.
    ///
    /// The channel, chaincode, gateway, peers and orderer come from another member's
    /// profile of the same network (--like); the identity is the wallet's certificate and
    /// key files, so re-enrolling needs no new profile.
    Profile {
        #[arg(long, value_name = "DIR")]
        wallet: PathBuf,
        /// A profile of the same network to take the network's settings from.
        #[arg(long, value_name = "PROFILE")]
        like: PathBuf,
        /// The organisation's MSP ID (default: --like's).
        #[arg(long)]
        msp_id: Option<String>,
        /// The profile to write (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum IdentityCmd {
    /// Issue a new identity from its organisation's local CA.
    Create {
        name: String,
        #[arg(long)]
        msp: String,
        /// Issue an admin identity (NodeOU admin) instead of a client one.
        #[arg(long)]
        admin: bool,
    },
    /// List local identities.
    List,
    /// Add an identity enrolled at an organisation's Fabric CA (a `nanotrace ca` wallet),
    /// so that the same enrollment acts on the embedded ledger with --as NAME.
    Import {
        name: String,
        /// The organisation's MSP ID on this ledger.
        #[arg(long)]
        msp: String,
        /// The wallet (`nanotrace ca enroll --wallet DIR`).
        #[arg(long, value_name = "DIR")]
        wallet: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum FeesCmd {
    /// Set your certification body's fees for a manufacturer (certifier; `SetFeeSchedule`),
    /// in force from the schedule's `effective_from` or from now. Sent as transient data:
    /// no block holds it, only the body's and the manufacturer's peers.
    Set {
        /// The manufacturer's MSP ID.
        manufacturer_msp: String,
        /// The fee schedule as JSON (`-` = stdin), as examples/fee-schedule.json.
        #[arg(long)]
        file: PathBuf,
    },
    /// Every version of a body's fees for a manufacturer (a member of either).
    Show {
        /// The certification body's MSP ID.
        body_msp: String,
        /// The manufacturer's MSP ID.
        manufacturer_msp: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum InvoiceCmd {
    /// Invoice an application's accepted quote (finance; `IssueInvoice`): an EN 16931
    /// invoice from the two organisations' billing details, numbered next in your body's
    /// sequence. Sent as transient data.
    Issue {
        /// The application's certificate ID.
        certificate_id: String,
        /// The buyer's reference printed on it (default: the certificate ID).
        #[arg(long)]
        buyer_reference: Option<String>,
        /// A note printed on it.
        #[arg(long)]
        note: Option<String>,
    },
    /// Credit one of your body's invoices in full (finance; `IssueCreditNote`), e.g. for a
    /// withdrawn application.
    Credit {
        /// The invoice's number.
        number: String,
        /// Why (one line), printed on the credit note.
        #[arg(long)]
        reason: String,
    },
    /// The invoices and credit notes between a body and a manufacturer, with what is
    /// outstanding (a member of either).
    List {
        /// The certification body's MSP ID.
        body_msp: String,
        /// The manufacturer's MSP ID.
        manufacturer_msp: String,
    },
    /// Write one invoice or credit note as a file: the EN 16931 UBL 2.1 XML (Peppol BIS
    /// Billing 3.0), its CII XML, or the Factur-X PDF/A-3 for people, which carries the CII.
    Get {
        /// The document's number.
        number: String,
        /// The certification body that issued it.
        #[arg(long = "body", value_name = "MSP_ID")]
        body_msp: String,
        /// The manufacturer it was issued to.
        #[arg(long = "manufacturer", value_name = "MSP_ID")]
        manufacturer_msp: String,
        /// What to write.
        #[arg(long, value_enum, default_value = "ubl")]
        format: InvoiceFormat,
        /// Where (`-` = stdout).
        #[arg(long)]
        out: PathBuf,
    },
}

/// The forms an invoice is written in.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum InvoiceFormat {
    /// UBL 2.1 XML, Peppol BIS Billing 3.0.
    Ubl,
    /// UN/CEFACT Cross Industry Invoice XML (EN 16931).
    Cii,
    /// A Factur-X PDF/A-3 carrying the CII XML.
    Pdf,
}

#[derive(Subcommand)]
pub(crate) enum QuoteCmd {
    /// Quote a pending application from your body's fees in force when it was filed
    /// (certifier; `IssueQuote`).
    Issue {
        /// The application's certificate ID.
        certificate_id: String,
    },
    /// Accept a body's quote for your organisation's application (`AcceptQuote`).
    Accept {
        /// The application's certificate ID.
        certificate_id: String,
        /// The certification body that quoted it.
        #[arg(long = "body", value_name = "MSP_ID")]
        body_msp: String,
    },
    /// A body's quote for an application (a member of either).
    Show {
        /// The application's certificate ID.
        certificate_id: String,
        /// The certification body that quoted it.
        #[arg(long = "body", value_name = "MSP_ID")]
        body_msp: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum KeyCmd {
    /// Create an Ed25519 issuer key for an identity of this data directory and register it
    /// on the trust list (admin; embedded ledger: on Fabric a key is made by its holder with
    /// `key request`, then registered with `key register`).
    Create {
        /// The certifier identity that will hold the key: a local identity name; with
        /// --network fabric, the holder's connection profile.
        holder: String,
        /// Validity in days from now.
        #[arg(long, default_value_t = 1826)]
        days: u32,
    },
    /// Make your own Ed25519 issuer key and print its request code (certifier): hand the
    /// code to a governance admin, who registers the key with `key register CODE`; the
    /// private key never leaves you.
    Request {
        /// With --network fabric (required there): the new key file to write (hex seed,
        /// mode 0600, never overwritten), for your `approve --key FILE`. On the embedded
        /// ledger the key is kept in the data directory as your identity's.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Register on the trust list the issuer key of a request code a certifier handed over
    /// (admin). The contract checks the certifier and the key.
    Register {
        /// The code `key request` printed on the certifier's host.
        code: String,
        /// Validity in days from now.
        #[arg(long, default_value_t = 1826)]
        days: u32,
    },
    /// Retire a key from the trust list (admin).
    Retire {
        key_id: String,
        #[arg(long)]
        reason: String,
    },
    /// Show the trust list.
    List,
}

#[derive(Subcommand)]
pub(crate) enum BatchCmd {
    /// Apply for every application in a JSON-lines file.
    ///
    /// Each line is submitted under its client reference: its own `client_ref`, or
    /// `auto:<128-bit hash of the application>:<n-th identical line>`. Running the same
    /// file again (after an interruption) answers the lines already recorded with their
    /// existing certificates and applies for the rest: no duplicates, nothing missing.
    Apply {
        #[arg(long)]
        file: PathBuf,
        /// Applications per transaction (1-1000).
        #[arg(long, default_value_t = 100)]
        chunk: usize,
    },
    /// Approve every certificate ID in a file (one per line, or JSON lines with `certificate_id`).
    Approve {
        #[arg(long)]
        file: PathBuf,
        #[arg(long, default_value_t = 100)]
        chunk: usize,
        #[command(flatten)]
        signing: Signing,
    },
}

#[derive(Subcommand)]
pub(crate) enum LedgerCmd {
    /// Verify the hash chain, each block's write set and the state against a replay.
    /// The replay is written to a scratch folder in TMPDIR (about 80 bytes per state key
    /// and 40 per history entry, removed after), so memory does not grow with the ledger.
    Check,
    /// Back up the data directory while it is in use: a consistent copy of the ledger
    /// (read as a follower, so the console or anything else may keep it open and keep
    /// writing) and every other file of the data directory (identities, their private
    /// keys, issuer keys, the local CA) into DEST, which must not exist. The copy is
    /// checked before this reports success: keep the head hash it prints.
    ///
    /// DEST holds private keys: keep it where only the organisation's administrators
    /// can read it.
    Backup {
        /// The new backup's directory.
        dest: PathBuf,
    },
    /// Restore a backup (from `ledger backup`) into --data-dir, which must not exist or be
    /// empty; the restored ledger is checked and its head hash printed.
    Restore {
        /// The backup's directory.
        backup: PathBuf,
    },
    /// Print the transaction log.
    Log {
        #[arg(long, default_value_t = 1)]
        from: u64,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Subcommand)]
pub(crate) enum VcCmd {
    /// Sign the W3C Verifiable Credential 2.0 of a certificate you issued and record its
    /// proof on the ledger (certifier; `AttachCredential`): the certificate's content as
    /// a UNTP-style Digital Conformity Credential, the issuer your issuer key as a
    /// `did:key`, secured by an `eddsa-jcs-2022` Data Integrity proof made with that key
    /// here, its status entries naming the status lists of --verify-url, which must be
    /// one of the certification body's status bases (`status-bases`). Only the key that
    /// signed the certificate's issuance, still on the trust list, may sign, and only
    /// while the certificate is in force. A certificate issued before the status lists
    /// first gets its position in them (one transaction more). From then on every
    /// verifier serves the credential (`/api/v1/certificates/ID/vc`) and `vc export`
    /// prints it.
    Sign {
        /// The certificate ID.
        id: String,
        /// Issuer key: a key name in the data directory (default: your identity's); with
        /// --network fabric, the certifier's Ed25519 key FILE (required).
        #[arg(long)]
        key: Option<String>,
        /// Move the certificate to a new status-list position first, retiring the old one
        /// (its revocation bit set in every verifier's lists): for a certificate signed
        /// again (a new SDS revision) before re-signing moved it by itself, so that the
        /// earlier revision's credential and offline token fail a status check (one
        /// transaction more).
        #[arg(long)]
        new_position: bool,
    },
    /// Print the Verifiable Credential of a certificate as the ledger records it (anyone):
    /// the certificate's credential rebuilt from the ledger with the proof its certifier
    /// recorded (`vc sign`), checked before it is printed. It stays the same credential
    /// whatever becomes of the certificate: its status entries tell a relying party
    /// whether it is revoked or suspended.
    Export {
        /// The certificate ID.
        id: String,
        /// Write the credential to FILE (never over an existing one) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Args)]
pub(crate) struct Signing {
    /// Issuer key: a key name in the data directory (default: your identity's); with
    /// --network fabric, the certifier's Ed25519 key FILE (required; hex seed, as in
    /// <data-dir>/issuer-keys/NAME.key).
    #[arg(long)]
    pub(crate) key: Option<String>,
    /// Validity in days (default and maximum: what the applicant requested).
    #[arg(long)]
    pub(crate) valid_days: Option<u32>,
}

#[derive(Args)]
pub(crate) struct PageArgs {
    /// Certificates per page.
    #[arg(long, default_value_t = 50)]
    pub(crate) page_size: u32,
    /// Where to continue: the `--bookmark` a previous page printed (hex; the
    /// `bookmark` field of its --json output). Empty: the first page.
    #[arg(long, default_value = "")]
    pub(crate) bookmark: String,
}

/// `--network`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum NetworkArg {
    /// The embedded ledger in --data-dir, identities by name (--as).
    Embedded,
    /// A Fabric network through its Gateway, as the --profile's identity.
    Fabric,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Kind {
    Manufacturer,
    Certifier,
    Regulator,
}

impl From<Kind> for nanotrace_model::OrgKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Manufacturer => nanotrace_model::OrgKind::Manufacturer,
            Kind::Certifier => nanotrace_model::OrgKind::Certifier,
            Kind::Regulator => nanotrace_model::OrgKind::Regulator,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    Admin,
    Certifier,
    Auditor,
    /// A certification body's finance: its invoices, credit notes and bank statements.
    Finance,
}

/// Parses a `--status` value (`PENDING`, `ACTIVE`, ...).
fn parse_status(s: &str) -> Result<CertificateStatus, String> {
    CertificateStatus::parse(s).ok_or_else(|| {
        format!("unknown status {s:?}; one of {}", CertificateStatus::ALL.map(|s| s.as_str()).join(", "))
    })
}
