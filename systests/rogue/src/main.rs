//! `nanotrace-rogue-chaincode`: the rogue chaincode of the attack tests (see the library),
//! served as `nanotrace-chaincode` serves the honest contract (same flags, same
//! CHAINCODE_* environment; see `--help`). Never deploy it: it writes whatever it is told.

use clap::{CommandFactory, FromArgMatches};
use nanotrace_ccaas::config::Config;
use nanotrace_ccaas::service;
use nanotrace_rogue_chaincode::RogueChaincode;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let command = Config::command().name("nanotrace-rogue-chaincode").about(
        "A test chaincode: the certificate contract plus Forge, which writes whatever it is told. For the attack \
         tests only (issue 70)",
    );
    let config = match Config::from_arg_matches(&command.get_matches()) {
        Ok(config) => config,
        Err(e) => e.exit(),
    };
    if let Err(e) = service::init_logging(config.log_format) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    service::run(config, RogueChaincode::default()).await
}
