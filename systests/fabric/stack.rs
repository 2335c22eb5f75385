//! One organisation's stack in containers on the real network (issue 47): the Regulator
//! runs `deploy/compose/compose.yaml` — the chaincode server every peer dials (its port
//! published where the package's `connection.json` says, mutual TLS), the public verifier
//! and the notifier following the Regulator's peer as rita, and the members' console —
//! from the images `scripts/images.sh` builds, with its configuration folder laid out as
//! docs/CONTAINERS.md tells an operator to.
//!
//! The walk: the e2e suite's governance setup and lifecycle run through the chaincode's
//! container; a new certificate is applied and approved and the stack's verifier page says
//! VALID and its notifier's webhook says `approved`; the chaincode container is killed (an
//! application fails underneath the contract and nothing is written) and started again (the
//! peers reconnect, nothing lost); the whole stack is stopped and started and finds its
//! state where it left it: the verifier answers from its cache volume, the notifier's
//! outbox sends nothing twice and tells the next decision.

use crate::client::profile;
use crate::network::Network;
use crate::peer::CHAINCODE;
use crate::steps::{application, World};
use nanotrace_client::{NanoTrace, Wait};
use nanotrace_fabric_gateway::profile::ConnectionProfile;
use nanotrace_model::{CertificateStatus, Verdict};
use nanotrace_testkit::compose::ComposeProject;
use nanotrace_testkit::containers::Container;
use nanotrace_testkit::fabric::verifier::try_get;
use nanotrace_testkit::webhook::Receiver;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The organisation whose stack runs.
const ORG: &str = "regulator";
/// The services' user in every image.
const SERVICE_UID: u32 = 10001;
const SECRET: &str = "whsec_Zm9yIHRoZSBzdGFjayB0ZXN0IG9ubHkgMTIzNDU2";

/// The stack's addresses on this host.
pub(crate) struct Ports {
    pub(crate) chaincode: u16,
    pub(crate) verifier: u16,
    pub(crate) notify: u16,
    pub(crate) console: u16,
}

/// A running stack: its Compose project and the webhook receiver its notifier tells.
pub(crate) struct Stack {
    pub(crate) project: ComposeProject,
    pub(crate) receiver: Receiver,
    pub(crate) verifier: SocketAddr,
    pub(crate) console: SocketAddr,
    prefix: String,
}

/// A file the services read: world-readable certificates, keys readable by the services'
/// user only (chowned to it when this process may; otherwise readable by all, for rootless
/// podman, whose container users are subordinate IDs).
fn install(from: &Path, to: &Path, secret: bool) {
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
    let mode = if secret && std::os::unix::fs::chown(to, Some(SERVICE_UID), Some(SERVICE_UID)).is_ok() {
        0o600
    } else {
        0o644
    };
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn folder(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir.to_owned()
}

/// `name`'s connection profile as a container reads it: every file it names copied into
/// `dir` and named by its path under `mount`.
fn contained_profile(net: &Network, name: &str, dir: &Path, mount: &str) {
    let mut p = ConnectionProfile::load(profile(net, name)).expect("profile");
    let put = |from: &Path, file: &str, secret: bool| -> PathBuf {
        install(from, &dir.join(file), secret);
        PathBuf::from(format!("{mount}/{file}"))
    };
    p.identity.msp_dir = None;
    p.identity.cert = put(&p.identity.cert.clone(), "identity.crt", false);
    p.identity.key = put(&p.identity.key.clone(), "identity.key", true);
    if let Some(ca) = p.gateway.tls_ca_cert.clone() {
        p.gateway.tls_ca_cert = Some(put(&ca, "gateway-tls-ca.crt", false));
    }
    for (i, peer) in p.peers.iter_mut().enumerate() {
        if let Some(ca) = peer.tls_ca_cert.clone() {
            peer.tls_ca_cert = Some(put(&ca, &format!("peer{i}-tls-ca.crt"), false));
        }
    }
    if let Some(orderer) = p.orderer.as_mut() {
        if let Some(ca) = orderer.tls_ca_cert.clone() {
            orderer.tls_ca_cert = Some(put(&ca, "orderer-tls-ca.crt", false));
        }
    }
    std::fs::write(dir.join("profile.yaml"), p.to_yaml().expect("profile YAML")).expect("profile.yaml");
}

fn copy_tree(from: &Path, to: &Path) {
    folder(to);
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            install(&entry.path(), &target, false);
        }
    }
}

impl Stack {
    /// Lays out the Regulator's configuration folder in `dir` and starts the stack from
    /// `deploy/compose/compose.yaml` with the images tagged `version`.
    pub(crate) fn start(net: &Network, dir: &Path, version: &str, ports: &Ports) -> Stack {
        let run = net.run_file();
        let org = run.organizations.iter().find(|o| o.name == ORG).expect("the regulator");
        let peer = org.peer.as_ref().expect("the regulator runs a peer");
        let config = folder(&dir.join("config"));

        // The chaincode server's TLS pair and the CA of the peers' client certificates,
        // as `network.sh deploy` made them.
        let tls = net.chaincode_dir(CHAINCODE).join("tls");
        let chaincode = folder(&config.join("chaincode"));
        install(&tls.join("server.crt"), &chaincode.join("tls.crt"), false);
        install(&tls.join("server.key"), &chaincode.join("tls.key"), true);
        install(&tls.join("ca.crt"), &chaincode.join("client-ca.crt"), false);

        // The verifier and the notifier follow the Regulator's peer as rita.
        contained_profile(net, "regulator-rita", &folder(&config.join("verifier")), "/etc/nanotrace/verifier");
        let notify = folder(&config.join("notify"));
        contained_profile(net, "regulator-rita", &notify, "/etc/nanotrace/notify");
        let receiver = Receiver::start();
        let verifier_url = format!("http://127.0.0.1:{}", ports.verifier);
        std::fs::write(
            notify.join("subscriptions.toml"),
            format!(
                "verify_url = \"{verifier_url}\"\n[[webhook]]\nname = \"erp\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n\
                 [[subscription]]\nall = true\nevents = [\"applied\", \"approved\", \"revoked\"]\nnotify = [\"erp\"]\n",
                receiver.url()
            ),
        )
        .expect("subscriptions.toml");

        // The console: the organisation's MSP folder, its peer's and CA's TLS roots.
        let console = folder(&config.join("console"));
        let org_msp = org.admin_msp.ancestors().nth(3).expect("<org>/users/<admin>/msp").join("msp");
        copy_tree(&org_msp, &console.join("msp"));
        install(&peer.tls_ca, &console.join("peer-tls-ca.crt"), false);
        install(&org.ca.tls_root, &console.join("ca-tls-root.crt"), false);

        let package_id = std::fs::read_to_string(net.chaincode_dir(CHAINCODE).join("package_id")).expect("package_id");
        let prefix = format!("nanotrace-stack-test-{}", std::process::id());
        let env = dir.join("stack.env");
        std::fs::write(
            &env,
            [
                format!("NANOTRACE_VERSION={version}"),
                format!("NANOTRACE_STACK={prefix}"),
                format!("NANOTRACE_CONFIG_DIR={}", config.display()),
                format!("CHAINCODE_ID={}", package_id.trim()),
                format!("NANOTRACE_CHAINCODE_PUBLISH=127.0.0.1:{}", ports.chaincode),
                format!("NANOTRACE_VERIFIER_LISTEN=127.0.0.1:{}", ports.verifier),
                format!("NANOTRACE_VERIFIER_PUBLIC_URL={verifier_url}"),
                format!("NANOTRACE_NOTIFY_LISTEN=127.0.0.1:{}", ports.notify),
                format!("NANOTRACE_CONSOLE_LISTEN=127.0.0.1:{}", ports.console),
                format!("NANOTRACE_CONSOLE_PUBLIC_URL=http://127.0.0.1:{}", ports.console),
                format!("NANOTRACE_PEER={}", peer.address),
                format!("NANOTRACE_PEER_SERVER_NAME={}", peer.server_name),
                format!("NANOTRACE_CHANNEL={}", run.channel),
                format!("NANOTRACE_MSP_ID={}", org.msp_id),
                format!("NANOTRACE_CA_URL={}", org.ca.url),
                String::new(),
            ]
            .join("\n"),
        )
        .expect("stack.env");
        let file = nanotrace_systests::repo_root().join("deploy/compose/compose.yaml");
        let project = ComposeProject::new(dir, &prefix, &file, &env);
        project.up();
        let verifier = format!("127.0.0.1:{}", ports.verifier).parse().expect("address");
        let console = format!("127.0.0.1:{}", ports.console).parse().expect("address");
        let stack = Stack { project, receiver, verifier, console, prefix };
        stack.wait_healthy();
        stack
    }

    /// One of the stack's containers (the project removes them).
    pub(crate) fn container(&self, service: &str) -> Container {
        Container::managed(format!("{}-{service}", self.prefix))
    }

    /// Every service's own health check passes (bounded).
    pub(crate) fn wait_healthy(&self) {
        for service in ["chaincode", "verifier", "notify", "console"] {
            self.container(service).wait_healthy(Duration::from_secs(90));
        }
    }

    /// Waits (bounded) until the stack's verifier answers `id` with `verdict`, in its API
    /// and on its public page; returns the page.
    pub(crate) fn wait_verdict(&self, id: &str, verdict: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        let want = format!("\"verdict\":\"{verdict}\"");
        loop {
            let api = try_get(self.verifier, &format!("/api/v1/certificates/{id}"));
            if let Ok((200, body)) = &api {
                if body.replace(' ', "").contains(&want) {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "the stack's verifier never said {verdict} for {id}: {api:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
        let (status, page) = try_get(self.verifier, &format!("/c/{id}")).expect("the verification page");
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(id) && page.contains(verdict), "the page names {id} and {verdict}");
        page
    }

    /// Waits (bounded) until the notifier's webhook told `event` for `id`; returns how many
    /// webhooks arrived in all, each checked to be told once.
    pub(crate) fn wait_told(&self, id: &str, event: &str) -> usize {
        let told = self.receiver.wait_until(Duration::from_secs(60), &format!("{event} of {id}"), |hooks| {
            hooks.iter().any(|r| {
                let body = r.json();
                body["data"]["certificate_id"] == id && body["data"]["event"] == event
            })
        });
        let ids: BTreeSet<&str> = told.iter().map(|r| r.header("webhook-id")).collect();
        assert_eq!(ids.len(), told.len(), "every webhook once");
        told.len()
    }
}

/// The walk (see the module's documentation).
pub(crate) fn walk(w: &World, stack: &Stack) {
    // (1) Apply → approve → the stack's verifier page → the stack's notifier.
    let id = w.apply("LOT-STACK-1").value;
    w.approve(&id);
    stack.wait_verdict(&id, "VALID");
    let told = stack.wait_told(&id, "approved");
    eprintln!("      {id}: VALID on the stack's verifier page, approved by its notifier's webhook ({told} so far)");

    // (2) kill -9 of the chaincode's container: endorsement fails underneath the
    // contract and nothing is written; started again, the peers reconnect.
    let chaincode = stack.container("chaincode");
    let height = w.height();
    chaincode.kill();
    let err = NanoTrace::new(w.dave.clone())
        .apply(&application("LOT-STACK-WHILE-DOWN"))
        .wait()
        .expect_err("no chaincode server");
    assert!(!err.is_refusal() && err.tx_id().is_none(), "endorsement fails underneath the contract: {err:?}");
    assert_eq!(w.height(), height, "nothing reaches the ledger while the container is down");
    chaincode.start();
    chaincode.wait_healthy(Duration::from_secs(60));
    assert_eq!(chaincode.process_uid(), SERVICE_UID.to_string(), "the chaincode runs as the service's user");
    let after = w.apply("LOT-STACK-AFTER-KILL").value;
    w.approve(&after);
    stack.wait_verdict(&after, "VALID");
    // Blocks are told in order: once this approval is, everything before it was.
    stack.wait_told(&after, "approved");
    eprintln!("      the chaincode's container killed and started: {after} applied and approved after");

    // (3) The whole stack stopped and started: its volumes keep its state.
    stack.project.must(&["stop", "--timeout", "10"]);
    for service in ["verifier", "notify", "console", "chaincode"] {
        assert_eq!(stack.container(service).inspect("{{.State.Running}}"), "false", "{service} stopped");
    }
    let before = stack.receiver.accepted().len();
    stack.project.must(&["start"]);
    stack.wait_healthy();
    // The verifier answers from its cache volume, the notifier's outbox sent everything
    // before the stop and sends none of it again.
    stack.wait_verdict(&id, "VALID");
    let revoked = NanoTrace::new(w.alice.clone()).revoke(&id, "stack restart check").wait().expect("Revoke");
    w.expect(&id, CertificateStatus::Revoked);
    stack.wait_verdict(&id, "REVOKED");
    let told = stack.wait_told(&id, "revoked");
    assert_eq!(told, before + 1, "after the restart only the revocation is told (outbox intact)");
    assert_eq!(
        w.verdict(&id).verdict,
        Verdict::Revoked,
        "the ledger agrees with the stack's verifier ({})",
        revoked.tx_id
    );
    let (status, page) = try_get(stack.console, "/").expect("the console after the restart");
    assert_eq!(status, 200, "{page}");
    eprintln!("      the stack stopped and started: the verifier's cache and the notifier's outbox intact");
}
