//! `nanotrace-chaincode`: the NanoTrace certificate contract as a Fabric chaincode
//! service. Configure with the CHAINCODE_* environment variables (see `--help`).

use clap::Parser;
use nanotrace_ccaas::config::Config;
use nanotrace_ccaas::service;
use nanotrace_chaincode::CertificateChaincode;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    if let Err(e) = service::init_logging(config.log_format) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    service::run(config, CertificateChaincode::default()).await
}
