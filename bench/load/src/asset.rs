//! Asset A/B: the asset-transfer contract on Fabric's Go contract API and on our runtime,
//! side by side, every cell run on both in alternating order, with a pooled summary.

use crate::bench::Bench;
use crate::cell::{Call, CellResult};
use crate::client::{contract, evaluate, strings, submit};
use crate::report::{header, ms, pct, ratio};
use anyhow::Result;
use nanotrace_fabric_gateway::Contract;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The profile the asset contracts are called as.
const PROFILE: &str = "manufacturer-dave.yaml";

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum AssetOp {
    Create,
    Update,
    Read,
}

impl AssetOp {
    const ALL: [AssetOp; 3] = [AssetOp::Create, AssetOp::Update, AssetOp::Read];

    fn name(self) -> &'static str {
        match self {
            AssetOp::Create => "CreateAsset",
            AssetOp::Update => "UpdateAsset",
            AssetOp::Read => "ReadAsset (evaluate)",
        }
    }
}

/// The chaincodes under comparison: (label, contract).
type Sides = Vec<(&'static str, Contract)>;
/// Every cell's runs, by operation, in-flight level and side.
type Results = HashMap<(AssetOp, usize, &'static str), Vec<CellResult>>;

/// Runs the A/B on `--asset-go` and/or `--asset-rust`.
pub(crate) async fn run(b: &Bench) -> Result<()> {
    let o = &b.options;
    let mut sides: Sides = Vec::new();
    if let Some(name) = &o.asset_go {
        sides.push(("Go", contract(&o.profiles, PROFILE, Some(name)).await?));
    }
    if let Some(name) = &o.asset_rust {
        sides.push(("Rust", contract(&o.profiles, PROFILE, Some(name)).await?));
    }
    println!(
        "\n## Asset-transfer A/B: {} ({} rounds, {} per submit cell, {} per evaluate cell, at most {} s per cell)\n",
        sides.iter().map(|(l, c)| format!("{l} = '{}'", c.chaincode_name())).collect::<Vec<_>>().join(", "),
        o.rounds,
        o.count,
        o.eval_count,
        o.seconds
    );
    header();
    let mut results = Results::new();
    for round in 0..o.rounds {
        // The IDs each side created at each level this round (updated and read afterwards).
        let mut created: HashMap<(&'static str, usize), Arc<Vec<String>>> = HashMap::new();
        for op in AssetOp::ALL {
            for (level, &k) in o.inflight.iter().enumerate() {
                // Alternate which side goes first, by round and level.
                let order: Vec<usize> = if (round + level) % 2 == 0 {
                    (0..sides.len()).collect()
                } else {
                    (0..sides.len()).rev().collect()
                };
                for s in order {
                    let (label, c) = (sides[s].0, sides[s].1.clone());
                    let Some(r) = cell(b, op, round, k, label, c, &mut created).await else { continue };
                    b.report(&format!("{label} {} (round {})", op.name(), round + 1), k, 0, &r);
                    results.entry((op, k, label)).or_default().push(r);
                }
            }
        }
    }
    if sides.len() == 2 {
        summary(b, &results);
    }
    Ok(())
}

/// One side's cell of `op` at `k` in flight (None: nothing to update or read at this level).
async fn cell(
    b: &Bench,
    op: AssetOp,
    round: usize,
    k: usize,
    label: &'static str,
    c: Contract,
    created: &mut HashMap<(&'static str, usize), Arc<Vec<String>>>,
) -> Option<CellResult> {
    let o = &b.options;
    if op == AssetOp::Create {
        let prefix = format!("{}{}-r{round}-k{k}-", label.to_lowercase(), b.run_tag);
        let r = b
            .cell(o.count, k, move |i| {
                let (c, id) = (c.clone(), format!("{prefix}{i}"));
                async move {
                    submit(&c, "CreateAsset", strings(&[&id, "blue", "5", "dave", "300"]))
                        .await
                        .map(|call| Call { out: id.into_bytes(), ..call })
                }
            })
            .await;
        let ids = r.outputs.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
        created.insert((label, k), Arc::new(ids));
        return Some(r);
    }
    let ids = created.get(&(label, k)).cloned().unwrap_or_default();
    if ids.is_empty() {
        eprintln!("[load] {label} {} @{k}: no asset created at this level", op.name());
        return None;
    }
    // Updates: each asset at most once per cell (no MVCC conflicts).
    let count = if op == AssetOp::Update { o.count.min(ids.len()) } else { o.eval_count };
    let r = b
        .cell(count, k, move |i| {
            let (c, id) = (c.clone(), ids[i % ids.len()].clone());
            async move {
                if op == AssetOp::Update {
                    submit(&c, "UpdateAsset", strings(&[&id, "red", "7", "erin", "450"])).await
                } else {
                    evaluate(&c, "ReadAsset", vec![id.into_bytes()]).await
                }
            }
        })
        .await;
    Some(r)
}

/// The rounds pooled, Go and Rust side by side with Rust / Go ratios.
fn summary(b: &Bench, results: &Results) {
    println!("\n### Summary, all rounds pooled (Rust / Go: > 1 means Rust is faster for tx/s, slower for latency)\n");
    println!("| workload | in flight | Go tx/s | Rust tx/s | Rust / Go tx/s | Go endorse p50 / p99 ms | Rust endorse p50 / p99 ms | Rust / Go endorse p50 | Go p50 / p99 ms | Rust p50 / p99 ms | failed Go / Rust |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let lat = |v: &[Duration]| format!("{} / {}", ms(v, 0.5), ms(v, 0.99));
    for op in AssetOp::ALL {
        for &k in &b.options.inflight {
            let pooled = |label| CellResult::pool(results.get(&(op, k, label)).into_iter().flatten());
            let (g, r) = (pooled("Go"), pooled("Rust"));
            println!(
                "| {} | {k} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} | {} / {} |",
                op.name(),
                g.tps(),
                r.tps(),
                ratio(r.tps(), g.tps()),
                lat(&g.endorse),
                lat(&r.endorse),
                if g.endorse.is_empty() { "–".into() } else { ratio(pct(&r.endorse, 0.5), pct(&g.endorse, 0.5)) },
                lat(&g.latencies),
                lat(&r.latencies),
                g.failed,
                r.failed,
            );
        }
    }
}
