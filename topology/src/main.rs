//! `nanotrace-topology`: checks a consortium file and gives it to scripts.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use nanotrace_topology::configtx::{ConfigTx, Tuning};
use nanotrace_topology::run_file::{self, FabricDirs, RunFile};
use nanotrace_topology::{port_bases, profiles, shell, Consortium, Layout, Ordering};

/// The consortium file of a NanoTrace Fabric network: checked, and given to
/// scripts/network.sh as bash declarations.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The consortium file (YAML; format: topology/README.md). Without it, the sample
    /// consortium (network/consortium.yaml as built in).
    #[arg(long, env = "NANOTRACE_FABRIC_CONSORTIUM", global = true)]
    consortium: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// A network of the consortium: where its nodes listen.
#[derive(Debug, clap::Args)]
struct Network {
    /// The port base (a network takes ports base … base+699).
    #[arg(long, env = "NANOTRACE_FABRIC_PORT_BASE", default_value_t = port_bases::DEVELOPER_BASE)]
    port_base: u16,
    /// Each organisation a host of its own (1) or every node on 127.0.0.1 (0).
    #[arg(long, env = "NANOTRACE_FABRIC_HOSTS", default_value = "0", value_parser = ["0", "1"])]
    hosts: String,
    /// How the channel is ordered.
    #[arg(long, env = "NANOTRACE_FABRIC_ORDERING", default_value = "raft", value_parser = ["raft", "bft"])]
    ordering: String,
}

/// The run folder of a network and its channel.
#[derive(Debug, clap::Args)]
struct RunFolder {
    /// The run folder (its crypto/, profiles/, network.json …).
    #[arg(long, env = "NANOTRACE_FABRIC_RUN_DIR")]
    run_dir: PathBuf,
    /// The channel.
    #[arg(long)]
    channel: String,
}

impl Network {
    fn layout(&self, consortium: &Consortium) -> Result<Layout, nanotrace_topology::TopologyError> {
        let ordering = if self.ordering == "bft" { Ordering::Bft } else { Ordering::Raft };
        Layout::new(consortium, self.port_base, self.hosts == "1", ordering)
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Checks the file; prints each organisation's name, MSP ID and kind.
    Check,
    /// Prints the bash declarations scripts/network.sh evaluates: the consortium's (ORGS,
    /// ORG_MSP, …) and its network's ports and addresses (PEER_PORT, CA_PORT, …).
    Bash(Network),
    /// Prints the network's layout as JSON: every organisation's ports and address.
    Layout(Network),
    /// Prints the port of service N beside the network, B+300+N (N from 0 to 99): where a
    /// chaincode server or a verifier listens, e.g. `deploy --address 127.0.0.1:PORT`.
    ServicePort {
        #[command(flatten)]
        network: Network,
        /// The service's number, 0 … 99.
        #[arg(value_name = "N")]
        number: u16,
    },
    /// Prints the port base of the network NAME (`developer`, a test suite's or a
    /// benchmark's) from the one table of them (topology/README.md); without NAME, that
    /// table (Markdown).
    PortBase {
        /// The network's name, e.g. `smoke`, `e2e`, `bench-fabric`.
        name: Option<String>,
    },
    /// Prints what a channel configuration update changes, in words: the organisations,
    /// policies and values it adds, removes or changes, an added organisation's CA roots
    /// by SHA-256 fingerprint (to check with it out of band) — what an admin reads before
    /// signing (`scripts/network.sh inspect-update`, `sign-update`).
    DescribeUpdate {
        /// The channel's current configuration as `configtxlator proto_decode` writes it
        /// (a config block, or its `common.Config`).
        #[arg(long, value_name = "JSON")]
        config: PathBuf,
        /// The update: a decoded `common.Envelope` carrying it, or the `common.ConfigUpdate`.
        #[arg(long, value_name = "JSON")]
        update: PathBuf,
    },
    /// Says whether a committed chaincode definition's endorsement policy still names the
    /// consortium's members that run peers (`current`) or not (`stale`: approve a new
    /// sequence); exits 1 when stale.
    CheckDefinition {
        /// The definition as `peer lifecycle chaincode querycommitted -O json` prints it.
        #[arg(long, value_name = "JSON")]
        committed: PathBuf,
    },
    /// Prints the contract's private data collections as a chaincode definition takes them
    /// (`approveformyorg --collections-config FILE`): one billing collection per
    /// certification body and manufacturer, those of organisations that left kept
    /// (docs/PRIVATE-DATA.md).
    Collections,
    /// Prints the Application group's `LifecycleEndorsement` and `Endorsement` policies of
    /// a channel of the consortium, as configtxlator writes a configuration's policies
    /// (JSON: `{"LifecycleEndorsement": {"type": 1, "value": …}, "Endorsement": …}`):
    /// what a member's host sets in a membership update, with no other organisation's
    /// MSP folder at hand (`scripts/network.sh propose-org`).
    ApplicationPolicies,
    /// Prints organisation ORG's own definitions alone, read from its own MSP folders only:
    /// a configtx.yaml for `configtxgen -printOrg` on its host (`<MSP>`: its definition as
    /// a member of the channel; `<MSP>-orderer`: as an ordering organisation, when it runs a
    /// SmartBFT orderer), or with --consenter its entry in the consenter mapping as
    /// configtxlator writes it (JSON; `null` without an orderer). What
    /// `scripts/network.sh prepare-org` hands over.
    OrgDefinition {
        #[command(flatten)]
        network: Network,
        /// The run folder (its crypto/ is where the MSP folders are).
        #[arg(long, env = "NANOTRACE_FABRIC_RUN_DIR")]
        run_dir: PathBuf,
        /// The organisation (its name in the consortium file).
        org: String,
        /// Print its consenter entry instead.
        #[arg(long)]
        consenter: bool,
    },
    /// Prints the consortium with one more organisation (its entry, as in the file's
    /// `organizations`, read from ENTRY) joined at the end: checked as a whole.
    Add {
        /// A YAML file with the organisation's entry.
        entry: PathBuf,
    },
    /// Prints the consortium with organisation NAME retired (it keeps its place, and so
    /// every other organisation its ports): checked as a whole.
    Retire {
        /// The organisation's name.
        name: String,
    },
    /// Prints the channel's configtx.yaml (configtxgen's input): every organisation's
    /// definition and the profiles NanoTraceChannel, NanoTraceChannelV2 and, ordered by
    /// SmartBFT, NanoTraceChannelBFT.
    Configtx {
        #[command(flatten)]
        network: Network,
        /// The run folder (its crypto/ is where the MSP folders are).
        #[arg(long, env = "NANOTRACE_FABRIC_RUN_DIR")]
        run_dir: PathBuf,
        /// How long the orderer waits for more transactions before cutting a block
        /// (default 50ms).
        #[arg(long)]
        batch_timeout: Option<String>,
        /// The most transactions in a block (default 500).
        #[arg(long)]
        max_message_count: Option<u32>,
        /// The size a block aims at (default 2 MB).
        #[arg(long)]
        preferred_max_bytes: Option<String>,
        /// The size no block exceeds (default 10 MB).
        #[arg(long)]
        absolute_max_bytes: Option<String>,
    },
    /// Writes what the running network tells its clients into the run folder:
    /// network.json (typed: the test harness reads it) and network.env (the same as
    /// sourceable KEY=value lines).
    RunFile {
        #[command(flatten)]
        network: Network,
        #[command(flatten)]
        run: RunFolder,
        /// Fabric's binaries.
        #[arg(long, env = "FABRIC_BIN_DIR")]
        fabric_bin_dir: PathBuf,
        /// Fabric's default configuration.
        #[arg(long, env = "FABRIC_CFG_DIR")]
        fabric_cfg_dir: PathBuf,
    },
    /// Writes the connection profile of every user of every organisation found in the
    /// run folder's crypto material to <run-dir>/profiles/<org>-<user>.yaml.
    Profiles {
        #[command(flatten)]
        network: Network,
        #[command(flatten)]
        run: RunFolder,
        /// The chaincode the profiles name.
        #[arg(long, env = "NANOTRACE_FABRIC_CHAINCODE", default_value = "nanotrace")]
        chaincode: String,
        /// Only the profiles of this organisation's users with its second peer as gateway
        /// (<org>-<user>-peer1.yaml).
        #[arg(long)]
        second_peer: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let consortium = match &cli.consortium {
        Some(path) => Consortium::load(path).context("the consortium file")?,
        None => Consortium::sample(),
    };
    match cli.command {
        Command::Check => {
            for org in &consortium.organizations {
                let governs = if org.governs { ", governs" } else { "" };
                println!("{} {} ({:?}{governs}, {} peer(s))", org.name, org.msp_id, org.kind, org.peers);
            }
        }
        Command::Bash(network) => {
            let layout = network.layout(&consortium).context("the port layout")?;
            print!("{}{}", shell::declarations(&consortium), shell::layout_declarations(&layout));
        }
        Command::Profiles { network, run: RunFolder { run_dir, channel }, chaincode, second_peer } => {
            let layout = network.layout(&consortium).context("the port layout")?;
            let all = profiles::profiles(&consortium, &layout, &run_dir, &channel, &chaincode)
                .context("reading the run folder's crypto material")?;
            let written = match &second_peer {
                Some(org) => profiles::second_peer_profiles(&consortium, &layout, &all, org)?,
                None => all,
            };
            let dir = run_dir.join("profiles");
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for profile in &written {
                let path = dir.join(format!("{}.yaml", profile.name));
                let text = profile.to_yaml().context("a connection profile as YAML")?;
                std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            }
        }
        Command::Add { entry } => {
            let text = std::fs::read_to_string(&entry).with_context(|| format!("reading {}", entry.display()))?;
            let grown = consortium.with_member(&text, &entry.display().to_string())?;
            print!("{}", grown.to_yaml().context("the consortium as YAML")?);
        }
        Command::Collections => {
            let config = nanotrace_topology::collections::collections_config(&consortium)?;
            println!("{}", serde_json::to_string_pretty(&config)?);
        }
        Command::ApplicationPolicies => {
            use nanotrace_topology::signature_policy::config_json;
            let policies = serde_json::json!({
                "LifecycleEndorsement": config_json(&consortium.lifecycle_policy())?,
                "Endorsement": config_json(&consortium.default_endorsement_policy())?,
            });
            println!("{policies}");
        }
        Command::OrgDefinition { network, run_dir, org, consenter } => {
            let layout = network.layout(&consortium).context("the port layout")?;
            let (alone, entry) = ConfigTx::organization_alone(&consortium, &layout, &run_dir, &org)
                .with_context(|| format!("{org} is no member of the consortium"))?;
            if !consenter {
                print!("{}", alone.to_yaml().context("configtx.yaml")?);
                return Ok(());
            }
            let Some(entry) = entry else {
                println!("null");
                return Ok(());
            };
            let pem = |path: &PathBuf| -> anyhow::Result<String> {
                let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                Ok(data_encoding::BASE64.encode(&bytes))
            };
            let json = serde_json::json!({
                "id": entry.id,
                "msp_id": entry.msp_id,
                "host": entry.endpoint.host,
                "port": entry.endpoint.port,
                "identity": pem(&entry.identity)?,
                "client_tls_cert": pem(&entry.endpoint.client_tls_cert)?,
                "server_tls_cert": pem(&entry.endpoint.server_tls_cert)?,
            });
            println!("{json}");
        }
        Command::Retire { name } => {
            let shrunk = consortium.with_retired(&name)?;
            print!("{}", shrunk.to_yaml().context("the consortium as YAML")?);
        }
        Command::Configtx {
            network,
            run_dir,
            batch_timeout,
            max_message_count,
            preferred_max_bytes,
            absolute_max_bytes,
        } => {
            let layout = network.layout(&consortium).context("the port layout")?;
            let tuning = Tuning {
                batch_timeout: batch_timeout.filter(|s| !s.is_empty()),
                max_message_count,
                preferred_max_bytes: preferred_max_bytes.filter(|s| !s.is_empty()),
                absolute_max_bytes: absolute_max_bytes.filter(|s| !s.is_empty()),
            };
            let configtx = ConfigTx::new(&consortium, &layout, &run_dir, &tuning);
            print!("{}", configtx.to_yaml().context("configtx.yaml")?);
        }
        Command::RunFile { network, run: RunFolder { run_dir, channel }, fabric_bin_dir, fabric_cfg_dir } => {
            let layout = network.layout(&consortium).context("the port layout")?;
            let consortium_path = cli.consortium.clone().unwrap_or_default();
            let fabric = FabricDirs { bin: fabric_bin_dir, cfg: fabric_cfg_dir };
            let run = RunFile::new(&consortium, &consortium_path, &layout, &run_dir, &channel, &fabric);
            // Each file whole or not at all: written aside, then renamed.
            let json = serde_json::to_string_pretty(&run).context("network.json")?;
            for (name, text) in [(run_file::JSON_FILE, json), (run_file::ENV_FILE, run.env_text())] {
                let path = run_dir.join(name);
                let aside = run_dir.join(format!(".{name}.new"));
                std::fs::write(&aside, text).with_context(|| format!("writing {}", aside.display()))?;
                std::fs::rename(&aside, &path).with_context(|| format!("writing {}", path.display()))?;
            }
        }
        Command::DescribeUpdate { config, update } => {
            let read = |path: &PathBuf| -> anyhow::Result<serde_json::Value> {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
            };
            let delta = nanotrace_topology::config_delta::describe(&read(&config)?, &read(&update)?)
                .with_context(|| format!("{} against {}", update.display(), config.display()))?;
            print!("{delta}");
        }
        Command::CheckDefinition { committed } => {
            use nanotrace_topology::definition_check::{committed_policy, fit, Fit};
            let text =
                std::fs::read_to_string(&committed).with_context(|| format!("reading {}", committed.display()))?;
            let definition: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", committed.display()))?;
            let verdict = fit(&committed_policy(&definition)?, &consortium);
            println!("{verdict}");
            if verdict != Fit::Current {
                std::process::exit(1);
            }
        }
        Command::ServicePort { network, number } => {
            let layout = network.layout(&consortium).context("the port layout")?;
            println!("{}", layout.try_service_port(number)?);
        }
        Command::PortBase { name: Some(name) } => println!("{}", port_bases::port_base(&name)?),
        Command::PortBase { name: None } => print!("{}", port_bases::markdown_table()),
        Command::Layout(network) => {
            let layout = network.layout(&consortium).context("the port layout")?;
            println!("{}", serde_json::to_string_pretty(&layout).context("the layout as JSON")?);
        }
    }
    Ok(())
}
