//! Enrollment in a console on Fabric whose organisation's CA answers badly
//! (`nanotrace_testkit::hostile_ca`; the gateway peer is a socket nobody speaks on, which
//! enrollment never uses): a certificate for another key or another name, or one the
//! organisation's MSP does not recognise, is refused and the enrollment link stays
//! unused, so the member can try again; a CA that cannot be reached is reported without
//! its address.

use nanotrace_console::registry::Invitation;
use nanotrace_console::web::{now, Console, Shared};
use nanotrace_console::Config;
use nanotrace_fabric_ca::msp::der_from_webcrypto;
use nanotrace_testkit::hostile_ca::{Answer, HostileCa};
use p256::ecdsa::signature::Signer as _;
use serde_json::json;

use crate::support::try_enroll;

const MSP_ID: &str = "ManufacturerMSP";
const NAME: &str = "erin@manufacturer";

/// A console on Fabric whose CA is at `ca_url` (TLS root `ca_tls_pem`) and whose MSP
/// folder names `msp_ca_pem` as the organisation's CA.
struct FabricConsole {
    url: String,
    state: Shared,
    _dir: tempfile::TempDir,
    _gateway: std::net::TcpListener,
    task: tokio::task::JoinHandle<()>,
}

impl FabricConsole {
    async fn start(ca_url: &str, ca_tls_pem: &str, msp_ca_pem: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let cacerts = dir.path().join("msp/cacerts");
        std::fs::create_dir_all(&cacerts).expect("msp folder");
        std::fs::write(cacerts.join("ca.pem"), msp_ca_pem).expect("cacerts");
        std::fs::write(dir.path().join("ca-tls.pem"), ca_tls_pem).expect("CA TLS root");
        // The kernel completes the connection; the gateway client's handshake is written
        // and never answered, which is all the console needs to start.
        let gateway = std::net::TcpListener::bind("127.0.0.1:0").expect("a gateway socket");
        let mut config = Config::new(dir.path());
        config.data_dir = None;
        config.state_dir = Some(dir.path().join("state"));
        config.listen = "127.0.0.1:0".parse().expect("addr");
        config.fabric.gateway = Some(gateway.local_addr().expect("addr").to_string());
        config.fabric.msp_id = Some(MSP_ID.into());
        config.fabric.msp_dir = Some(dir.path().join("msp"));
        config.fabric.ca_url = Some(ca_url.into());
        config.fabric.ca_tls_root = Some(dir.path().join("ca-tls.pem"));
        let console = Console::bind(config).await.expect("a console on Fabric");
        let url = format!("http://{}", console.local_addr().expect("addr"));
        let state = console.state().clone();
        let task = tokio::spawn(async move {
            let _ = console.serve(std::future::pending()).await;
        });
        FabricConsole { url, state, _dir: dir, _gateway: gateway, task }
    }

    /// An invitation of `NAME` registered at the CA with its link's secret.
    fn invite(&self) -> String {
        let secret = nanotrace_console::registry::Registry::new_secret();
        let invitation: Invitation = serde_json::from_value(json!({
            "name": NAME, "msp_id": MSP_ID, "admin": false, "invited_by": "boss@manufacturer",
            "created_at": now(), "expires_at": now() + 3600, "secret_sha256": "",
        }))
        .expect("an invitation");
        self.state.registry.invite_with_secret(invitation, &secret).expect("invite");
        secret
    }

    /// The link of `secret` can still be used.
    fn unused(&self, secret: &str) -> bool {
        self.state.registry.invitation(secret, now()).is_ok()
    }
}

impl Drop for FabricConsole {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_answer_of_the_ca_leaves_the_enrollment_link_unused() {
    let ca = HostileCa::start(Answer::OtherKey);
    let console = FabricConsole::start(&ca.url, &ca.ca_cert(), &ca.ca_cert()).await;
    let secret = console.invite();
    for (answer, words) in [(Answer::OtherKey, "another key"), (Answer::OtherName("boss@manufacturer".into()), "names")]
    {
        ca.answer(answer.clone());
        let (_, _, reply) = try_enroll(&console.url, &secret).await;
        assert!(!reply.ok(), "{answer:?}: enrolled with {}", reply.json);
        assert!(reply.error().contains(words), "{answer:?}: {}", reply.error());
        assert!(console.unused(&secret), "{answer:?}: the link was spent on a bad answer");
    }
    // The CA answers properly: the member enrolls with the same link, which is then spent.
    ca.answer(Answer::Proper);
    let (key, _, reply) = try_enroll(&console.url, &secret).await;
    assert!(reply.ok(), "{}", reply.error());
    let org = nanotrace_fabric_ca::msp::OrgMsp::new(MSP_ID, ca.ca_cert().as_bytes()).expect("the CA");
    let member = org.member(reply.json["cert_pem"].as_str().expect("cert"), now()).expect("a member certificate");
    assert_eq!(member.common_name, NAME);
    let proof: p256::ecdsa::Signature = key.sign(b"signed in the browser");
    member
        .verify(b"signed in the browser", &der_from_webcrypto(&proof.to_bytes()).expect("der"))
        .expect("the certificate certifies the browser's key");
    assert!(!console.unused(&secret), "the link is spent by the enrollment");

    // A certificate from a CA the organisation's MSP does not name: refused, link unused.
    let stranger = HostileCa::start(Answer::Proper);
    let console = FabricConsole::start(&ca.url, &ca.ca_cert(), &stranger.ca_cert()).await;
    let secret = console.invite();
    let (_, _, reply) = try_enroll(&console.url, &secret).await;
    assert!(!reply.ok(), "enrolled with a certificate of another CA: {}", reply.json);
    assert!(reply.error().contains("not a member certificate of ManufacturerMSP"), "{}", reply.error());
    assert!(console.unused(&secret), "the link was spent on a certificate of another CA");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_that_cannot_be_reached_is_reported_to_the_member_without_its_address() {
    let ca = HostileCa::start(Answer::Proper);
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let console = FabricConsole::start(&format!("https://127.0.0.1:{port}"), &ca.ca_cert(), &ca.ca_cert()).await;
    let secret = console.invite();
    let (_, _, reply) = try_enroll(&console.url, &secret).await;
    assert!(!reply.ok(), "{}", reply.json);
    let text = reply.error();
    assert!(text.contains("cannot be reached"), "{text}");
    assert!(!text.contains(&port.to_string()) && !text.contains("127.0.0.1") && !text.contains("http"), "{text}");
    assert!(console.unused(&secret));
}
