//! The network under test: `scripts/network.sh up / deploy / down` in a run folder and on
//! ports of the suite's own, and the guard that tears it down — when the suite ends, when
//! it panics, and (through a watchdog process) when the test process is killed.

use super::process::{self, run_bounded, Output};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The variable network.sh puts into the environment of everything it starts.
pub const MARKER_VAR: &str = "NANOTRACE_FABRIC_RUN";

/// The name the tests deploy the certificate contract under.
pub const CERTIFICATE_CHAINCODE: &str = "nanotrace";

/// Where Fabric's binaries and default configuration are.
/// The binaries of Fabric's release that the network script and the suites run.
pub const BINARIES: [&str; 5] = ["peer", "orderer", "osnadmin", "configtxgen", "configtxlator"];

#[derive(Debug, Clone)]
pub struct Fabric {
    pub bin_dir: PathBuf,
    pub cfg_dir: PathBuf,
}

impl Fabric {
    /// `FABRIC_BIN_DIR` (default `~/.local/share/fabric/bin`) when it holds every binary
    /// of Fabric's release the suites run ([`BINARIES`]); otherwise why not: no Fabric at
    /// all, or which binaries are missing (a partial install would fail half-way through
    /// a suite, e.g. `network.sh crl` without `configtxlator`).
    pub fn find() -> Result<Fabric, String> {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        let default = home.join(".local/share/fabric");
        let bin_dir = std::env::var_os("FABRIC_BIN_DIR").map(PathBuf::from).unwrap_or_else(|| default.join("bin"));
        let cfg_dir = std::env::var_os("FABRIC_CFG_DIR").map(PathBuf::from).unwrap_or_else(|| default.join("config"));
        if !(bin_dir.join("peer").is_file() && bin_dir.join("orderer").is_file()) {
            return Err(format!(
                "no Fabric binaries in {} (set FABRIC_BIN_DIR; see network/README.md)",
                bin_dir.display()
            ));
        }
        let missing: Vec<&str> = BINARIES.iter().copied().filter(|b| !bin_dir.join(b).is_file()).collect();
        if !missing.is_empty() {
            return Err(format!(
                "Fabric in {} lacks {} (every binary of Fabric's release is needed; see network/README.md)",
                bin_dir.display(),
                missing.join(", ")
            ));
        }
        Ok(Fabric { bin_dir, cfg_dir })
    }

    /// [`Fabric::find`], or `None` after recording the skip of `what` (a failure where
    /// the run requires Fabric: `crate::skip`).
    pub fn find_or_skip(what: &str) -> Option<Fabric> {
        match Fabric::find() {
            Ok(f) => Some(f),
            Err(why) => {
                crate::skip::skip(crate::skip::FABRIC, what, &why);
                None
            }
        }
    }
}

/// What `network.sh add-org` prepared.
#[derive(Debug, Clone)]
pub struct OrgUpdate {
    /// The unsigned configuration update, to be signed in turn.
    pub file: PathBuf,
    /// How many member admins' signatures it needs (a majority).
    pub signatures_needed: u64,
    /// How many ordering organisations' admins' signatures it needs as well (a majority of
    /// them when it changes the ordering service, a consenter joining; else 0).
    pub orderer_signatures_needed: u64,
    /// The channel configuration's size with the organisation in it.
    pub config_bytes: u64,
    /// How long the preparation took (CA, identities, update).
    pub seconds: f64,
}

impl OrgUpdate {
    /// What `command` printed.
    fn printed(stdout: &str, command: &str) -> OrgUpdate {
        let number = |key: &str| printed(stdout, key, command).parse().unwrap_or_else(|e| panic!("{key}: {e}"));
        OrgUpdate {
            file: PathBuf::from(printed(stdout, "update", command)),
            signatures_needed: number("signatures_needed"),
            orderer_signatures_needed: number("orderer_signatures_needed"),
            config_bytes: number("config_bytes"),
            seconds: match seconds(stdout, "prepare_seconds") {
                s if s.is_nan() => seconds(stdout, "propose_seconds"),
                s => s,
            },
        }
    }
}

/// A network of the suite's own. Dropping it stops every process of its run folder.
pub struct Network {
    pub fabric: Fabric,
    pub root: PathBuf,
    pub run_dir: PathBuf,
    pub port_base: u16,
    /// `network.env`'s variables, read after `up` (from `network.json`).
    pub env: HashMap<String, String>,
    /// `network.json`, read after `up`.
    run_file: Option<nanotrace_topology::run_file::RunFile>,
    scratch: PathBuf,
    watchdog: Option<Child>,
    down_done: bool,
    /// The logs were printed already (a failure's summary follows them).
    logs_dumped: bool,
    /// More variables for network.sh (e.g. `NANOTRACE_FABRIC_ORDERING=bft`).
    extra_env: Vec<(String, String)>,
    /// An organisation's commands run in its own view of the run folder
    /// ([`super::org_view`]): every other organisation's private keys read as empty.
    org_views: bool,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network").finish_non_exhaustive()
    }
}

impl Network {
    /// A guard for a network in `run_dir` on ports from `port_base`. Nothing runs yet;
    /// a watchdog process is started that runs `network.sh down` for this run folder if
    /// the test process disappears without doing so (killed by a CI timeout, SIGKILL).
    pub fn new(fabric: Fabric, root: &Path, run_dir: PathBuf, port_base: u16) -> Network {
        let scratch = run_dir.with_extension("scratch");
        // A failed earlier run keeps its scratch folder for its logs; nothing in it (a
        // verifier cache, event checkpoints) belongs to this new network.
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).expect("create the suite's scratch folder");
        let mut net = Network {
            fabric,
            root: root.to_owned(),
            run_dir,
            port_base,
            env: HashMap::new(),
            run_file: None,
            scratch,
            watchdog: None,
            down_done: false,
            logs_dumped: false,
            extra_env: Vec::new(),
            org_views: false,
        };
        net.watchdog = Some(net.start_watchdog());
        net
    }

    /// The variables network.sh reads, for this network.
    fn configure(&self, cmd: &mut Command) {
        cmd.current_dir(&self.root)
            .env("FABRIC_BIN_DIR", &self.fabric.bin_dir)
            .env("FABRIC_CFG_DIR", &self.fabric.cfg_dir)
            .env("NANOTRACE_FABRIC_RUN_DIR", &self.run_dir)
            .env("NANOTRACE_FABRIC_PORT_BASE", self.port_base.to_string())
            .env("NANOTRACE_FABRIC_CHAINCODE", "nanotrace")
            .envs(crate::bins::built("nanotrace-topology").map(|bin| ("NANOTRACE_TOPOLOGY_BIN", bin)))
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)))
            .env_remove(MARKER_VAR);
    }

    /// Where every node of this network listens and the ports for services beside it:
    /// the layout `scripts/network.sh` uses (`nanotrace_topology::Layout`), for the
    /// consortium, port base, hosts and ordering this network is made with.
    pub fn layout(&self) -> nanotrace_topology::Layout {
        let setting = |key: &str| self.extra_env.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        // The run's own copy once `up` made it (organisations that joined since are in it).
        let run_copy = self.run_dir.join("consortium.yaml");
        let consortium = match setting("NANOTRACE_FABRIC_CONSORTIUM") {
            _ if run_copy.is_file() => nanotrace_topology::Consortium::load(&run_copy),
            Some(path) => nanotrace_topology::Consortium::load(Path::new(path)),
            None => Ok(nanotrace_topology::Consortium::sample()),
        }
        .unwrap_or_else(|e| panic!("{e}"));
        let hosts = setting("NANOTRACE_FABRIC_HOSTS") == Some("1");
        let ordering = match setting("NANOTRACE_FABRIC_ORDERING") {
            Some("bft") => nanotrace_topology::Ordering::Bft,
            _ => nanotrace_topology::Ordering::Raft,
        };
        nanotrace_topology::Layout::new(&consortium, self.port_base, hosts, ordering).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Passes `key=value` to every later network.sh command (before `up`: e.g.
    /// `NANOTRACE_FABRIC_ORDERING=bft` for four SmartBFT orderers).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.extra_env.push((key.to_owned(), value.to_owned()));
    }

    fn script(&self) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(self.root.join("scripts/network.sh"));
        self.configure(&mut cmd);
        cmd
    }

    fn start_watchdog(&self) -> Child {
        // Waits for this test process to vanish, then takes the network down. Without the
        // marker variable, so `down` never stops the watchdog itself.
        let mut cmd = Command::new("bash");
        cmd.args(["-c", r#"while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" down"#, "_"])
            .arg(std::process::id().to_string())
            .arg(self.root.join("scripts/network.sh"));
        self.configure(&mut cmd);
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        process::new_process_group(&mut cmd);
        cmd.spawn().expect("start the teardown watchdog")
    }

    fn run(&self, args: &[&str], timeout: Duration) -> Output {
        let mut cmd = self.script();
        cmd.args(args);
        run_bounded(cmd, timeout, &self.scratch)
    }

    /// Asks `up` for each organisation on a host of its own (`network.sh up --hosts`: one
    /// Linux network namespace per organisation) when this machine lets us make network
    /// namespaces; otherwise a loud skip of that topology (a failure where `netns` is
    /// required) and the network stays on 127.0.0.1. Returns whether it will be on hosts.
    pub fn on_hosts(&mut self, what: &str) -> bool {
        match netns_available() {
            Ok(()) => {
                self.set_env("NANOTRACE_FABRIC_HOSTS", "1");
                true
            }
            Err(why) => {
                crate::skip::skip(crate::skip::NETNS, &format!("{what} on hosts (network namespaces)"), &why);
                false
            }
        }
    }

    /// Runs each organisation's commands (`prepare_org`, `propose_org`, `inspect_update`,
    /// `sign_update`, `submit_update`, `join_org`, `approve`, `commit`) in its own view of
    /// the run folder, where every other organisation's private key file reads as empty
    /// ([`super::org_view`]), when this machine lets us make mount namespaces; otherwise a
    /// loud skip of that check. Returns whether it will.
    pub fn use_org_views(&mut self, what: &str) -> bool {
        match super::org_view::available() {
            Ok(()) => {
                self.org_views = true;
                true
            }
            Err(why) => {
                crate::skip::skip(crate::skip::NETNS, &format!("{what} with a filesystem view per organisation"), &why);
                false
            }
        }
    }

    /// `network.sh ARGS` as organisation `org` runs it on its own host: in its own view of
    /// the run folder when [`Network::use_org_views`] said so.
    fn run_as(&self, org: &str, args: &[&str], timeout: Duration) -> Output {
        let mut cmd = self.script();
        cmd.args(args);
        if self.org_views {
            let list = self.scratch.join(format!("view-{org}.keys"));
            // Its host: the organisation's network namespace once it has one.
            let netns = self.layout().namespace(org).filter(|ns| Path::new("/run/netns").join(ns).exists());
            cmd = super::org_view::wrap(&cmd, &self.run_dir, org, netns.as_deref(), &list);
        }
        run_bounded(cmd, timeout, &self.scratch)
    }

    /// [`Network::run_as`], its stderr shown indented; panics, with the whole output, when
    /// the command fails.
    fn run_as_ok(&self, org: &str, args: &[&str], timeout: Duration) -> Output {
        let out = self.run_as(org, args, timeout);
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh {} as {org} failed ({}):\n{}", args.join(" "), out.status, out.all());
        out
    }

    /// `network.sh up`; returns its `up_seconds`.
    pub fn up(&mut self) -> f64 {
        let out = self.run(&["up"], Duration::from_secs(300));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh up failed ({}):\n{}", out.status, out.all());
        self.read_env();
        seconds(&out.stdout_text(), "up_seconds")
    }

    /// Reads `network.json` (written by `up`, rewritten when an organisation joins or
    /// leaves): the network typed, and `network.env`'s variables from the same value.
    fn read_env(&mut self) {
        let run = nanotrace_topology::run_file::RunFile::load(&self.run_dir).unwrap_or_else(|e| panic!("{e}"));
        self.env = run.env().into_iter().collect();
        self.run_file = Some(run);
    }

    /// The running network as `network.json` describes it (after `up`).
    pub fn run_file(&self) -> &nanotrace_topology::run_file::RunFile {
        self.run_file.as_ref().expect("network.json is read by up")
    }

    /// `network.sh deploy NAME --address 127.0.0.1:PORT --tls --server SERVER` (and
    /// `--collections` for the certificate contract, [`CERTIFICATE_CHAINCODE`]); returns
    /// its `deploy_seconds`.
    pub fn deploy(&self, name: &str, port: u16, server: &Path) -> f64 {
        self.deploy_labelled(name, port, server, name).0
    }

    /// `network.sh deploy` of `name` as the package labelled `label`: for a chaincode
    /// already committed with another package, the upgrade to the committed sequence + 1
    /// (the server restarted with the new package ID). Returns the seconds it took and the
    /// script's log.
    pub fn deploy_labelled(&self, name: &str, port: u16, server: &Path, label: &str) -> (f64, String) {
        let address = format!("{}:{port}", self.chaincode_host());
        let server = server.to_str().expect("UTF-8 path of the chaincode server");
        let mut args = vec!["deploy", name, "--address", &address, "--tls", "--label", label, "--server", server];
        // The certificate contract's definition carries its private data collections
        // (docs/PRIVATE-DATA.md); the other chaincodes the tests deploy have none.
        if name == CERTIFICATE_CHAINCODE {
            args.insert(2, "--collections");
        }
        let out = self.run(&args, Duration::from_secs(300));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh deploy failed ({}):\n{}", out.status, out.all());
        (seconds(&out.stdout_text(), "deploy_seconds"), out.stderr.clone())
    }

    /// `network.sh deploy` with `args` as given (e.g. a chaincode server run through
    /// `env`, or without TLS); returns its `deploy_seconds`.
    pub fn deploy_with(&self, args: &[&str]) -> f64 {
        let mut all = vec!["deploy"];
        all.extend_from_slice(args);
        let out = self.run(&all, Duration::from_secs(300));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh deploy failed ({}):\n{}", out.status, out.all());
        seconds(&out.stdout_text(), "deploy_seconds")
    }

    /// `network.sh approve NAME --org ORG`: ORG's admin alone approves NAME's next
    /// sequence under the consortium's policy as it stands; the approvals of that sequence
    /// so far and the seconds it took.
    pub fn approve(&self, name: &str, org: &str) -> (u32, f64) {
        let out = self.run_as_ok(org, &["approve", name, "--org", org], Duration::from_secs(180));
        let stdout = out.stdout_text();
        let approvals = printed(&stdout, "approvals", "approve").parse().expect("approvals= is a number");
        (approvals, seconds(&stdout, "approve_seconds"))
    }

    /// `network.sh commit NAME --org ORG`: ORG's admin commits the approved sequence; its
    /// seconds, or the script's whole output when it refuses or fails.
    pub fn commit(&self, name: &str, org: &str) -> Result<f64, String> {
        let out = self.run_as(org, &["commit", name, "--org", org], Duration::from_secs(180));
        eprint!("{}", indent(&out.stderr));
        if !out.success() {
            return Err(out.all());
        }
        Ok(seconds(&out.stdout_text(), "commit_seconds"))
    }

    /// `network.sh snapshot ORG`: a ledger snapshot of ORG's peer at its last block; the
    /// snapshot's folder and block number.
    pub fn snapshot(&self, org: &str) -> (PathBuf, u64) {
        let out = self.run(&["snapshot", org], Duration::from_secs(180));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh snapshot failed ({}):\n{}", out.status, out.all());
        let stdout = out.stdout_text();
        let value = |key: &str| printed(&stdout, key, "snapshot");
        (PathBuf::from(value("snapshot_dir")), value("snapshot_block").parse().expect("a block number"))
    }

    /// `network.sh add-peer ORG [--snapshot DIR]`: ORG's second peer, joined from the
    /// snapshot (or the genesis block) and caught up; the seconds it took.
    pub fn add_peer(&self, org: &str, snapshot: Option<&Path>) -> f64 {
        let mut args = vec!["add-peer", org];
        if let Some(dir) = snapshot {
            args.extend(["--snapshot", dir.to_str().expect("UTF-8 snapshot path")]);
        }
        let out = self.run(&args, Duration::from_secs(300));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh add-peer failed ({}):\n{}", out.status, out.all());
        seconds(&out.stdout_text(), "join_seconds")
    }

    /// `network.sh add-org ENTRY`: the organisation of the entry file gets its CA and
    /// identities, and the unsigned update that adds it to the channel is written.
    pub fn add_org(&self, entry: &Path) -> OrgUpdate {
        let out = self.run(&["add-org", entry.to_str().expect("UTF-8 path")], Duration::from_secs(180));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh add-org failed ({}):\n{}", out.status, out.all());
        OrgUpdate::printed(&out.stdout_text(), "add-org")
    }

    /// `network.sh prepare-org ENTRY`: the newcomer's part on its own host (its CA,
    /// identities and definition); the definition file it hands over, and its seconds.
    pub fn prepare_org(&self, org: &str, entry: &Path) -> (PathBuf, f64) {
        if self.org_views && self.layout().hosts {
            // Its machine first, as the test's root: a network namespace made inside the
            // organisation's view would exist in that view alone.
            let out = self.run(&["make-host", entry.to_str().expect("UTF-8 path")], Duration::from_secs(60));
            eprint!("{}", indent(&out.stderr));
            assert!(out.success(), "network.sh make-host failed ({}):\n{}", out.status, out.all());
        }
        let out = self.run_as_ok(org, &["prepare-org", entry.to_str().expect("UTF-8 path")], Duration::from_secs(180));
        let stdout = out.stdout_text();
        (PathBuf::from(printed(&stdout, "definition", "prepare-org")), seconds(&stdout, "prepare_seconds"))
    }

    /// `network.sh propose-org FILE --org MEMBER`: MEMBER's admin writes the unsigned
    /// update that adds the organisation of the definition FILE.
    pub fn propose_org(&self, definition: &Path, member: &str) -> OrgUpdate {
        let file = definition.to_str().expect("UTF-8 path");
        let out = self.run_as_ok(member, &["propose-org", file, "--org", member], Duration::from_secs(180));
        OrgUpdate::printed(&out.stdout_text(), "propose-org")
    }

    /// `network.sh remove-org ORG --org MEMBER`: MEMBER's admin writes the unsigned
    /// update that takes ORG out of the channel.
    pub fn remove_org(&self, org: &str, member: &str) -> OrgUpdate {
        let out = self.run_as_ok(member, &["remove-org", org, "--org", member], Duration::from_secs(180));
        OrgUpdate::printed(&out.stdout_text(), "remove-org")
    }

    /// `network.sh status`: its report (nodes, heights, chaincodes and whether each one's
    /// committed definition is current).
    pub fn status(&self) -> String {
        let out = self.run(&["status"], Duration::from_secs(60));
        assert!(out.success(), "network.sh status failed ({}):\n{}", out.status, out.all());
        out.stdout_text()
    }

    /// `network.sh inspect-update FILE --org ORG`: what the update changes, in words, read
    /// with ORG's own admin identity.
    pub fn inspect_update(&self, file: &Path, org: &str) -> String {
        let out = self.run_as_ok(
            org,
            &["inspect-update", file.to_str().expect("UTF-8 path"), "--org", org],
            Duration::from_secs(60),
        );
        out.stdout_text()
    }

    /// `network.sh sign-update FILE --org ORG`: ORG's admin signs the update; the MSP IDs
    /// that have signed it now.
    pub fn sign_update(&self, file: &Path, org: &str) -> Vec<String> {
        let out = self.run_as_ok(
            org,
            &["sign-update", file.to_str().expect("UTF-8 path"), "--org", org],
            Duration::from_secs(60),
        );
        printed(&out.stdout_text(), "signed_by", "sign-update").split(',').map(str::to_owned).collect()
    }

    /// `network.sh submit-update FILE --org ORG`: its seconds, or the script's whole output
    /// when it refuses or fails.
    pub fn submit_update(&mut self, file: &Path, org: &str) -> Result<f64, String> {
        let out = self.run_as(
            org,
            &["submit-update", file.to_str().expect("UTF-8 path"), "--org", org],
            Duration::from_secs(180),
        );
        eprint!("{}", indent(&out.stderr));
        if !out.success() {
            return Err(out.all());
        }
        self.read_env();
        Ok(seconds(&out.stdout_text(), "submit_seconds"))
    }

    /// `network.sh join-org ORG [--snapshot DIR]`: the peer of an organisation that joined
    /// starts, joins and catches up; the seconds it took.
    pub fn join_org(&self, org: &str, snapshot: Option<&Path>) -> f64 {
        let mut args = vec!["join-org", org];
        if let Some(dir) = snapshot {
            args.extend(["--snapshot", dir.to_str().expect("UTF-8 snapshot path")]);
        }
        let out = self.run_as_ok(org, &args, Duration::from_secs(300));
        seconds(&out.stdout_text(), "join_seconds")
    }

    /// `network.sh rotate-tls ORG`: a new TLS certificate for ORG's peer, which restarts
    /// with it; the old and new serial numbers (hex).
    pub fn rotate_tls(&self, org: &str) -> (String, String) {
        let out = self.run(&["rotate-tls", org], Duration::from_secs(180));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh rotate-tls failed ({}):\n{}", out.status, out.all());
        let stdout = out.stdout_text();
        (printed(&stdout, "old_serial", "rotate-tls"), printed(&stdout, "new_serial", "rotate-tls"))
    }

    /// `network.sh rotate-orderer-tls ORG [--keep-key]`: (old serial, new serial), or the
    /// script's error output when it refuses.
    pub fn rotate_orderer_tls(&self, org: &str, keep_key: bool) -> Result<(String, String), String> {
        let mut args = vec!["rotate-orderer-tls", org];
        if keep_key {
            args.push("--keep-key");
        }
        let out = self.run(&args, Duration::from_secs(240));
        eprint!("{}", indent(&out.stderr));
        if !out.success() {
            return Err(out.all());
        }
        let stdout = out.stdout_text();
        Ok((printed(&stdout, "old_serial", "rotate-orderer-tls"), printed(&stdout, "new_serial", "rotate-orderer-tls")))
    }

    /// `network.sh backup ORG FILE`: ORG's crypto material and CA in one file.
    pub fn backup(&self, org: &str, file: &Path) {
        let out = self.run(&["backup", org, file.to_str().expect("UTF-8 path")], Duration::from_secs(180));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh backup failed ({}):\n{}", out.status, out.all());
    }

    /// `network.sh restore ORG FILE`: ORG as on a fresh host from its backup, its peer
    /// rejoined and caught up; the seconds it took.
    pub fn restore(&self, org: &str, file: &Path) -> f64 {
        match self.try_restore(org, file) {
            Ok(seconds) => seconds,
            Err(all) => panic!("network.sh restore failed:\n{all}"),
        }
    }

    /// `network.sh restore ORG FILE`, its whole output when it fails.
    pub fn try_restore(&self, org: &str, file: &Path) -> Result<f64, String> {
        let out = self.run(&["restore", org, file.to_str().expect("UTF-8 path")], Duration::from_secs(300));
        eprint!("{}", indent(&out.stderr));
        if !out.success() {
            return Err(out.all());
        }
        Ok(seconds(&out.stdout_text(), "restore_seconds"))
    }

    /// `network.sh crl ORG CRL`: the CRL into ORG's MSP definition on the channel.
    pub fn crl(&self, org: &str, crl: &Path) {
        let crl = crl.to_str().expect("UTF-8 path of the CRL");
        let out = self.run(&["crl", org, crl], Duration::from_secs(180));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh crl failed ({}):\n{}", out.status, out.all());
    }

    /// `network.sh remove ORG NAME` with the `nanotrace` CLI at `cli`: the member's contract
    /// roles revoked, its certificates revoked at ORG's CA, the CRL on the channel. Returns
    /// the script's standard error (the CLI's report and the script's log).
    pub fn remove(&self, org: &str, name: &str, cli: &Path) -> String {
        let mut cmd = self.script();
        cmd.args(["remove", org, name]).env("NANOTRACE_BIN", cli);
        let out = run_bounded(cmd, Duration::from_secs(180), &self.scratch);
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh remove failed ({}):\n{}", out.status, out.all());
        out.stderr
    }

    /// Where chaincode servers listen so that every organisation's peer reaches them:
    /// 127.0.0.1, or with hosts the bridge's address (`NANOTRACE_FABRIC_CHAINCODE_HOST`).
    pub fn chaincode_host(&self) -> String {
        self.env.get("NANOTRACE_FABRIC_CHAINCODE_HOST").cloned().unwrap_or_else(|| "127.0.0.1".to_owned())
    }

    /// A value of `network.env`.
    pub fn var(&self, name: &str) -> String {
        self.env.get(name).cloned().unwrap_or_else(|| panic!("{name} missing from network.env"))
    }

    /// The folder of chaincode NAME (`env`, `tls/`, package).
    pub fn chaincode_dir(&self, name: &str) -> PathBuf {
        self.run_dir.join("chaincode").join(name)
    }

    /// Scratch space outside the run folder.
    pub fn scratch(&self) -> &Path {
        &self.scratch
    }

    /// `network.sh down` (keeping the run folder when `keep`, for its logs). Idempotent.
    pub fn down(&mut self, keep: bool) -> Duration {
        let args: &[&str] = if keep { &["down", "--keep"] } else { &["down"] };
        let out = self.run(args, Duration::from_secs(120));
        eprint!("{}", indent(&out.stderr));
        assert!(out.success(), "network.sh down failed ({}):\n{}", out.status, out.all());
        self.down_done = true;
        out.elapsed
    }

    /// Processes still carrying this run folder's marker.
    pub fn leftovers(&self) -> Vec<u32> {
        process::pids_with_env(MARKER_VAR, self.run_dir.to_str().unwrap_or_default())
    }

    fn stop_watchdog(&mut self) {
        if let Some(mut w) = self.watchdog.take() {
            process::kill_group(w.id(), "KILL");
            let _ = w.kill();
            let _ = w.wait();
        }
    }

    /// [`Network::dump_logs`] now rather than when the failing test drops the network, so
    /// that what the test prints next (its failures) ends the output, where a truncated CI
    /// log still shows it.
    pub fn dump_logs_before_failing(&mut self, lines: usize) {
        eprintln!("[fabric] the suite failed: logs of {} follow, then the failures", self.run_dir.display());
        self.dump_logs(lines);
        self.logs_dumped = true;
    }

    /// Prints the last warnings and errors of every node log, and the last lines of every
    /// other log (chaincode server, CLI steps) of the run folder.
    pub fn dump_logs(&self, lines: usize) {
        for log in process::logs_in(&self.run_dir.join("logs")) {
            let node = log
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("peer0.") || n.starts_with("orderer0"));
            let text = if node {
                process::tail_matching(&log, lines, &["WARN", "ERRO", "PANI"])
            } else {
                process::tail(&log, lines)
            };
            eprintln!("----- {}\n{text}", log.display());
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        if panicking && !self.logs_dumped {
            eprintln!("[fabric] the suite failed: logs of {} follow, then teardown", self.run_dir.display());
            self.dump_logs(25);
        }
        if !self.down_done || !self.leftovers().is_empty() {
            // On failure keep the run folder for its logs; the next `up` clears it.
            let mut cmd = self.script();
            cmd.args(if panicking { &["down", "--keep"][..] } else { &["down"][..] });
            let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let out = run_bounded(cmd, Duration::from_secs(120), &self.scratch);
                eprint!("{}", indent(&out.stderr));
                out.success()
            }));
            if !matches!(ok, Ok(true)) {
                eprintln!("[fabric] network.sh down failed; killing what is left of {}", self.run_dir.display());
                for pid in self.leftovers() {
                    process::kill_pid(pid, "KILL");
                }
            }
        }
        self.stop_watchdog();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Whether a network namespace can be made here: one is made and removed (`ip netns`).
pub fn netns_available() -> Result<(), String> {
    let name = format!("nt-probe-{}", std::process::id());
    let made = Command::new("ip")
        .args(["netns", "add", &name])
        .output()
        .map_err(|e| format!("cannot run iproute2's ip: {e}"))?;
    if !made.status.success() {
        return Err(format!(
            "`ip netns add` failed (network namespaces need root): {}",
            String::from_utf8_lossy(&made.stderr).trim()
        ));
    }
    let _ = Command::new("ip").args(["netns", "del", &name]).output();
    Ok(())
}

/// The value `network.sh COMMAND` printed as `KEY=value`.
fn printed(stdout: &str, key: &str, command: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")).map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| panic!("network.sh {command} printed no {key}: {stdout}"))
}

fn seconds(stdout: &str, key: &str) -> f64 {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}
