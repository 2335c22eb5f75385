//! Apply for a certificate for a product, from an application in a JSON file (the format
//! of `examples/application.json`), as a manufacturer; prints the new certificate's ID
//! (PENDING until a certifier approves it) and the transaction.
//!
//! With the sample network up and governance set up (docs/CLI.md, "The same commands on Fabric":
//! `scripts/network.sh up`, `deploy nanotrace`, then `bootstrap`, `register-org` …):
//!
//! ```text
//! cargo run -p nanotrace-client --example apply -- \
//!     .run/fabric/profiles/manufacturer-dave.yaml examples/application.json
//! ```

use anyhow::{Context, Result};
use nanotrace_client::{GatewayTransport, NanoTrace};
use nanotrace_model::Application;
use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(profile), Some(file)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: apply PROFILE.yaml APPLICATION.json");
    };

    let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let application: Application =
        serde_json::from_str(&text).with_context(|| format!("{} is not an application", file.display()))?;

    let transport = GatewayTransport::from_profile(&profile)
        .await
        .with_context(|| format!("cannot connect as {}", profile.display()))?;
    let client = NanoTrace::new(transport);

    // Endorsed, ordered and committed: `apply` returns once the peer reports the commit.
    let applied = client.apply(&application).await.context("Apply")?;
    println!("certificate {} (PENDING)", applied.value);
    println!("transaction {} in block {}", applied.tx_id, applied.block_number);
    Ok(())
}
