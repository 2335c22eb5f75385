//! The verification page in a real browser at phone size: headless Chromium renders a
//! VALID and a REVOKED certificate served by `serve` in this process, saves 360 px wide
//! screenshots under `target/test-artifacts/`, and the rendered DOM says the verdict.
//! Then a GS1 Digital Link scan of a lot without a certificate: Chromium follows the
//! resolver's redirect to the product's page, at 360 and 1280 px.
//!
//! Needs `/usr/bin/chromium` (Debian package `chromium`). CI installs it, so a missing
//! browser is a failure, not a skip.

use crate::common_web::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const TIMEOUT: Duration = Duration::from_secs(60);
const WIDTH: u32 = 360;
const HEIGHT: u32 = 740;

fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target"));
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

struct Run {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium with the standard flags plus `extra`, killing its whole
/// process group if it does not finish within [`TIMEOUT`].
fn chromium(extra: &[String], window: (u32, u32)) -> Run {
    use std::os::unix::process::CommandExt;
    let profile = tempfile::tempdir().expect("profile dir");
    let mut command = Command::new(CHROMIUM);
    command
        .args(["--headless", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars"])
        .args(nanotrace_testkit::browser::QUIET_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={},{}", window.0, window.1))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            // Chromium's helpers share its process group: end them all.
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err_reader.join().unwrap_or_default();
            panic!("chromium did not finish within {TIMEOUT:?}; killed. stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let run = Run { stdout: out_reader.join().unwrap_or_default(), stderr: err_reader.join().unwrap_or_default() };
    assert!(status.success(), "chromium failed ({status}):\n{}", run.stderr);
    run
}

fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", path.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", path.display());
    let reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("PNG header");
    let info = reader.info();
    (info.width, info.height)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_sized_pages_render_the_verdict() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install the Debian package `chromium` (apt-get install -y chromium). \
         This test does not skip: CI installs the browser."
    );
    let f = Fixture::new();
    let server = Server::start(f.state.clone(), config()).await;
    let dir = artifacts_dir();
    println!("screenshots go to {}", dir.display());

    for (name, id, verdict) in [("valid", f.ids.valid.clone(), "VALID"), ("revoked", f.ids.revoked.clone(), "REVOKED")]
    {
        let url = format!("http://{}/c/{id}?t={}", server.addr, f.token(&id));
        let shot = dir.join(format!("verifier-{name}-{WIDTH}x{HEIGHT}.png"));
        let full = dir.join(format!("verifier-{name}-{WIDTH}-full.png"));
        let _ = std::fs::remove_file(&shot);
        let (shot_arg, full_arg, dom_url, shot_url) = (
            format!("--screenshot={}", shot.display()),
            format!("--screenshot={}", full.display()),
            url.clone(),
            url.clone(),
        );
        let dom = tokio::task::spawn_blocking(move || {
            chromium(&[shot_arg, shot_url.clone()], (WIDTH, HEIGHT));
            // A tall one too, to see the whole page.
            chromium(&[full_arg, shot_url], (WIDTH, 2400));
            chromium(&["--dump-dom".to_owned(), dom_url], (WIDTH, HEIGHT))
        })
        .await
        .expect("chromium task");

        let (width, height) = png_size(&shot);
        println!("{name}: {} ({width}x{height})", shot.display());
        assert_eq!(width, WIDTH, "screenshot width");
        assert!(height >= 600, "screenshot height {height}");
        png_size(&full);

        let html = dom.stdout;
        assert!(
            html.contains(&format!("<h1 class=\"word\">{verdict}</h1>")),
            "the rendered DOM does not show {verdict}:\n{html}\nstderr:\n{}",
            dom.stderr
        );
        for other in ["VALID", "REVOKED"].iter().filter(|w| **w != verdict) {
            assert!(!html.contains(&format!("<h1 class=\"word\">{other}</h1>")), "{verdict} page shows {other}");
        }
        assert!(html.contains("signature is authentic"), "the QR token check is shown");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanned_gs1_link_of_an_uncertified_lot_lands_on_the_products_page() {
    assert!(Path::new(CHROMIUM).exists(), "{CHROMIUM} is missing: install the Debian package `chromium`");
    let f = Fixture::new();
    let server = Server::start_at_own_url(f.state.clone(), config()).await;
    let dir = artifacts_dir();
    let url = format!("http://{}/01/0{GTIN}/10/LOT-FAKE-1", server.addr);
    for (width, height) in [(WIDTH, 900), (1280, 800)] {
        let shot = dir.join(format!("verifier-gs1-uncertified-lot-{width}.png"));
        let _ = std::fs::remove_file(&shot);
        let args = [format!("--screenshot={}", shot.display()), url.clone()];
        tokio::task::spawn_blocking(move || chromium(&args, (width, height))).await.expect("chromium task");
        assert_eq!(png_size(&shot).0, width, "{}", shot.display());
        println!("GS1 scan at {width} px: {}", shot.display());
    }
    let dom = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || chromium(&["--dump-dom".to_owned(), url], (WIDTH, 900)))
            .await
            .expect("chromium task")
    };
    let html = dom.stdout;
    assert!(html.contains("No certificate is recorded for lot LOT-FAKE-1"), "{html}\nstderr:\n{}", dom.stderr);
    assert!(html.contains(&f.ids.valid) && html.contains(">VALID</span>"), "the certified lots are listed:\n{html}");
    server.stop().await;
}
