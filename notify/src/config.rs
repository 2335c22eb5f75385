//! The subscription file: who hears about what, and how (TOML; see
//! `notify/subscriptions.example.toml`).
//!
//! Contact addresses live here, in a file the organisation keeps, never on the ledger.
//! Every mistake is reported with the file, its line and column, and nothing starts.

use crate::kind::Kind;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the subscription file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the subscription file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why not.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has an unknown or mistyped field.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line of the mistake.
        line: usize,
        /// 1-based column of the mistake.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file parses but says something that cannot work.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which the server must offer (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Implicit,
    /// No TLS at all: only for a relay on the same host (SMTP AUTH only with
    /// `allow_plaintext_auth = true`).
    None,
}

/// The SMTP server emails go through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// Host name (also the name its TLS certificate must carry, unless `tls_name`).
    pub host: String,
    /// Port (default: 587 for STARTTLS, 465 for implicit TLS, 25 without TLS).
    pub port: Option<u16>,
    /// How the connection is secured.
    #[serde(default)]
    pub tls: SmtpTls,
    /// The name the server's TLS certificate must carry, when not `host`.
    pub tls_name: Option<String>,
    /// An extra trust root (PEM) for the server's certificate, e.g. a company CA.
    pub root_certificate: Option<PathBuf>,
    /// User name for SMTP AUTH.
    pub username: Option<String>,
    /// The environment variable holding the SMTP password (never the password itself).
    pub password_env: Option<String>,
    /// The sender, e.g. `NanoTrace <notify@example.org>`.
    pub from: String,
    /// Allows SMTP AUTH with `tls = "none"`, where the user name and password cross the
    /// network in clear: for a relay on the same host only. Refused unless `true`.
    #[serde(default)]
    pub allow_plaintext_auth: bool,
}

impl Smtp {
    /// Refuses SMTP AUTH over a connection without TLS unless `allow_plaintext_auth`
    /// says so (checked by [`Config::load`] and by `Mailer::new`).
    pub fn check_auth(&self) -> Result<(), String> {
        if self.tls == SmtpTls::None && self.username.is_some() && !self.allow_plaintext_auth {
            return Err("smtp: a username (SMTP AUTH) with tls = \"none\" would send the password in clear: \
                        use tls = \"starttls\" or \"implicit\", or, for a relay on the same host only, set \
                        allow_plaintext_auth = true"
                .to_owned());
        }
        Ok(())
    }

    /// The port to dial.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Implicit => 465,
            SmtpTls::None => 25,
        })
    }
}

/// A webhook endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// The target's name, used by subscriptions' `notify`.
    pub name: String,
    /// Where to POST (http or https).
    pub url: url::Url,
    /// The signing secret, `whsec_` + base64 (Standard Webhooks); or `secret_env`.
    pub secret: Option<String>,
    /// The environment variable holding the secret.
    pub secret_env: Option<String>,
    /// An extra trust root (PEM) for an https endpoint.
    pub root_certificate: Option<PathBuf>,
}

/// An email target: one or more addresses that get the same messages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// The target's name, used by subscriptions' `notify`.
    pub name: String,
    /// The addresses.
    pub to: Vec<String>,
}

/// Which certificates a subscription is about, what happens to them, and who hears.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// Every certificate (a regulator's view). Exclusive with the selectors below.
    #[serde(default)]
    pub all: bool,
    /// Certificates of this organisation (MSP ID), as manufacturer or as issuer.
    pub organization: Option<String>,
    /// This certificate (and the versions that renew it).
    pub certificate: Option<String>,
    /// Certificates of this product (GTIN).
    pub product: Option<String>,
    /// The events wanted.
    pub events: Vec<Kind>,
    /// For `expiring`: how many days before the end of validity (default 30).
    pub expiring_days: Option<u32>,
    /// The targets (names of `[[webhook]]` and `[[email]]` entries).
    pub notify: Vec<String>,
}

/// A billing subscription: the invoices, credit notes and payments between the
/// organisation the notifier reads as (`run --as`, or the Fabric profile's identity) and
/// its counterparties, read from their private billing records.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Billing {
    /// Only the records with this counterparty (MSP ID); every counterparty when absent.
    pub counterparty: Option<String>,
    /// The events wanted: `invoice_issued`, `credit_note_issued`, `invoice_paid`.
    pub events: Vec<Kind>,
    /// The targets (names of `[[webhook]]` and `[[email]]` entries). Emails carry the
    /// invoice as a Factur-X PDF and as UBL XML.
    pub notify: Vec<String>,
}

/// Retries of a failed delivery.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Attempts in all before a message becomes a dead letter.
    #[serde(default = "Retry::default_attempts")]
    pub max_attempts: u32,
    /// The first pause, in milliseconds; doubled per attempt, with jitter.
    #[serde(default = "Retry::default_initial")]
    pub initial_backoff_ms: u64,
    /// The longest pause, in milliseconds.
    #[serde(default = "Retry::default_max")]
    pub max_backoff_ms: u64,
}

impl Retry {
    fn default_attempts() -> u32 {
        10
    }
    fn default_initial() -> u64 {
        1_000
    }
    fn default_max() -> u64 {
        3_600_000
    }
    /// The first pause.
    pub fn initial(&self) -> Duration {
        Duration::from_millis(self.initial_backoff_ms)
    }
    /// The longest pause.
    pub fn max(&self) -> Duration {
        Duration::from_millis(self.max_backoff_ms)
    }
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_attempts: Self::default_attempts(),
            initial_backoff_ms: Self::default_initial(),
            max_backoff_ms: Self::default_max(),
        }
    }
}

/// The whole subscription file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The public verifier's base URL: messages link to the certificate's page there.
    pub verify_url: url::Url,
    /// The SMTP server; required when any `[[email]]` target exists.
    pub smtp: Option<Smtp>,
    /// Retries of failed deliveries.
    #[serde(default)]
    pub retry: Retry,
    /// Webhook targets.
    #[serde(default, rename = "webhook")]
    pub webhooks: Vec<Webhook>,
    /// Email targets.
    #[serde(default, rename = "email")]
    pub emails: Vec<Email>,
    /// Subscriptions.
    #[serde(default, rename = "subscription")]
    pub subscriptions: Vec<Subscription>,
    /// Billing subscriptions (opt-in: without one, no billing record is read).
    #[serde(default, rename = "billing")]
    pub billing: Vec<Billing>,
}

/// The default lead time of `expiring`, in days.
pub const DEFAULT_EXPIRING_DAYS: u32 = 30;

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Config::parse(&text, path)
    }

    /// Parses and checks `text` (read from `path`, for messages).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|span| line_column(text, span.start)).unwrap_or((1, 1));
            // A value that failed to parse is quoted by its parser (`url` quotes the whole
            // input): a webhook URL's path or query may be its token.
            let message = crate::webhook::redact_urls(e.message());
            ConfigError::Syntax { path: path.to_owned(), line, column, message }
        })?;
        config.check().map_err(|message| ConfigError::Invalid { path: path.to_owned(), message })?;
        for (i, b) in config.billing.iter().enumerate() {
            config.check_billing(b).map_err(|message| {
                let line = table_line(text, "billing", i);
                let message = format!("billing {} (the {} [[billing]]): {message}", i + 1, ordinal(i + 1));
                ConfigError::Syntax { path: path.to_owned(), line, column: 1, message }
            })?;
        }
        Ok(config)
    }

    fn check_billing(&self, b: &Billing) -> Result<(), String> {
        if b.events.is_empty() {
            return Err("`events` lists nothing".to_owned());
        }
        if let Some(kind) = b.events.iter().find(|k| !k.is_billing()) {
            return Err(format!(
                "{kind:?} is a certificate event, for a [[subscription]]; a [[billing]] lists invoice_issued, \
                 credit_note_issued, invoice_paid",
                kind = kind.as_str()
            ));
        }
        if b.counterparty.as_deref().is_some_and(|c| c.trim().is_empty()) {
            return Err("counterparty is empty: give an MSP ID, or leave it out for every counterparty".to_owned());
        }
        if b.notify.is_empty() {
            return Err("`notify` names no target".to_owned());
        }
        for target in &b.notify {
            if self.webhook(target).is_none() && self.email(target).is_none() {
                return Err(format!("notify names {target:?}, which is no [[webhook]] or [[email]]"));
            }
        }
        Ok(())
    }

    /// Whether any `[[billing]]` subscription asks for `kind` (with `counterparty`).
    pub fn billing_targets(&self, kind: Kind, counterparty: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let wanted = self
            .billing
            .iter()
            .filter(|b| b.events.contains(&kind) && b.counterparty.as_deref().is_none_or(|c| c == counterparty));
        for target in wanted.flat_map(|b| &b.notify) {
            if !out.contains(target) {
                out.push(target.clone());
            }
        }
        out
    }

    fn check(&self) -> Result<(), String> {
        if !matches!(self.verify_url.scheme(), "http" | "https") {
            return Err(format!("verify_url {} must be an http or https URL", self.verify_url));
        }
        let mut names = BTreeSet::new();
        for name in self.webhooks.iter().map(|w| &w.name).chain(self.emails.iter().map(|e| &e.name)) {
            if name.is_empty() {
                return Err("a target has an empty name".to_owned());
            }
            if !names.insert(name.as_str()) {
                return Err(format!("two targets are named {name:?}: target names must be unique"));
            }
        }
        for w in &self.webhooks {
            if !matches!(w.url.scheme(), "http" | "https") {
                let url = crate::webhook::shown(&w.url);
                return Err(format!("webhook {:?}: url {url} must be http or https", w.name));
            }
            match (&w.secret, &w.secret_env) {
                (Some(_), Some(_)) => return Err(format!("webhook {:?}: give secret or secret_env, not both", w.name)),
                (None, None) => {
                    return Err(format!("webhook {:?}: a signing secret is required (secret or secret_env)", w.name))
                }
                (Some(secret), None) => {
                    crate::webhook::Secret::parse(secret).map_err(|e| format!("webhook {:?}: {e}", w.name))?;
                }
                (None, Some(_)) => {}
            }
        }
        for e in &self.emails {
            if e.to.is_empty() {
                return Err(format!("email {:?}: `to` lists no address", e.name));
            }
            for address in &e.to {
                address
                    .parse::<lettre::Address>()
                    .map_err(|err| format!("email {:?}: {address:?} is not an email address ({err})", e.name))?;
            }
        }
        if let Some(smtp) = &self.smtp {
            smtp.from
                .parse::<lettre::message::Mailbox>()
                .map_err(|err| format!("smtp.from {:?} is not a sender address ({err})", smtp.from))?;
            if smtp.password_env.is_some() && smtp.username.is_none() {
                return Err("smtp: password_env needs a username".to_owned());
            }
            smtp.check_auth()?;
        } else if !self.emails.is_empty() {
            return Err("email targets need an [smtp] section".to_owned());
        }
        if self.retry.max_attempts == 0 {
            return Err("retry.max_attempts must be at least 1".to_owned());
        }
        if self.retry.initial_backoff_ms == 0 || self.retry.max_backoff_ms < self.retry.initial_backoff_ms {
            return Err("retry: initial_backoff_ms must be > 0 and at most max_backoff_ms".to_owned());
        }
        for (i, s) in self.subscriptions.iter().enumerate() {
            let which = format!("subscription {} (the {} [[subscription]])", i + 1, ordinal(i + 1));
            let selectors = [s.organization.is_some(), s.certificate.is_some(), s.product.is_some()];
            if s.all && selectors.iter().any(|x| *x) {
                return Err(format!(
                    "{which}: `all = true` cannot be combined with organization, certificate or product"
                ));
            }
            if !s.all && !selectors.iter().any(|x| *x) {
                return Err(format!(
                    "{which}: say which certificates: organization, certificate or product (or all = true)"
                ));
            }
            if s.events.is_empty() {
                return Err(format!("{which}: `events` lists nothing"));
            }
            if let Some(kind) = s.events.iter().find(|k| k.is_billing()) {
                return Err(format!(
                    "{which}: {:?} is a billing event: list it in a [[billing]] subscription",
                    kind.as_str()
                ));
            }
            if s.notify.is_empty() {
                return Err(format!("{which}: `notify` names no target"));
            }
            for target in &s.notify {
                if !names.contains(target.as_str()) {
                    return Err(format!("{which}: notify names {target:?}, which is no [[webhook]] or [[email]]"));
                }
            }
            if s.expiring_days.is_some() && !s.events.contains(&Kind::Expiring) {
                return Err(format!("{which}: expiring_days is set but `events` lacks \"expiring\""));
            }
            if s.expiring_days == Some(0) || s.expiring_days.is_some_and(|d| d > 1826) {
                return Err(format!("{which}: expiring_days must be 1..=1826"));
            }
            if let Some(id) = &s.certificate {
                nanotrace_model::validate::certificate_id("certificate", id).map_err(|e| format!("{which}: {e}"))?;
            }
            if let Some(gtin) = &s.product {
                nanotrace_model::validate::gtin("product", gtin).map_err(|e| format!("{which}: {e}"))?;
            }
        }
        Ok(())
    }

    /// The webhook named `name`.
    pub fn webhook(&self, name: &str) -> Option<&Webhook> {
        self.webhooks.iter().find(|w| w.name == name)
    }

    /// The email target named `name`.
    pub fn email(&self, name: &str) -> Option<&Email> {
        self.emails.iter().find(|e| e.name == name)
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The 1-based line of the header of the `index`-th (from 0) `[[table]]` in `text` (1
/// when it cannot be found).
fn table_line(text: &str, table: &str, index: usize) -> usize {
    let header = format!("[[{table}]]");
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with(&header))
        .nth(index)
        .map_or(1, |(n, _)| n + 1)
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
verify_url = "https://verify.example"

[[webhook]]
name = "erp"
url = "https://erp.example/hook"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

[[subscription]]
organization = "ManufacturerMSP"
events = ["approved", "expiring"]
expiring_days = 45
notify = ["erp"]
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("subs.toml"))
    }

    #[test]
    fn the_example_file_is_valid() {
        let text = include_str!("../subscriptions.example.toml");
        let config = parse(text).expect("the example parses");
        assert_eq!(config.subscriptions.len(), 3);
        assert_eq!(config.smtp.as_ref().map(Smtp::port), Some(587));
    }

    #[test]
    fn a_good_file_parses() {
        let config = parse(GOOD).expect("good");
        assert_eq!(config.subscriptions[0].events, [Kind::Approved, Kind::Expiring]);
        assert_eq!(config.retry.max_attempts, 10);
    }

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let bad = GOOD.replace("events = [\"approved\", \"expiring\"]", "events = [\"approved\", \"expired\"]");
        let err = parse(&bad).expect_err("unknown event");
        let text = err.to_string();
        assert!(text.starts_with("subs.toml:11:23:"), "{text}");
        assert!(text.contains("expired") && text.contains("expiring"), "lists what is allowed: {text}");

        let err = parse(&GOOD.replace("notify = [\"erp\"]", "notfy = [\"erp\"]")).expect_err("unknown field");
        assert!(err.to_string().starts_with("subs.toml:13:"), "{err}");
        assert!(err.to_string().contains("notfy"), "{err}");
    }

    #[test]
    fn mistakes_that_parse_are_named() {
        let cases = [
            (GOOD.replace("notify = [\"erp\"]", "notify = [\"crm\"]"), "notify names \"crm\""),
            (GOOD.replace("organization = \"ManufacturerMSP\"\n", ""), "say which certificates"),
            (GOOD.replace("organization = \"ManufacturerMSP\"", "all = true\norganization = \"X\""), "cannot be combined"),
            (GOOD.replace("secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"", "secret = \"hunter2\""), "starts with \"whsec_\""),
            (GOOD.replace("https://erp.example/hook", "ftp://erp.example/hook"), "must be http or https"),
            (GOOD.replace("expiring_days = 45", "expiring_days = 0"), "expiring_days must be 1..=1826"),
            (GOOD.replace("events = [\"approved\", \"expiring\"]", "events = [\"approved\"]"), "lacks \"expiring\""),
            (GOOD.replace("organization = \"ManufacturerMSP\"", "product = \"4006381333932\""), "product"),
            (
                format!("{GOOD}\n[[email]]\nname = \"q\"\nto = [\"quality@example.org\"]\n"),
                "email targets need an [smtp] section",
            ),
            (
                format!("{GOOD}\n[[email]]\nname = \"erp\"\nto = [\"a@example.org\"]\n[smtp]\nhost = \"h\"\nfrom = \"n@example.org\"\n"),
                "two targets are named \"erp\"",
            ),
            (
                format!("{GOOD}\n[[email]]\nname = \"q\"\nto = [\"not an address\"]\n[smtp]\nhost = \"h\"\nfrom = \"n@example.org\"\n"),
                "is not an email address",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(&text).expect_err(expected);
            assert!(err.to_string().contains(expected), "expected {expected:?} in: {err}");
        }
    }

    const SMTP_WITHOUT_TLS: &str = "\n[smtp]\nhost = \"relay.example\"\ntls = \"none\"\nfrom = \"n@example.org\"\n";

    #[test]
    fn smtp_auth_without_tls_needs_the_file_to_say_so() {
        let with_auth = format!("{GOOD}{SMTP_WITHOUT_TLS}username = \"notify\"\npassword_env = \"SMTP_PASSWORD\"\n");
        let err = parse(&with_auth).expect_err("AUTH over a plain connection");
        let text = err.to_string();
        assert!(text.contains("in clear") && text.contains("allow_plaintext_auth = true"), "{text}");
        // Said explicitly: allowed.
        parse(&format!("{with_auth}allow_plaintext_auth = true\n")).expect("explicitly allowed");
        // No AUTH, or AUTH inside TLS: nothing to allow.
        parse(&format!("{GOOD}{SMTP_WITHOUT_TLS}")).expect("a relay without AUTH");
        let starttls = with_auth.replace("tls = \"none\"", "tls = \"starttls\"");
        parse(&starttls).expect("AUTH inside STARTTLS");
    }

    #[test]
    fn a_webhook_url_in_an_error_shows_no_path() {
        let bad = GOOD.replace("https://erp.example/hook", "ftp://erp.example/services/XXXXSECRETXXXX");
        let err = parse(&bad).expect_err("not http").to_string();
        assert!(err.contains("ftp://erp.example/…") && !err.contains("XXXXSECRETXXXX"), "{err}");
    }

    #[test]
    fn a_webhook_url_that_does_not_parse_keeps_its_token_out_of_the_error() {
        // The `url` crate's error quotes the whole input: a port typo must not print the token.
        for typo in [
            "https://erp.example:443443/services/T0/B0/XXXXSECRETXXXX",
            "https://erp example/hook?token=XXXXSECRETXXXX",
        ] {
            let bad = GOOD.replace("https://erp.example/hook", typo);
            let err = parse(&bad).expect_err("not a URL").to_string();
            assert!(err.starts_with("subs.toml:6:"), "still names the line: {err}");
            assert!(!err.contains("XXXXSECRETXXXX"), "{err}");
        }
    }

    #[test]
    fn billing_subscriptions_are_opt_in_and_their_mistakes_name_their_line() {
        assert!(parse(GOOD).expect("good").billing.is_empty(), "nothing billed without a [[billing]]");
        let billing = format!(
            "{GOOD}\n[[billing]]\nevents = [\"invoice_issued\", \"invoice_paid\"]\nnotify = [\"erp\"]\n\n\
             [[billing]]\ncounterparty = \"ManufacturerMSP\"\nevents = [\"credit_note_issued\"]\nnotify = [\"erp\"]\n"
        );
        let config = parse(&billing).expect("billing");
        assert_eq!(config.billing_targets(Kind::InvoicePaid, "OtherMSP"), ["erp"]);
        assert_eq!(config.billing_targets(Kind::CreditNoteIssued, "ManufacturerMSP"), ["erp"]);
        assert!(config.billing_targets(Kind::CreditNoteIssued, "OtherMSP").is_empty(), "only that counterparty");
        let cases = [
            (billing.replace("\"invoice_issued\", ", "\"approved\", "), "15:1:", "\"approved\" is a certificate event"),
            (billing.replace("events = [\"credit_note_issued\"]", "events = []"), "19:1:", "`events` lists nothing"),
            (
                billing.replace("counterparty = \"ManufacturerMSP\"", "counterparty = \" \""),
                "19:1:",
                "counterparty is empty",
            ),
            (
                billing.replace("\"invoice_paid\"]\nnotify = [\"erp\"]", "\"invoice_paid\"]\nnotify = [\"crm\"]"),
                "15:1:",
                "notify names \"crm\"",
            ),
            (billing.replace("\"invoice_paid\"", "\"invoice_payed\""), "16:", "unknown event \"invoice_payed\""),
        ];
        for (text, at, expected) in cases {
            let err = parse(&text).expect_err(expected).to_string();
            assert!(
                err.starts_with(&format!("subs.toml:{at}")) && err.contains(expected),
                "{expected:?} at {at}: {err}"
            );
        }
        let err = parse(&GOOD.replace("[\"approved\", \"expiring\"]", "[\"approved\", \"invoice_paid\"]"))
            .expect_err("a billing event about certificates")
            .to_string();
        assert!(err.contains("\"invoice_paid\" is a billing event: list it in a [[billing]]"), "{err}");
    }

    #[test]
    fn a_missing_file_is_a_clear_error() {
        let err = Config::load(Path::new("/nonexistent/subs.toml")).expect_err("missing");
        assert!(err.to_string().starts_with("cannot read the subscription file /nonexistent/subs.toml"), "{err}");
    }
}
