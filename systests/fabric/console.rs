//! (k) The members' console's write path on Fabric: a proposal, a transaction and a
//! commit-status request each signed as a browser's WebCrypto signs (r ‖ s over
//! SHA-256, with whichever S it drew), turned into Fabric's form by the console
//! (`msp::der_from_webcrypto`) and passed through the Gateway unchanged: the peers accept
//! them, commit, and refuse a proposal signed by another member's key. And the read path:
//! a query signed the same way is evaluated as the member, again and again on the same
//! signature (what lets one signed `WhoAmI` serve a whole session), while a read signed by
//! another key is refused and a function that writes cannot be read.

use nanotrace_client::ApiError;
use nanotrace_client::Wait;
use nanotrace_console::ledger::fabric::FabricStages;
use nanotrace_console::ledger::stage::Call;
use nanotrace_fabric_ca::msp::der_from_webcrypto;
use nanotrace_fabric_gateway::{ConnectionProfile, Gateway, HashAlgorithm, Identity, SigningIdentity};
use nanotrace_model::{Certificate, CertificateIdRequest, CertificateStatus, Function, IdsResponse, WhoAmI};
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::DecodePrivateKey as _;

use crate::client::{client, profile};
use crate::network::Network;
use crate::steps::World;

/// A member as their browser holds them: certificate, and a key that signs r ‖ s.
struct Browser {
    identity: Identity,
    key: p256::ecdsa::SigningKey,
}

impl Browser {
    fn of(profile: &ConnectionProfile) -> Browser {
        let cert = std::fs::read(&profile.identity.cert).expect("certificate");
        let key_pem = std::fs::read_to_string(&profile.identity.key).expect("key");
        let key = p256::SecretKey::from_pkcs8_pem(&key_pem).expect("a P-256 PKCS#8 key");
        Browser { identity: Identity::new(profile.identity.msp_id.clone(), cert).expect("identity"), key: key.into() }
    }

    /// What the console receives from `crypto.subtle.sign`, already converted.
    fn sign(&self, bytes: &[u8]) -> Vec<u8> {
        let raw: p256::ecdsa::Signature = self.key.sign(bytes);
        der_from_webcrypto(&raw.to_bytes()).expect("r || s")
    }
}

/// A signature by another key: the peer refuses the creator (identity or endorsement).
fn assert_refused_by_the_peer(refused: &nanotrace_console::ledger::stage::StageError) {
    assert!(
        matches!(
            refused,
            nanotrace_console::ledger::stage::StageError::Api(ApiError::Identity { .. } | ApiError::Endorse { .. })
        ),
        "{refused:?}"
    );
}

pub(crate) fn console_signatures_through_the_gateway(world: &World, net: &Network) {
    let dave_profile = ConnectionProfile::load(profile(net, "manufacturer-dave")).expect("profile");
    let alice_profile = ConnectionProfile::load(profile(net, "certifier-alice")).expect("profile");
    let (dave, alice) = (Browser::of(&dave_profile), Browser::of(&alice_profile));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let ids = runtime.block_on(async {
        // The console's connection carries no key of its own.
        let placeholder = SigningIdentity::offline(dave.identity.clone(), HashAlgorithm::Sha256);
        let gateway =
            Gateway::connect(placeholder, dave_profile.connect_options().expect("options")).await.expect("gateway");
        let stages = FabricStages::new(gateway, &dave_profile.channel, &dave_profile.chaincode);
        let app = nanotrace_testkit::sample_application("LOT-CONSOLE-1");
        let call = Call::request(Function::Apply, serde_json::to_vec(&app).expect("json"));

        // Many signatures, so both halves of S are drawn: every one is accepted.
        let mut ids = Vec::new();
        for round in 0..4 {
            let mut app = app.clone();
            app.batch = format!("LOT-CONSOLE-{round}");
            let call = Call::request(Function::Apply, serde_json::to_vec(&app).expect("json"));
            let (tx_id, proposal) = stages.propose("session-dave", &dave.identity, &call, String::new(), None);
            let to_sign = stages.endorse("session-dave", &tx_id, dave.sign(&proposal)).await.expect("endorsed");
            let committed = stages
                .commit(
                    "session-dave",
                    &tx_id,
                    dave.sign(&to_sign.transaction),
                    dave.sign(to_sign.status.as_deref().expect("on Fabric the commit status is signed too")),
                )
                .await
                .expect("committed");
            assert!(committed.block > 0);
            let ids_response: IdsResponse = serde_json::from_slice(&committed.result).expect("Apply's answer");
            ids.push(ids_response.certificate_ids[0].clone());
        }

        // dave's proposal signed with alice's key: the peer refuses it, nothing written.
        let (tx_id, proposal) = stages.propose("session-dave", &dave.identity, &call, String::new(), None);
        let refused = stages.endorse("session-dave", &tx_id, alice.sign(&proposal)).await.expect_err("foreign key");
        let message = refused.to_string();
        assert_refused_by_the_peer(&refused);
        eprintln!("[fabric] (k) a proposal signed by another key: {message}");
        // And the stage is spent: the right signature now finds nothing waiting.
        let spent = stages.endorse("session-dave", &tx_id, dave.sign(&proposal)).await.expect_err("spent");
        assert!(matches!(spent, nanotrace_console::ledger::stage::StageError::Unknown(_)), "{spent:?}");

        // Reads signed by the member: WhoAmI, evaluated twice on one signature.
        let unsigned = stages.propose_read(&dave.identity, Function::WhoAmI, &[]).expect("a query");
        let signature = dave.sign(unsigned.to_sign());
        let who_read = unsigned.signed(signature);
        let first: WhoAmI = serde_json::from_slice(&stages.evaluate(&who_read).await.expect("WhoAmI")).expect("json");
        let again: WhoAmI =
            serde_json::from_slice(&stages.evaluate(&who_read).await.expect("WhoAmI evaluated again")).expect("json");
        assert_eq!(first.identity.msp_id, "ManufacturerMSP");
        assert_eq!(first.identity, again.identity, "the same signed read answers again");
        let request = serde_json::to_vec(&CertificateIdRequest { certificate_id: ids[0].clone() }).expect("json");
        let unsigned = stages.propose_read(&dave.identity, Function::GetCertificate, &[request]).expect("a query");
        let signature = dave.sign(unsigned.to_sign());
        let cert: Certificate = serde_json::from_slice(
            &stages.evaluate(&unsigned.signed(signature)).await.expect("GetCertificate as dave"),
        )
        .expect("json");
        assert_eq!((cert.id.as_str(), cert.status), (ids[0].as_str(), CertificateStatus::Pending));
        // dave's read signed with alice's key: refused by the peer.
        let unsigned = stages.propose_read(&dave.identity, Function::WhoAmI, &[]).expect("a query");
        let signature = alice.sign(unsigned.to_sign());
        let refused = stages.evaluate(&unsigned.signed(signature)).await.expect_err("a read signed by another key");
        assert_refused_by_the_peer(&refused);
        eprintln!("[fabric] (k) a read signed by another key: {refused}");
        // A function that writes is not a read.
        let not = stages.propose_read(&dave.identity, Function::Apply, &call.args).expect_err("Apply is no query");
        assert!(matches!(not, nanotrace_console::ledger::stage::StageError::NotAQuery(Function::Apply)), "{not:?}");
        ids
    });
    let reader = client(net, "manufacturer-dave");
    let mut expected = world.expected.lock().expect("expected statuses");
    for id in &ids {
        let cert = reader.get_certificate(id).wait().expect("on the ledger");
        assert_eq!((cert.applicant.msp_id.as_str(), cert.status), ("ManufacturerMSP", CertificateStatus::Pending));
        expected.insert(id.clone(), CertificateStatus::Pending);
    }
    eprintln!("[fabric] (k) {} applications signed as a browser signs, committed through the Gateway", ids.len());
}

/// (q'') The console's finance writes on Fabric: alice (the body's finance since (q))
/// issues the invoice of a second accepted quote through the console's three stages,
/// every signature her browser's; the request travels as transient data and the contract
/// answers only a receipt, so the block holds neither the request nor the invoice; alice
/// reads the invoice where the receipt says, and the manufacturer's peer reads it too
/// (EN 16931 valid).
pub(crate) fn console_finance_through_the_gateway(world: &World, net: &Network, manufacturer_msp: &str) {
    use crate::peer::Org;
    use nanotrace_client::NanoTrace;
    use nanotrace_model::IssueInvoiceRequest;

    let body = &world.certifier_msp;
    let certifier = NanoTrace::new(world.alice.endorsed_by(&[Org::Certifier]).querying(Org::Certifier));
    let manufacturer = NanoTrace::new(world.dave.endorsed_by(&[Org::Manufacturer]).querying(Org::Manufacturer));
    let id = world.apply("LOT-FABRIC-CONSOLE-INVOICE").value;
    crate::steps::wait_visible(&certifier, &id);
    certifier.issue_quote(&id).wait().expect("IssueQuote");
    manufacturer.accept_quote(&id, body).wait().expect("AcceptQuote");

    let alice_profile = ConnectionProfile::load(profile(net, "certifier-alice")).expect("profile");
    let alice = Browser::of(&alice_profile);
    let note = "issued from the console";
    let request =
        IssueInvoiceRequest { certificate_id: id.clone(), buyer_reference: None, note: Some(note.to_owned()) };
    let call = Call::request(Function::IssueInvoice, serde_json::to_vec(&request).expect("json"));
    assert!(call.args.is_empty() && !call.transient.is_empty(), "a private request goes as transient data");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let committed = runtime.block_on(async {
        let placeholder = SigningIdentity::offline(alice.identity.clone(), HashAlgorithm::Sha256);
        let gateway =
            Gateway::connect(placeholder, alice_profile.connect_options().expect("options")).await.expect("gateway");
        let stages = FabricStages::new(gateway, &alice_profile.channel, &alice_profile.chaincode);
        let (tx_id, proposal) = stages.propose("session-alice", &alice.identity, &call, String::new(), None);
        let to_sign = stages.endorse("session-alice", &tx_id, alice.sign(&proposal)).await.expect("endorsed");
        let sent = serde_json::to_vec(&request).expect("json");
        assert!(
            !to_sign.transaction.windows(sent.len()).any(|w| w == sent.as_slice()),
            "the transaction to commit carries the transient request"
        );
        // The endorsed response is in the transaction, which every peer of the channel
        // gets in its block: it must hold nothing of the invoice (it held the whole
        // invoice before billing writes answered only a receipt).
        for private in [note.as_bytes(), b"INV-"] {
            assert!(
                !to_sign.transaction.windows(private.len()).any(|w| w == private),
                "the transaction every peer keeps tells {:?}",
                String::from_utf8_lossy(private)
            );
        }
        stages
            .commit(
                "session-alice",
                &tx_id,
                alice.sign(&to_sign.transaction),
                alice.sign(to_sign.status.as_deref().expect("on Fabric the commit status is signed too")),
            )
            .await
            .expect("committed")
    });
    let receipt: nanotrace_model::billing::PrivateReceipt =
        serde_json::from_slice(&committed.result).expect("IssueInvoice answers a receipt");
    let invoice = match certifier.private_answer(&receipt).wait().expect("the answer, on the body's peer") {
        nanotrace_model::billing::PrivateAnswer::Invoice(invoice) => invoice,
        other => panic!("IssueInvoice's answer is its invoice: {other:?}"),
    };
    assert_eq!(invoice.document.note.as_deref(), Some(note));
    let seen = manufacturer.invoices(body, manufacturer_msp).wait().expect("Invoices on the Manufacturer's peer");
    let read =
        seen.iter().find(|r| r.number == invoice.number).expect("the console's invoice on the Manufacturer's peer");
    assert_eq!(read.certificate_id, id);
    read.document.validate().expect("EN 16931 rules of the model");
    eprintln!(
        "      alice's browser signatures issued {} ({} {}) through the console's stages, block {}; the request as transient data only",
        invoice.number, invoice.totals.payable_amount, invoice.document.currency, committed.block
    );
}
