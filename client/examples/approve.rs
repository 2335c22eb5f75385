//! Approve a pending certificate as a certifier: reads the certificate, signs its
//! canonical bytes with your Ed25519 issuer key and issues it (`Approve`).
//!
//! The key file holds the hex-encoded 32-byte seed, as `nanotrace key request --out`
//! writes it on the certifier's host; the governing admin has put its public key on the
//! trust list from the code that command printed (docs/CLI.md, "The same commands on
//! Fabric": `nt --profile $P/certifier-alice.yaml key request --out alice.key`, then
//! `nt --profile $P/regulator-admin.yaml key register CODE`). Then, with the ID `apply` printed:
//!
//! ```text
//! cargo run -p nanotrace-client --example approve -- \
//!     .run/fabric/profiles/certifier-alice.yaml alice.key NT-XXXXXXXXXXXX
//! ```

use anyhow::{Context, Result};
use ed25519_dalek::SigningKey;
use nanotrace_client::{GatewayTransport, IssuerSigner, NanoTrace};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// An issuer key file: the hex seed of an Ed25519 key.
fn read_key(path: &Path) -> Result<IssuerSigner> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let seed = hex::decode(text.trim()).ok().and_then(|bytes| <[u8; 32]>::try_from(bytes).ok());
    let seed = seed.with_context(|| format!("{} is not an issuer key (64 hex characters)", path.display()))?;
    Ok(IssuerSigner::new(SigningKey::from_bytes(&seed)))
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args_os().skip(1);
    let (Some(profile), Some(key), Some(id)) = (args.next(), args.next(), args.next()) else {
        anyhow::bail!("usage: approve PROFILE.yaml KEY_FILE CERTIFICATE_ID");
    };
    let id = id.into_string().map_err(|id| anyhow::anyhow!("{} is not a certificate ID", id.to_string_lossy()))?;
    let signer = read_key(Path::new(&key))?;

    let profile = PathBuf::from(profile);
    let transport = GatewayTransport::from_profile(&profile)
        .await
        .with_context(|| format!("cannot connect as {}", profile.display()))?;
    let client = NanoTrace::new(transport);

    // The certificate names the issuing organisation: the certifier's own.
    let org = client.who_am_i().await.context("WhoAmI")?.identity.msp_id;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).context("the clock is before 1970")?.as_secs();
    let now = i64::try_from(now).context("the clock is out of range")?;

    // `None`: valid for as long as the applicant asked.
    let issued = client.approve(&id, &signer, &org, now, None).await.with_context(|| format!("Approve {id}"))?;
    println!("certificate {} issued with key {} by {org}", issued.value, signer.key_id);
    println!("transaction {} in block {}", issued.tx_id, issued.block_number);
    Ok(())
}
