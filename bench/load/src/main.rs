//! `nanotrace-load`: the load generator for a running NanoTrace Fabric network (driven by
//! `scripts/bench/fabric.sh`; `nanotrace-load --help` lists every option).
//!
//! Everything goes through our Gateway client (endorse, submit, wait for the commit status;
//! evaluate). Three workloads, each optional:
//!
//! - **Asset A/B** (`--asset-go NAME --asset-rust NAME`): the asset-transfer contract served
//!   by Fabric's Go contract API (`bench/go-asset`) and by our runtime (`bench/asset`),
//!   deployed side by side on one channel. `CreateAsset`, `UpdateAsset` (submits) and
//!   `ReadAsset` (evaluates) at each in-flight level, the Go and the Rust chaincode one after
//!   the other in every cell, in alternating order, for `--rounds` rounds. Per cell: tx/s,
//!   endorsement latency p50/p99 (building and signing the proposal until the endorsed
//!   transaction is back) and commit latency p50/p99 (until the commit status). A summary
//!   pools the rounds and gives Rust / Go ratios ([`asset`]).
//! - **NanoTrace** (`--nanotrace`): certificates applied and approved, the approvals carrying
//!   real Ed25519 signatures over each certificate's canonical bytes (checked by the
//!   chaincode): single transactions (`Apply` then `Approve` at each in-flight level) and
//!   batches (`ApplyBatch` then `ApproveBatch`, per `--batches SIZE:TXS`), with certificates
//!   committed per second end to end; then `Verify` evaluates/s on the issued certificates.
//!   The manufacturer applies through its own peer and the certifier lists the PENDING
//!   certificates on hers, so before listing the generator waits until her peer has
//!   committed the applies' last block (`qscc GetChainInfo`), and fails if any applied
//!   certificate is still not listed ([`nanotrace`]).
//! - **Fabric's floor** (`--floor NAME --floor-batches N:TXS,...`): `CreateAssets` of the
//!   Rust asset contract (`bench/asset`), N new keys per transaction (one read and one
//!   write each, nothing else), at each `--batch-inflight` level: what the peers, the
//!   orderer and the chaincode spend per written key when the contract does next to
//!   nothing — the cost any contract pays per key on this network. `--floor-value-bytes B`
//!   pads each value (the asset's colour) with B bytes, to separate the cost per key from
//!   the cost per byte. With `--floor-protect` the cells run again after `ProtectAsset` has
//!   put a key-level endorsement policy on one key of the namespace (Fabric then looks up
//!   the metadata of every key the namespace writes) ([`floor`]).
//!
//! - **Queries** (`--queries`, after the others): every page of `ListByStatus ACTIVE` and
//!   of `ListByApplicant`, the approval queue after `--queue` applications are left
//!   waiting, and `History` of a certificate after `--history-changes` suspensions and
//!   reinstatements, each evaluate timed alone, on whatever the ledger holds by then
//!   ([`queries`]).
//!
//! Every cell is bounded in count and in time (`--seconds`). Addresses come from the
//! connection profiles (`scripts/network.sh` writes them for 127.0.0.1). With
//! `--bootstrap` the sample network's governance is set up first
//! (`nanotrace_sample::set_up`, as `nanotrace init` and the Fabric suites).
//!
//! With `--cpu-pids DIR` (the run folder's `pids/`, one `NAME.pid` per process of the
//! network), the CPU time (`/proc/PID/stat` utime + stime) each process and this generator
//! used during each cell is printed at the end, per transaction and, for batches, per item
//! (certificate or key): where the machine's CPU goes, peer by peer, orderer, chaincode
//! servers, client ([`cpu`]).

mod asset;
mod bench;
mod cell;
mod client;
mod cpu;
mod floor;
mod governance;
mod nanotrace;
mod options;
mod queries;
mod report;

use anyhow::{Context, Result};
use bench::Bench;
use cpu::CpuSampler;
use options::Options;
use std::process::ExitCode;
use std::time::Duration;

/// The name this generator goes by in messages and in the CPU tables.
const NAME: &str = "nanotrace-load";

async fn run(options: Options) -> Result<()> {
    let cpu = match &options.cpu_pids {
        Some(dir) => CpuSampler::from_pids_dir(NAME, dir)?,
        None => CpuSampler::off(),
    };
    let status_base = options.credentials.status_base();
    let issuer = if options.bootstrap {
        Some(governance::set_up_sample_network(&options.profiles, status_base).await.context("governance")?)
    } else {
        None
    };
    let issuer = match (options.nanotrace, issuer) {
        (false, _) => None,
        (true, Some(issuer)) => Some(issuer),
        (true, None) => {
            Some(governance::register_issuer_key(&options.profiles, status_base).await.context("issuer key")?)
        }
    };
    let bench =
        Bench { limit: Duration::from_secs(options.seconds), run_tag: client::now().unsigned_abs(), options, cpu };
    if bench.options.asset_go.is_some() || bench.options.asset_rust.is_some() {
        asset::run(&bench).await.context("asset A/B")?;
        bench.cpu.print_table();
    }
    if let Some(name) = &bench.options.floor {
        floor::run(&bench, name).await.context("Fabric's floor")?;
        bench.cpu.print_table();
    }
    if let Some(issuer) = issuer {
        nanotrace::run(&bench, issuer).await.context("NanoTrace")?;
        bench.cpu.print_table();
    }
    if bench.options.queries {
        let o = &bench.options;
        queries::run(&o.profiles, bench.run_tag, o.queue, o.history_changes).await.context("queries")?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse_checked();
    match run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{NAME}: {e:#}");
            ExitCode::FAILURE
        }
    }
}
