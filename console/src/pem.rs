//! PEM as the console takes and gives it. A member's certificate at sign-in must be
//! exactly one `CERTIFICATE` block — nothing before or after it but white space, one DER
//! certificate in it with no trailing bytes — and is kept re-encoded
//! ([`one_certificate`]), never as sent: a padded or doubled certificate is refused
//! before anything is stored.

use x509_cert::der::Decode as _;

/// The longest certificate PEM accepted at sign-in (Fabric CA's certificates are about
/// 1 KB; a CA could add extensions, not 16 KB of them).
pub const MAX_CERTIFICATE_PEM: usize = 16 * 1024;

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// Why a text is not exactly one certificate.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PemError {
    /// Longer than [`MAX_CERTIFICATE_PEM`].
    #[error("the certificate is {0} bytes long; a certificate PEM has at most {MAX_CERTIFICATE_PEM}")]
    TooLarge(usize),
    /// Not one `CERTIFICATE` block with nothing around it.
    #[error("expected exactly one PEM CERTIFICATE block and nothing else: {0}")]
    NotOneCertificate(&'static str),
    /// The block's body is not base64.
    #[error("the PEM CERTIFICATE block is not base64")]
    Base64,
    /// The bytes are not one DER certificate.
    #[error("the PEM CERTIFICATE block is not one X.509 certificate: {0}")]
    Der(String),
}

/// `der` as PEM with `label` (`CERTIFICATE`, `CERTIFICATE REQUEST`), 64-character lines.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = data_encoding::BASE64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The certificate in `text` re-encoded, if `text` is exactly one PEM `CERTIFICATE`
/// block (white space around it and CRLF line ends allowed) holding one DER certificate.
pub fn one_certificate(text: &str) -> Result<String, PemError> {
    if text.len() > MAX_CERTIFICATE_PEM {
        return Err(PemError::TooLarge(text.len()));
    }
    let body = text
        .trim()
        .strip_prefix(BEGIN)
        .ok_or(PemError::NotOneCertificate("it does not start with -----BEGIN CERTIFICATE-----"))?
        .strip_suffix(END)
        .ok_or(PemError::NotOneCertificate("it does not end with -----END CERTIFICATE-----"))?;
    let mut b64 = String::with_capacity(body.len());
    for line in body.lines().map(str::trim) {
        if line.bytes().any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))) {
            return Err(PemError::NotOneCertificate("a line between its boundaries is not base64"));
        }
        b64.push_str(line);
    }
    let der = data_encoding::BASE64.decode(b64.as_bytes()).map_err(|_| PemError::Base64)?;
    x509_cert::Certificate::from_der(&der).map_err(|e| PemError::Der(e.to_string()))?;
    Ok(encode("CERTIFICATE", &der))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate() -> String {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let params = rcgen::CertificateParams::new(vec!["erin.test".to_owned()]).expect("params");
        params.self_signed(&key).expect("certificate").pem()
    }

    #[test]
    fn exactly_one_certificate_is_taken_and_re_encoded() {
        let pem = certificate();
        let canonical = one_certificate(&pem).expect("a certificate");
        assert_eq!(one_certificate(&canonical).as_ref(), Ok(&canonical), "re-encoding is stable");
        let crlf = format!("\r\n  {}\r\n\r\n", canonical.replace('\n', "\r\n"));
        assert_eq!(one_certificate(&crlf).as_ref(), Ok(&canonical), "CRLF and white space around it");

        let refused = |text: &str| one_certificate(text).expect_err(&format!("{text:.80}"));
        assert!(matches!(refused(&format!("junk\n{pem}")), PemError::NotOneCertificate(_)));
        assert!(matches!(refused(&format!("{pem}junk")), PemError::NotOneCertificate(_)));
        assert!(matches!(refused(&format!("{pem}{pem}")), PemError::NotOneCertificate(_)), "two certificates");
        assert!(matches!(refused(&format!("{pem}{}", " ".repeat(MAX_CERTIFICATE_PEM))), PemError::TooLarge(_)));
        let key_block = pem.replace("CERTIFICATE", "PRIVATE KEY");
        assert!(matches!(refused(&key_block), PemError::NotOneCertificate(_)));
        let header = pem.replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n", 1);
        assert!(matches!(refused(&header), PemError::NotOneCertificate(_)));
        // DER with a byte after the certificate.
        let body: String = canonical.lines().filter(|l| !l.starts_with("-----")).collect();
        let mut der = data_encoding::BASE64.decode(body.as_bytes()).expect("base64");
        der.push(0);
        assert!(matches!(refused(&encode("CERTIFICATE", &der)), PemError::Der(_)));
        assert!(matches!(refused(&encode("CERTIFICATE", b"not a certificate")), PemError::Der(_)));
    }
}
