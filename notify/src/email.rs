//! Emails over SMTP (`lettre`): STARTTLS, implicit TLS or none, SMTP AUTH, a plain-text
//! and an HTML body with the verification link and its QR code as an inline image; a
//! billing notification's plain text with the invoice attached (PDF and XML).

use crate::config::{Smtp, SmtpTls};
use crate::route::Notification;
use crate::{billing_message, message};
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP exchange may take.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// Why an email could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The SMTP settings cannot be used.
    #[error("SMTP settings: {0}")]
    Settings(String),
    /// The message cannot be built (an address the file check let through, say).
    #[error("cannot build the email: {0}")]
    Build(String),
    /// The server could not be reached or refused the message.
    #[error("the SMTP server {server} failed: {message}")]
    Smtp {
        /// host:port.
        server: String,
        /// What went wrong.
        message: String,
        /// Whether the server itself is unreachable (as opposed to refusing one message).
        unreachable: bool,
    },
}

/// Sends notifications as emails through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("server", &self.server).finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `smtp`; the password is read from the environment variable it names.
    /// SMTP AUTH without TLS is refused unless `smtp.allow_plaintext_auth`.
    pub fn new(smtp: &Smtp) -> Result<Mailer, EmailError> {
        let settings = |m: String| EmailError::Settings(m);
        smtp.check_auth().map_err(settings)?;
        let tls_name = smtp.tls_name.clone().unwrap_or_else(|| smtp.host.clone());
        let tls_parameters = || -> Result<TlsParameters, EmailError> {
            let mut builder = TlsParameters::builder(tls_name.clone());
            if let Some(path) = &smtp.root_certificate {
                let pem = std::fs::read(path)
                    .map_err(|e| settings(format!("cannot read root_certificate {}: {e}", path.display())))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| settings(format!("root_certificate {}: {e}", path.display())))?;
                builder = builder.add_root_certificate(cert);
            }
            builder.build_rustls().map_err(|e| settings(format!("TLS: {e}")))
        };
        let tls = match smtp.tls {
            SmtpTls::Starttls => Tls::Required(tls_parameters()?),
            SmtpTls::Implicit => Tls::Wrapper(tls_parameters()?),
            SmtpTls::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port())
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = &smtp.username {
            let password = match &smtp.password_env {
                Some(var) => std::env::var(var)
                    .map_err(|_| settings(format!("password_env names {var}, which is not set in the environment")))?,
                None => String::new(),
            };
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let from = smtp.from.parse::<Mailbox>().map_err(|e| settings(format!("from {:?}: {e}", smtp.from)))?;
        Ok(Mailer { transport: builder.build(), from, server: format!("{}:{}", smtp.host, smtp.port()) })
    }

    /// host:port of the server.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Whether the server answers (connects, greets, and takes EHLO/STARTTLS/AUTH).
    pub async fn check(&self) -> Result<(), EmailError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.smtp_error("the server did not answer NOOP".to_owned(), true)),
            Err(e) => Err(self.smtp_error(nanotrace_fabric_gateway::error_chain(&e), true)),
        }
    }

    fn smtp_error(&self, message: String, unreachable: bool) -> EmailError {
        EmailError::Smtp { server: self.server.clone(), message, unreachable }
    }

    /// The email for `n` to `to`.
    pub fn build(&self, n: &Notification, to: &[String]) -> Result<Message, EmailError> {
        let subject = match &n.billing {
            Some(billed) => billing_message::subject(n, billed),
            None => message::subject(n),
        };
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .message_id(Some(format!("<{}.{}@nanotrace>", n.id, n.target)));
        for address in to {
            let mailbox = address.parse::<Mailbox>().map_err(|e| EmailError::Build(format!("{address:?}: {e}")))?;
            builder = builder.to(mailbox);
        }
        if let Some(billed) = &n.billing {
            // The text, then the document as a Factur-X PDF and as UBL XML.
            let mut mixed = MultiPart::mixed().singlepart(SinglePart::plain(billing_message::text_body(n, billed)));
            for (name, mime, bytes) in billing_message::attachments(billed).map_err(EmailError::Build)? {
                let content_type = ContentType::parse(mime).map_err(|e| EmailError::Build(e.to_string()))?;
                mixed = mixed.singlepart(Attachment::new(name).body(bytes, content_type));
            }
            return builder.multipart(mixed).map_err(|e| EmailError::Build(e.to_string()));
        }
        let qr = nanotrace_model::link::qr::png(&n.verification_url).ok();
        let text = SinglePart::plain(message::text_body(n));
        let html = SinglePart::html(message::html_body(n, qr.is_some()));
        let alternative = match qr {
            Some(png) => MultiPart::alternative().singlepart(text).multipart(
                MultiPart::related().singlepart(html).singlepart(
                    Attachment::new_inline(message::QR_CONTENT_ID.to_owned())
                        .body(png, ContentType::parse("image/png").map_err(|e| EmailError::Build(e.to_string()))?),
                ),
            ),
            None => MultiPart::alternative().singlepart(text).singlepart(html),
        };
        builder.multipart(alternative).map_err(|e| EmailError::Build(e.to_string()))
    }

    /// Sends the email for `n` to `to`.
    pub async fn send(&self, n: &Notification, to: &[String]) -> Result<(), EmailError> {
        let email = self.build(n, to)?;
        self.deliver(email).await
    }

    /// Sends a plain-text email (the members' console's enrollment links).
    pub async fn send_text(&self, to: &str, subject: &str, text: &str) -> Result<(), EmailError> {
        let mailbox = to.parse::<Mailbox>().map_err(|e| EmailError::Build(format!("{to:?}: {e}")))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(mailbox)
            .subject(subject)
            .singlepart(SinglePart::plain(text.to_owned()))
            .map_err(|e| EmailError::Build(e.to_string()))?;
        self.deliver(email).await
    }

    async fn deliver(&self, email: Message) -> Result<(), EmailError> {
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // A permanent or transient answer from the server means it is reachable.
                let unreachable = !(e.is_permanent() || e.is_transient());
                Err(self.smtp_error(nanotrace_fabric_gateway::error_chain(&e), unreachable))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailer_refuses_auth_without_tls_unless_allowed() {
        let mut smtp = Smtp {
            host: "relay.example".into(),
            port: None,
            tls: SmtpTls::None,
            tls_name: None,
            root_certificate: None,
            username: Some("notify".into()),
            password_env: None,
            from: "notify@example.org".into(),
            allow_plaintext_auth: false,
        };
        let err = Mailer::new(&smtp).expect_err("AUTH in clear").to_string();
        assert!(err.contains("in clear"), "{err}");
        smtp.allow_plaintext_auth = true;
        Mailer::new(&smtp).expect("said explicitly");
        smtp.allow_plaintext_auth = false;
        smtp.username = None;
        Mailer::new(&smtp).expect("no AUTH");
    }
}
