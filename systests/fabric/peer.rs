//! Fabric's own `peer` CLI as the suite's client: `peer chaincode invoke --waitForEvent`
//! for transactions, `peer chaincode query` for queries, as one identity, endorsed by the
//! peers the caller names. [`PeerCli`] implements the typed client's [`Transport`], so the
//! suite calls the contract through `NanoTrace` as any client does.

use crate::network::Network;
use crate::process::{run_bounded, Output};
use nanotrace_client::{ApiError, Submitted, Transient, Transport};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The chaincode name the suite deploys.
pub(crate) const CHAINCODE: &str = "nanotrace";

/// An organisation with a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Org {
    Manufacturer,
    Certifier,
    Regulator,
}

impl Org {
    fn name(self) -> &'static str {
        match self {
            Org::Manufacturer => "manufacturer",
            Org::Certifier => "certifier",
            Org::Regulator => "regulator",
        }
    }

    fn var(self, suffix: &str) -> String {
        format!("{}_{suffix}", self.name().to_ascii_uppercase())
    }
}

/// What the peer CLI needs to know about the network, once.
#[derive(Debug)]
pub(crate) struct NetInfo {
    peer_bin: PathBuf,
    cfg_dir: PathBuf,
    crypto: PathBuf,
    scratch: PathBuf,
    channel: String,
    orderer: String,
    orderer_ca: String,
    peers: Vec<(Org, String, String, String)>, // org, MSP ID, address, TLS CA
    /// Wall time of every committed invoke, for the timing report.
    pub(crate) invoke_times: Mutex<Vec<Duration>>,
}

impl NetInfo {
    pub(crate) fn new(net: &Network) -> Arc<NetInfo> {
        let peers = [Org::Manufacturer, Org::Certifier, Org::Regulator]
            .into_iter()
            .map(|o| (o, net.var(&o.var("MSP_ID")), net.var(&o.var("PEER_ADDRESS")), net.var(&o.var("PEER_TLS_CA"))))
            .collect();
        Arc::new(NetInfo {
            peer_bin: net.fabric.bin_dir.join("peer"),
            cfg_dir: net.fabric.cfg_dir.clone(),
            crypto: net.run_dir.join("crypto"),
            scratch: net.scratch().to_owned(),
            channel: net.var("NANOTRACE_FABRIC_CHANNEL"),
            orderer: net.var("ORDERER_ADDRESS"),
            orderer_ca: net.var("ORDERER_TLS_CA"),
            peers,
            invoke_times: Mutex::new(Vec::new()),
        })
    }

    fn peer(&self, org: Org) -> &(Org, String, String, String) {
        self.peers.iter().find(|p| p.0 == org).expect("every org has a peer")
    }

    /// The MSP ID of `org`.
    pub(crate) fn msp_id(&self, org: Org) -> String {
        self.peer(org).1.clone()
    }
}

/// One identity using the peer CLI: `user` of `org` (`Admin`, `User1` or a
/// named user), endorsing through `endorsers` and querying `query_peer`.
#[derive(Debug, Clone)]
pub(crate) struct PeerCli {
    net: Arc<NetInfo>,
    org: Org,
    user: String,
    endorsers: Vec<Org>,
    query_peer: Org,
}

/// What `peer chaincode invoke` reported.
#[derive(Debug, Clone)]
pub(crate) struct Invoked {
    /// The transaction ID, when the transaction reached the ledger (valid or not).
    pub(crate) tx_id: Option<String>,
    /// The validation code the endorsing peers reported (`VALID`, `ENDORSEMENT_POLICY_FAILURE`…).
    pub(crate) validation: Option<String>,
    /// The chaincode's payload of a successful endorsement.
    pub(crate) payload: Option<Vec<u8>>,
    /// The response message of a failed endorsement (the chaincode's error).
    pub(crate) endorse_error: Option<String>,
    /// Exit status 0.
    pub(crate) ok: bool,
    /// Everything the CLI printed.
    pub(crate) output: String,
}

impl PeerCli {
    /// `user` of `org`; endorsed by its own org's peer and the Regulator's (so that every
    /// transaction is committed on the Regulator's peer when invoke returns), queried on
    /// the Regulator's peer.
    pub(crate) fn new(net: &Arc<NetInfo>, org: Org, user: &str) -> PeerCli {
        let endorsers =
            if org == Org::Regulator { vec![Org::Certifier, Org::Regulator] } else { vec![org, Org::Regulator] };
        PeerCli { net: Arc::clone(net), org, user: user.to_owned(), endorsers, query_peer: Org::Regulator }
    }

    /// The same identity endorsing through `endorsers`.
    pub(crate) fn endorsed_by(&self, endorsers: &[Org]) -> PeerCli {
        PeerCli { endorsers: endorsers.to_vec(), ..self.clone() }
    }

    /// The same identity querying `org`'s peer.
    pub(crate) fn querying(&self, org: Org) -> PeerCli {
        PeerCli { query_peer: org, ..self.clone() }
    }

    fn command(&self, peer: Org) -> Command {
        let domain = format!("{}.nanotrace.test", self.org.name());
        let msp = self.net.crypto.join(format!("peerOrganizations/{domain}/users/{}@{domain}/msp", self.user));
        let (_, _, address, ca) = self.net.peer(peer);
        let mut cmd = Command::new(&self.net.peer_bin);
        cmd.env("FABRIC_CFG_PATH", &self.net.cfg_dir)
            .env("FABRIC_LOGGING_SPEC", "grpc=error:chaincodeCmd=info:warning")
            .env("CORE_PEER_TLS_ENABLED", "true")
            .env("CORE_PEER_LOCALMSPID", self.net.msp_id(self.org))
            .env("CORE_PEER_MSPCONFIGPATH", msp)
            .env("CORE_PEER_ADDRESS", address)
            .env("CORE_PEER_TLS_ROOTCERT_FILE", ca)
            .env_remove(crate::network::MARKER_VAR);
        cmd
    }

    fn ctor(function: &str, args: &[Vec<u8>]) -> String {
        let mut all = vec![function.to_owned()];
        all.extend(args.iter().map(|a| String::from_utf8(a.clone()).expect("the peer CLI takes UTF-8 arguments")));
        serde_json::json!({ "Args": all }).to_string()
    }

    /// `--transient` of the peer CLI: a JSON map whose values are base64 (Go's `[]byte`).
    fn transient_arg(transient: &Transient) -> String {
        let map: serde_json::Map<String, serde_json::Value> = transient
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(data_encoding::BASE64.encode(v))))
            .collect();
        serde_json::Value::Object(map).to_string()
    }

    /// `peer chaincode invoke … --waitForEvent` with `function` and `args`.
    pub(crate) fn invoke(&self, function: &str, args: &[Vec<u8>]) -> Invoked {
        self.invoke_transient(function, args, &Transient::new())
    }

    /// [`PeerCli::invoke`] with `transient` data (`--transient`).
    pub(crate) fn invoke_transient(&self, function: &str, args: &[Vec<u8>], transient: &Transient) -> Invoked {
        let mut cmd = self.command(self.endorsers[0]);
        cmd.args(["chaincode", "invoke", "-o", &self.net.orderer, "--tls", "--cafile", &self.net.orderer_ca]).args([
            "-C",
            &self.net.channel,
            "-n",
            CHAINCODE,
        ]);
        for org in &self.endorsers {
            let (_, _, address, ca) = self.net.peer(*org);
            cmd.args(["--peerAddresses", address, "--tlsRootCertFiles", ca]);
        }
        cmd.args(["--waitForEvent", "--waitForEventTimeout", "30s", "-c", &Self::ctor(function, args)]);
        if !transient.is_empty() {
            cmd.args(["--transient", &Self::transient_arg(transient)]);
        }
        let out = run_bounded(cmd, Duration::from_secs(90), &self.net.scratch);
        let invoked = parse_invoke(&out);
        if invoked.validation.as_deref() == Some("VALID") {
            self.net.invoke_times.lock().expect("timings").push(out.elapsed);
        }
        invoked
    }

    /// `peer chaincode query` on the query peer: the payload, or the CLI's error text.
    pub(crate) fn query(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, String> {
        let mut cmd = self.command(self.query_peer);
        cmd.args(["chaincode", "query", "-C", &self.net.channel, "-n", CHAINCODE, "-c", &Self::ctor(function, args)]);
        let out = run_bounded(cmd, Duration::from_secs(60), &self.net.scratch);
        if out.success() {
            let mut payload = out.stdout;
            // The CLI prints the payload and a newline.
            if payload.last() == Some(&b'\n') {
                payload.pop();
            }
            Ok(payload)
        } else {
            Err(out.all())
        }
    }

    /// Waits (up to 10 s) until every peer of the channel has the height of the first
    /// endorsing peer: `--waitForEvent` waits for the endorsing peers' commits only, and
    /// the suite reads through any organisation's peer next (each peer commits a block
    /// when the ordering service delivers it to that peer: with four BFT orderers a
    /// moment apart more often than with one Raft orderer).
    fn settle(&self) {
        // `peer channel getinfo` is answered to the peer's own organisation only: ask
        // each peer as its organisation's admin.
        let admin_of = |org: Org| PeerCli { org, user: "Admin".to_owned(), ..self.clone() };
        let target = admin_of(self.endorsers[0]).height(self.endorsers[0]);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        for org in [Org::Manufacturer, Org::Certifier, Org::Regulator] {
            let admin = admin_of(org);
            while admin.height(org) < target {
                assert!(std::time::Instant::now() < deadline, "{org:?}'s peer never reached height {target}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// The channel's block height on `org`'s peer.
    pub(crate) fn height(&self, org: Org) -> u64 {
        let mut cmd = self.command(org);
        cmd.args(["channel", "getinfo", "-c", &self.net.channel]);
        let out = run_bounded(cmd, Duration::from_secs(60), &self.net.scratch);
        let text = out.all();
        assert!(out.success(), "peer channel getinfo failed: {text}");
        let (_, rest) = text.split_once("\"height\":").unwrap_or_else(|| panic!("no height in: {text}"));
        rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("height")
    }
}

impl Transport for PeerCli {
    async fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        let submitted = self.invoke(function, args).into_result()?;
        self.settle();
        Ok(submitted)
    }

    async fn submit_transient(
        &self,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> Result<Submitted, ApiError> {
        let submitted = self.invoke_transient(function, args, transient).into_result()?;
        self.settle();
        Ok(submitted)
    }

    async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        self.query(function, args).or_else(|text| match response_message(&text) {
            Some(message) => contract_or(message, None, |message| ApiError::Evaluate { message, grpc: None }),
            None => Err(ApiError::Evaluate { message: text, grpc: None }),
        })
    }
}

impl Invoked {
    /// The typed client's view: the payload and transaction ID of a valid transaction,
    /// or the stage that failed.
    pub(crate) fn into_result(self) -> Result<Submitted, ApiError> {
        match (&self.validation, &self.tx_id) {
            (Some(code), Some(tx_id)) if code == "VALID" && self.ok => Ok(Submitted {
                value: self.payload.unwrap_or_default(),
                tx_id: tx_id.clone(),
                // `peer chaincode invoke --waitForEvent` does not say which block.
                block_number: 0,
            }),
            (Some(code), tx_id) if code != "VALID" => {
                Err(ApiError::Commit { tx_id: tx_id.clone(), code: code.clone(), message: self.output })
            }
            _ => match self.endorse_error {
                Some(message) => {
                    contract_or(message, None, |message| ApiError::Endorse { tx_id: None, message, grpc: None })
                }
                None => Err(ApiError::Endorse { tx_id: self.tx_id, message: self.output, grpc: None }),
            },
        }
    }
}

/// A contract refusal (`CODE: message`, CODE in capitals) as [`ApiError::Contract`];
/// anything else (the peer failing underneath) through `other`.
fn contract_or<T>(
    message: String,
    tx_id: Option<String>,
    other: impl FnOnce(String) -> ApiError,
) -> Result<T, ApiError> {
    let is_code = message
        .split_once(": ")
        .is_some_and(|(code, _)| !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
    Err(if is_code { ApiError::from_contract_message(&message, tx_id) } else { other(message) })
}

/// Reads what `peer chaincode invoke` printed (Fabric 3.1's `chaincodeCmd` log lines).
pub(crate) fn parse_invoke(out: &Output) -> Invoked {
    let text = out.all();
    // "txid [<id>] committed with status (<code>) at <address>", once per deliver peer.
    let mut tx_id = None;
    let mut validation = None;
    for line in text.lines() {
        if let Some((_, rest)) = line.split_once("txid [") {
            if let Some((id, rest)) = rest.split_once("] committed with status (") {
                tx_id = Some(id.to_owned());
                let code = rest.split(')').next().unwrap_or_default().to_owned();
                // A code other than VALID on any peer wins.
                if validation.as_deref().is_none_or(|v| v == "VALID") {
                    validation = Some(code);
                }
            }
        }
    }
    let payload = text
        .lines()
        .find(|l| l.contains("Chaincode invoke successful. result:"))
        .and_then(|l| quoted_after(l, "payload:"));
    let endorse_error = if text.contains("endorsement failure during invoke") { response_message(&text) } else { None };
    Invoked { tx_id, validation, payload, endorse_error, ok: out.success(), output: text }
}

/// The `message:"…"` of a proposal response the CLI printed.
pub(crate) fn response_message(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.contains("response: ") && l.contains("message:"))?;
    let (_, rest) = line.split_once("response: ")?;
    quoted_after(rest, "message:").map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The bytes of the Go protobuf-text string that follows `key` in `text`.
pub(crate) fn quoted_after(text: &str, key: &str) -> Option<Vec<u8>> {
    let (_, rest) = text.split_once(key)?;
    let rest = rest.trim_start().strip_prefix('"')?;
    unquote(rest)
}

/// Unescapes a string of Go's protobuf text format up to its closing quote:
/// `\n \r \t \" \' \\`, `\xHH`, octal `\NNN`, `\uXXXX`, `\UXXXXXXXX`.
fn unquote(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex = |from: usize, n: usize| -> Option<u32> {
        std::str::from_utf8(bytes.get(from..from + n)?).ok().and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some(out),
            b'\\' => {
                let c = *bytes.get(i + 1)?;
                i += 2;
                match c {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'v' => out.push(11),
                    b'"' | b'\'' | b'\\' | b'?' => out.push(c),
                    b'x' => {
                        let n = bytes[i..].iter().take(2).take_while(|b| b.is_ascii_hexdigit()).count();
                        out.push(u8::try_from(hex(i, n)?).ok()?);
                        i += n;
                    }
                    b'u' | b'U' => {
                        let n = if c == b'u' { 4 } else { 8 };
                        let ch = char::from_u32(hex(i, n)?)?;
                        out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        i += n;
                    }
                    b'0'..=b'7' => {
                        let digits: Vec<u8> =
                            bytes[i - 1..].iter().take(3).take_while(|b| (b'0'..=b'7').contains(b)).copied().collect();
                        let v = digits.iter().fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                        out.push(u8::try_from(v).ok()?);
                        i += digits.len() - 1;
                    }
                    _ => return None,
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    fn output(code: i32, stderr: &str) -> Output {
        Output {
            status: ExitStatus::from_raw(code << 8),
            stdout: Vec::new(),
            stderr: stderr.to_owned(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn unquotes_go_protobuf_text_strings() {
        assert_eq!(
            unquote(r#"{\"a\":\"b\\c\"} \x01\n\t\u00e9\303\251" rest"#).unwrap(),
            "{\"a\":\"b\\c\"} \u{1}\n\té\u{e9}".as_bytes()
        );
        assert_eq!(unquote("no end"), None);
    }

    #[test]
    fn reads_a_committed_invoke() {
        let out = output(
            0,
            "2026-11-22 10:00:00.000 UTC 0001 INFO [chaincodeCmd] ClientWait -> txid [abc123] committed with status (VALID) at 127.0.0.1:37060\n\
             2026-11-22 10:00:00.000 UTC 0002 INFO [chaincodeCmd] chaincodeInvokeOrQuery -> Chaincode invoke successful. result: status:200  payload:\"{\\\"certificate_ids\\\":[\\\"NT-AAAAAAAAAAAA\\\"]}\"\n",
        );
        let invoked = parse_invoke(&out);
        assert_eq!(invoked.tx_id.as_deref(), Some("abc123"));
        let submitted = invoked.into_result().unwrap();
        assert_eq!(submitted.tx_id, "abc123");
        assert_eq!(submitted.value, br#"{"certificate_ids":["NT-AAAAAAAAAAAA"]}"#);
    }

    #[test]
    fn reads_an_invalidated_transaction_and_a_refusal() {
        let out = output(
            1,
            "INFO [chaincodeCmd] ClientWait -> txid [t1] committed with status (ENDORSEMENT_POLICY_FAILURE) at 127.0.0.1:1\n\
             Error: transaction invalidated with status (ENDORSEMENT_POLICY_FAILURE)\n",
        );
        match parse_invoke(&out).into_result() {
            Err(ApiError::Commit { tx_id, code, .. }) => {
                assert_eq!((tx_id.as_deref(), code.as_str()), (Some("t1"), "ENDORSEMENT_POLICY_FAILURE"))
            }
            other => panic!("{other:?}"),
        }
        let out = output(
            1,
            "Error: endorsement failure during invoke. response: status:500 message:\"UNAUTHORIZED: Approve needs the certifier role; dave (ManufacturerMSP) does not hold it\"\n",
        );
        let err = parse_invoke(&out).into_result().unwrap_err();
        assert_eq!(err.code(), Some("UNAUTHORIZED"));
        let out = output(
            1,
            "Error: endorsement failure during invoke. response: status:500 message:\"error in simulation: failed to execute transaction t: could not launch chaincode nanotrace:1: connection refused\"\n",
        );
        assert!(matches!(parse_invoke(&out).into_result(), Err(ApiError::Endorse { .. })));
    }
}
