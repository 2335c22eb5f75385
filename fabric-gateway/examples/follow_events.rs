//! Follow the events of a connection profile's chaincode as they commit (on the sample
//! network, the NanoTrace contract's `CertificateApplied`, `CertificateIssued`, …), resuming after the last one handled: the checkpoint file
//! (Fabric's Go client format) is updated after each event is printed, so a restart with
//! the same file loses none (stopped with Ctrl-C between the two, the last event comes
//! again). `nanotrace events --follow` is the same loop with signal handling.
//!
//! With the sample network up (`scripts/network.sh up` and `deploy nanotrace`):
//!
//! ```text
//! cargo run -p nanotrace-fabric-gateway --example follow_events -- \
//!     .run/fabric/profiles/regulator-rita.yaml events.checkpoint
//! ```

use anyhow::{bail, Context, Result};
use nanotrace_fabric_gateway::{Checkpointer, ConnectionProfile, EventsOptions, FileCheckpointer, Gateway};
use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(path), Some(checkpoint)) = (args.next(), args.next()) else {
        bail!("usage: follow_events PROFILE.yaml CHECKPOINT_FILE");
    };

    let profile = ConnectionProfile::load(&path).with_context(|| format!("bad profile {}", path.display()))?;
    let gateway = Gateway::connect(profile.signing_identity()?, profile.connect_options()?)
        .await
        .with_context(|| format!("cannot reach the gateway {}", profile.gateway.address))?;

    // A new (empty) checkpoint file starts at the next commit; otherwise resume after it.
    let mut checkpointer = FileCheckpointer::open(&checkpoint)?;
    let options = EventsOptions::new().checkpoint(&checkpointer);
    let network = gateway.network(profile.channel.as_str());
    let mut events = network.chaincode_events(&profile.chaincode, &options).await.context("ChaincodeEvents")?;

    // The stream never ends on its own: `None` comes only after an error.
    while let Some(event) = events.next().await {
        let event = event.context("the event stream broke (rerun with the same checkpoint to resume)")?;
        println!(
            "block {} tx {} {}: {}",
            event.block_number,
            event.transaction_id,
            event.event_name,
            String::from_utf8_lossy(&event.payload)
        );
        checkpointer.checkpoint_event(&event).context("cannot save the checkpoint")?;
    }
    bail!("the event stream ended")
}
