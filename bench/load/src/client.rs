//! The Gateway client's calls as the cells make them: contracts from the connection
//! profiles, submits timed at the endorsement, evaluates; arguments.

use crate::cell::Call;
use anyhow::{bail, Context, Result};
use nanotrace_fabric_gateway::{ConnectionProfile, Contract, Deadlines, Gateway};
use nanotrace_model::Function;
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

/// Deadlines long enough for transactions of 1,000 certificates on a loaded machine.
const LONG: Deadlines = Deadlines {
    evaluate: Duration::from_secs(60),
    endorse: Duration::from_secs(120),
    submit: Duration::from_secs(30),
    commit_status: Duration::from_secs(180),
};

/// Unix seconds now.
pub(crate) use nanotrace_model::clock::unix_now as now;

/// A contract as the profile `file` in `profiles` says (gateway, identity, channel), of
/// `chaincode` or else the profile's chaincode.
pub(crate) async fn contract(profiles: &Path, file: &str, chaincode: Option<&str>) -> Result<Contract> {
    let path = profiles.join(file);
    let profile = ConnectionProfile::load(&path).with_context(|| format!("connection profile {}", path.display()))?;
    let id = profile.signing_identity().with_context(|| format!("the identity of {}", path.display()))?;
    let opts = profile.connect_options().with_context(|| format!("the gateway of {}", path.display()))?;
    let gateway = Gateway::connect(id, opts)
        .await
        .with_context(|| format!("connecting to {} ({file})", profile.gateway.address))?;
    Ok(gateway.network(profile.channel.clone()).contract(chaincode.unwrap_or(&profile.chaincode).to_owned()))
}

/// Endorse, submit, wait for the commit status (as `Contract::submit`), timing the endorsement.
pub(crate) async fn submit(c: &Contract, function: &str, args: Vec<Vec<u8>>) -> Result<Call> {
    let t = Instant::now();
    let tx = c.new_proposal(function).arguments(args).deadlines(LONG).build().endorse().await?;
    let endorse = t.elapsed();
    let out = tx.result().to_vec();
    let status = tx.submit().await?.status().await?;
    if !status.successful() {
        bail!("transaction {} committed invalid: {}", status.transaction_id, status.code);
    }
    Ok(Call { out, endorse: Some(endorse), block: Some(status.block_number) })
}

/// Evaluates `function` (no endorsement time, no block).
pub(crate) async fn evaluate(c: &Contract, function: &str, args: Vec<Vec<u8>>) -> Result<Call> {
    let out = c.new_proposal(function).arguments(args).deadlines(LONG).build().evaluate().await?;
    Ok(Call { out, endorse: None, block: None })
}

/// Submits a function of the certificate contract with its typed request (JSON).
pub(crate) async fn submit_json<R: Serialize>(c: &Contract, function: Function, req: &R) -> Result<Call> {
    submit(c, function.name(), vec![json(function, req)?]).await
}

/// Evaluates a function of the certificate contract with its typed request (JSON).
pub(crate) async fn evaluate_json<R: Serialize>(c: &Contract, function: Function, req: &R) -> Result<Call> {
    evaluate(c, function.name(), vec![json(function, req)?]).await
}

fn json<R: Serialize>(function: Function, req: &R) -> Result<Vec<u8>> {
    serde_json::to_vec(req).with_context(|| format!("encoding the {} request", function.name()))
}

/// Plain string arguments (the asset contract's).
pub(crate) fn strings(args: &[&str]) -> Vec<Vec<u8>> {
    args.iter().map(|s| s.as_bytes().to_vec()).collect()
}
