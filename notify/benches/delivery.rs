//! Approval → email delivered: how long a certifier's decision takes to reach a
//! subscriber's mailbox, end to end on this machine.
//!
//! An embedded ledger with the sample network, a real SMTP server (Debian's aiosmtpd,
//! STARTTLS), and the `nanotrace-notify` binary with its default poll interval following
//! the ledger. For each of `NANOTRACE_BENCH_APPROVALS` (default 200) applications: the
//! clock starts just before `Approve` is submitted and stops when the SMTP server has
//! stored the approval email. Prints p50, p90, p99 and the maximum.
//!
//! ```sh
//! cargo bench -p nanotrace-notify --bench delivery
//! ```

use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_testkit::smtp::{SmtpMode, SmtpServer};
use nanotrace_testkit::{datadir::sample_network, sample_application};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let approvals: usize = std::env::var("NANOTRACE_BENCH_APPROVALS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(smtp) = SmtpServer::start(&tmp.path().join("smtp"), SmtpMode::Starttls) else {
        eprintln!("no SMTP server (install python3-aiosmtpd): nothing measured");
        return;
    };
    let data = tmp.path().join("data");
    let dir = sample_network(&data);
    let config = tmp.path().join("subscriptions.toml");
    std::fs::write(
        &config,
        format!(
            "verify_url = \"https://verify.example.org\"\n[smtp]\nhost = \"localhost\"\nport = {}\nroot_certificate = \"{}\"\nfrom = \"notify@nanotrace.example\"\n[[email]]\nname = \"quality\"\nto = [\"quality@manufacturer.example\"]\n[[subscription]]\norganization = \"ManufacturerMSP\"\nevents = [\"approved\"]\nnotify = [\"quality\"]\n",
            smtp.port,
            smtp.root.display()
        ),
    )
    .expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nanotrace-notify"))
        .arg("run")
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .arg("--store")
        .arg(tmp.path().join("store"))
        .args(["--listen", "127.0.0.1:0", "--log", "warn"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn nanotrace-notify");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).expect("listening line");
    assert!(first.starts_with("listening on "), "{first}");

    let applicant = dir.client(APPLICANT).expect("applicant");
    let certifier = dir.client(CERTIFIER).expect("certifier");
    let signer = dir.signer(CERTIFIER).expect("signer");
    let mut latencies = Vec::with_capacity(approvals);
    for i in 0..approvals {
        let id = applicant.apply(&sample_application(&format!("LOT-BENCH-{i:04}"))).wait().expect("apply").value;
        let started = Instant::now();
        certifier.approve(&id, &signer, CERTIFIER_MSP, datadir::now(), None).wait().expect("approve");
        let stored = smtp.wait_for(i + 1, Duration::from_secs(30)).len();
        assert_eq!(stored, i + 1, "approval {i}: no email within 30 s");
        latencies.push(started.elapsed());
    }
    let _ = child.kill();
    let _ = child.wait();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1];
    println!(
        "approval -> email stored by the SMTP server, {approvals} approvals (embedded ledger, poll 250 ms, STARTTLS): \
         p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        at(0.50).as_secs_f64() * 1e3,
        at(0.90).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3
    );
}
