//! Token authentication: how an enrolled identity authenticates a request to Fabric CA.
//!
//! The `Authorization` header is `B64(cert) "." B64(signature)`, where the signature is
//! the identity's ECDSA signature (DER, low S) over the SHA-256 of
//! `method "." B64(request URI) "." B64(body) "." B64(cert)`, B64 being standard
//! base64 with padding and `cert` the PEM bytes of the identity's certificate (Fabric
//! CA's `util.GenECDSAToken`; the method and URI are part of it since Fabric CA 1.4).
//! Fabric CA 1.5 accepts ECDSA tokens only: an Ed25519 identity cannot make one.

use super::CaError;
use data_encoding::BASE64;
use nanotrace_fabric_gateway::SigningIdentity;

/// The token that authenticates `method` on `uri` (path and query, as the server sees
/// it) with `body`, by `identity` whose certificate is `cert_pem`.
pub fn token(
    identity: &SigningIdentity,
    cert_pem: &[u8],
    method: &str,
    uri: &str,
    body: &[u8],
) -> Result<String, CaError> {
    let payload = token_payload(cert_pem, method, uri, body);
    let signature = identity.sign_message(&payload).map_err(|e| CaError::Crypto(e.to_string()))?;
    Ok(assemble(cert_pem, &signature))
}

/// The bytes a token's signature covers: `method "." B64(uri) "." B64(body) "." B64(cert)`
/// (the signer hashes them with SHA-256).
pub fn token_payload(cert_pem: &[u8], method: &str, uri: &str, body: &[u8]) -> Vec<u8> {
    format!("{method}.{}.{}.{}", BASE64.encode(uri.as_bytes()), BASE64.encode(body), BASE64.encode(cert_pem))
        .into_bytes()
}

/// The `Authorization` header of a token: the certificate and the DER signature (low S)
/// over [`token_payload`], made wherever the key is.
pub fn assemble(cert_pem: &[u8], der_signature: &[u8]) -> String {
    format!("{}.{}", BASE64.encode(cert_pem), BASE64.encode(der_signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{DerSignature, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;

    #[test]
    fn a_token_is_the_certificate_and_a_low_s_signature_over_method_uri_body_and_certificate() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["admin".into()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "admin");
        let cert = params.self_signed(&key).unwrap().pem();
        let identity = SigningIdentity::from_pem("ca", cert.as_bytes(), key.serialize_pem().as_bytes()).unwrap();
        let body = br#"{"id":"erin"}"#;
        let token = token(&identity, cert.as_bytes(), "POST", "/api/v1/register", body).unwrap();
        let (b64cert, b64sig) = token.split_once('.').unwrap();
        assert_eq!(BASE64.decode(b64cert.as_bytes()).unwrap(), cert.as_bytes());
        let payload = format!("POST.{}.{}.{b64cert}", BASE64.encode(b"/api/v1/register"), BASE64.encode(body));
        let public = VerifyingKey::from_public_key_pem(&key.public_key_pem()).unwrap();
        let der = DerSignature::try_from(BASE64.decode(b64sig.as_bytes()).unwrap().as_slice()).unwrap();
        public.verify(payload.as_bytes(), &der).expect("the signature covers method, URI, body and certificate");
        let sig = p256::ecdsa::Signature::from_der(der.as_bytes()).unwrap();
        assert!(sig.normalize_s().is_none(), "low S");
        // Any other method, URI or body does not verify.
        for other in [
            format!("GET.{}.{}.{b64cert}", BASE64.encode(b"/api/v1/register"), BASE64.encode(body)),
            format!("POST.{}.{}.{b64cert}", BASE64.encode(b"/api/v1/revoke"), BASE64.encode(body)),
            format!("POST.{}.{}.{b64cert}", BASE64.encode(b"/api/v1/register"), BASE64.encode(b"{}")),
        ] {
            assert!(public.verify(other.as_bytes(), &der).is_err());
        }
    }
}
