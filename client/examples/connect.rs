//! Connect to a NanoTrace Fabric network as a connection profile says, and ask the
//! contract who you are (`WhoAmI`: your identity, roles and organisation).
//!
//! With the sample network up (`scripts/network.sh up` writes one profile per org user,
//! `.run/fabric/profiles/<org>-<user>.yaml`, and `scripts/network.sh deploy nanotrace …`
//! runs the contract; docs/CLI.md, "The same commands on Fabric"):
//!
//! ```text
//! cargo run -p nanotrace-client --example connect -- .run/fabric/profiles/manufacturer-dave.yaml
//! ```

use anyhow::{Context, Result};
use nanotrace_client::{GatewayTransport, NanoTrace};
use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<()> {
    let profile: PathBuf = std::env::args_os().nth(1).context("usage: connect PROFILE.yaml")?.into();

    // Gateway address, TLS, identity, channel and chaincode all come from the profile.
    let transport = GatewayTransport::from_profile(&profile)
        .await
        .with_context(|| format!("cannot connect as {}", profile.display()))?;
    let client = NanoTrace::new(transport);

    let me = client.who_am_i().await.context("WhoAmI")?;
    println!("identity:     {}", me.identity);
    println!("node OU:      {:?}", me.node_ou);
    println!("roles:        {:?}", me.roles);
    match me.organization {
        Some(org) => println!("organisation: {} ({:?})", org.name, org.kind),
        None => println!("organisation: {} is not registered yet", me.identity.msp_id),
    }
    Ok(())
}
