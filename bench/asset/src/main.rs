//! `nanotrace-asset-chaincode`: the asset-transfer benchmark contract on NanoTrace's
//! chaincode runtime, served as `nanotrace-chaincode` serves the certificate contract
//! (same flags, same CHAINCODE_* environment; see `--help`). With `ASSET_EVENTS=1`,
//! `CreateAsset` also emits an `AssetCreated` event, as `bench/go-asset` does.

use clap::{CommandFactory, FromArgMatches};
use nanotrace_asset_chaincode::AssetContract;
use nanotrace_ccaas::config::Config;
use nanotrace_ccaas::service;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let command = Config::command().name("nanotrace-asset-chaincode").about(
        "Serves the asset-transfer benchmark contract (CreateAsset / ReadAsset / UpdateAsset) to Hyperledger \
         Fabric peers (chaincode as a service). ASSET_EVENTS=1: CreateAsset emits AssetCreated",
    );
    let config = match Config::from_arg_matches(&command.get_matches()) {
        Ok(config) => config,
        Err(e) => e.exit(),
    };
    if let Err(e) = service::init_logging(config.log_format) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    let events = std::env::var("ASSET_EVENTS").is_ok_and(|v| v == "1");
    service::run(config, AssetContract::with_events(events)).await
}
