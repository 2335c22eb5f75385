//! Fabric's floor: `CreateAssets` of the Rust asset contract, N trivial keys per
//! transaction, optionally again with a key-level endorsement policy in the namespace.

use crate::bench::Bench;
use crate::client::{contract, strings, submit};
use crate::report::header;
use anyhow::{bail, Result};
use nanotrace_model::sample::MANUFACTURER_MSP;
use std::sync::Arc;

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
            let Some(id) = first_key.take() else { bail!("--floor-protect: no asset was created") };
            submit(&c, "ProtectAsset", strings(&[&id, MANUFACTURER_MSP])).await?;
            eprintln!("[load] key-level endorsement policy set on {id}: the namespace now has one");
        }
        let pass = if protected { "p" } else { "" };
        let label = if protected { ", namespace with a key-level policy" } else { "" };
        for &(size, txs) in &o.floor_batches {
            for &k in &o.batch_inflight {
                let (c, color) = (c.clone(), color.clone());
                let r = b
                    .cell(txs, k, move |i| {
                        let (c, color) = (c.clone(), color.clone());
                        async move {
                            let prefix = format!("f{run_tag}{pass}-{size}-{k}-{i}-");
                            let n = size.to_string();
                            submit(&c, "CreateAssets", strings(&[&prefix, &n, &color, "5", "dave", "300"])).await
                        }
                    })
                    .await;
                if r.ok > 0 && first_key.is_none() {
                    first_key = Some(format!("f{run_tag}{pass}-{size}-{k}-0-0"));
                }
                b.report(&format!("CreateAssets ({size} keys/tx{label})"), k, size, &r);
            }
        }
    }
    Ok(())
}
