//! Fabric's floor: `CreateAssets` of the Rust asset contract, N trivial keys per
//! transaction, optionally again with a key-level endorsement policy in the namespace.

use crate::bench::Bench;
use crate::cell::CellResult;
use crate::client::{contract, strings, submit};
use crate::report::header;
use anyhow::{bail, Result};
use nanotrace_fabric_gateway::Contract;
use nanotrace_model::sample::MANUFACTURER_MSP;
use std::sync::Arc;

/// The padding that makes `CreateAssets`' values about `bytes` long (its JSON without the
/// colour is about 88 bytes; "blue" when no padding is asked for).
pub(crate) fn colour(bytes: usize) -> String {
    if bytes <= 92 {
        "blue".to_owned()
    } else {
        "b".repeat(bytes - 88)
    }
}

/// One floor cell: `txs` transactions of `CreateAssets` of `size` new keys (named
/// `{prefix}-{size}-{k}-{i}-{n}`) with `color` as the values' padding, `k` in flight,
/// reported as `workload`.
pub(crate) async fn cell(
    b: &Bench,
    c: &Contract,
    workload: &str,
    prefix: &str,
    (size, txs, k): (usize, usize, usize),
    color: &Arc<String>,
) -> CellResult {
    let (c, color, prefix) = (c.clone(), color.clone(), Arc::new(prefix.to_owned()));
    let r = b
        .cell(txs, k, move |i| {
            let (c, color, prefix) = (c.clone(), color.clone(), prefix.clone());
            async move {
                let prefix = format!("{prefix}-{size}-{k}-{i}-");
                let n = size.to_string();
                submit(&c, "CreateAssets", strings(&[&prefix, &n, &color, "5", "dave", "300"])).await
            }
        })
        .await;
    b.report(workload, k, size, &r);
    r
}

/// Runs the floor's cells on the asset contract `name`.
pub(crate) async fn run(b: &Bench, name: &str) -> Result<()> {
    let (o, run_tag) = (&b.options, b.run_tag);
    let c = contract(&o.profiles, "manufacturer-dave.yaml", Some(name)).await?;
    let color = Arc::new(if o.floor_value_bytes == 0 { "blue".to_owned() } else { "b".repeat(o.floor_value_bytes) });
    println!(
        "\n## Fabric's floor: CreateAssets on '{name}' (N new keys per transaction, one read + one write each, \
         values of about {} bytes), batches {:?} (size, transactions), at most {} s per cell\n",
        88 + color.len(),
        o.floor_batches,
        o.seconds
    );
    header();
    let mut first_key: Option<String> = None;
    for protected in [false, true] {
        if protected {
            if !o.floor_protect {
                break;
            }
            if o.nanotrace {
                // The comparison with NanoTrace measures its floor in this namespace first
                // without a key-level policy, then with them: a policy set here would be
                // there all along.
                eprintln!("[load] --floor-protect: the pass with key-level policies runs in NanoTrace's comparison");
                break;
            }
            let Some(id) = first_key.take() else { bail!("--floor-protect: no asset was created") };
            submit(&c, "ProtectAsset", strings(&[&id, MANUFACTURER_MSP])).await?;
            eprintln!("[load] key-level endorsement policy set on {id}: the namespace now has one");
        }
        let pass = if protected { "p" } else { "" };
        let label = if protected { ", namespace with a key-level policy" } else { "" };
        for &(size, txs) in &o.floor_batches {
            for &k in &o.batch_inflight {
                let workload = format!("CreateAssets ({size} keys/tx{label})");
                let prefix = format!("f{run_tag}{pass}");
                let r = cell(b, &c, &workload, &prefix, (size, txs, k), &color).await;
                if r.ok > 0 && first_key.is_none() {
                    first_key = Some(format!("{prefix}-{size}-{k}-0-0"));
                }
            }
        }
    }
    Ok(())
}
