//! The consignment page in a real browser (issue 48): headless Chromium, driven over the
//! DevTools protocol, with a fake camera that films the codes on five packages one after
//! another — two QR codes (verification URLs with their offline tokens), two GS1
//! DataMatrix codes (GTIN and lot) and a QR code naming another site's verification page —
//! made by this test as a Y4M video. The page decodes
//! them itself (the vendored zxing-wasm reader, under the page's CSP), checks each through
//! the API and shows a running table; then the list becomes the printable report. An
//! uploaded list gets the same report. Screenshots at 360 and 1280 px in
//! `target/screenshots/verifier-consignment-*`.

use crate::common_web::*;
use nanotrace_testkit::browser::{require_chromium, Profile};
use std::io::Write;
use std::path::Path;

/// The fake camera's frame size and rate.
const WIDTH: usize = 640;
const HEIGHT: usize = 480;
const FPS: usize = 5;

/// A grey-scale frame (one byte a pixel), white as paper.
struct Frame(Vec<u8>);

impl Frame {
    fn blank() -> Frame {
        Frame(vec![235; WIDTH * HEIGHT])
    }

    /// A frame showing a code: `dark(x, y)` on a `side` × `side` module grid, centred,
    /// with a quiet zone of `quiet` modules.
    fn code(side: usize, quiet: usize, dark: impl Fn(usize, usize) -> bool) -> Frame {
        let mut frame = Frame::blank();
        let module = (HEIGHT - 40) / (side + 2 * quiet);
        assert!(module >= 3, "a code of {side} modules is too dense for the fake camera");
        let size = module * (side + 2 * quiet);
        let (left, top) = ((WIDTH - size) / 2, (HEIGHT - size) / 2);
        for y in 0..size {
            for x in 0..size {
                let (mx, my) = ((x / module).checked_sub(quiet), (y / module).checked_sub(quiet));
                let on = matches!((mx, my), (Some(mx), Some(my)) if mx < side && my < side && dark(mx, my));
                frame.0[(top + y) * WIDTH + left + x] = if on { 20 } else { 250 };
            }
        }
        frame
    }

    fn qr(text: &str) -> Frame {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("QR code");
        let side = code.width();
        let colors = code.to_colors();
        Frame::code(side, 4, |x, y| colors[y * side + x] == qrcode::Color::Dark)
    }

    /// A GS1 DataMatrix (FNC1 first) of the element string `data`.
    fn gs1_datamatrix(data: &str) -> Frame {
        let code =
            datamatrix::DataMatrix::encode_gs1(data.as_bytes(), datamatrix::SymbolList::default()).expect("DataMatrix");
        let bitmap = code.bitmap();
        let side = bitmap.width();
        assert_eq!(side, bitmap.height(), "a square symbol");
        let mut dark = vec![false; side * side];
        for (x, y) in bitmap.pixels() {
            dark[y * side + x] = true;
        }
        Frame::code(side, 2, |x, y| dark[y * side + x])
    }
}

/// Writes `frames` as a YUV4MPEG2 (4:2:0) video, which Chromium's fake camera plays in a loop.
fn write_y4m(path: &Path, frames: &[Frame]) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("video file"));
    writeln!(out, "YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg").expect("header");
    let chroma = vec![128u8; (WIDTH / 2) * (HEIGHT / 2)];
    for frame in frames {
        out.write_all(b"FRAME\n").expect("frame");
        out.write_all(&frame.0).expect("luma");
        out.write_all(&chroma).expect("u");
        out.write_all(&chroma).expect("v");
    }
    out.flush().expect("flush");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_camera_scans_a_consignment_code_after_code() {
    require_chromium();
    let f = Fixture::new();
    let server = Server::start(f.state.clone(), config()).await;
    let base = format!("http://{}", server.addr);
    let ids = &f.ids;

    // What the four packages carry, and the verdict each must get.
    let valid_url = format!("{PUBLIC_URL}/c/{}?t={}", ids.valid, f.token(&ids.valid));
    let revoked_url = format!("{PUBLIC_URL}/c/{}?t={}", ids.revoked, f.token(&ids.revoked));
    let gtin14 = format!("0{GTIN}");
    // Another site's verification URL (issue 71): named, never a verdict of this verifier.
    let foreign_url = format!("https://evil.example/c/{}", ids.valid);
    let packages = [
        (Frame::qr(&valid_url), valid_url.clone(), "VALID"),
        (Frame::qr(&revoked_url), revoked_url.clone(), "REVOKED"),
        (Frame::gs1_datamatrix(&format!("01{gtin14}10LOT-VALID")), format!("(01){gtin14}(10)LOT-VALID"), "VALID"),
        (Frame::gs1_datamatrix(&format!("01{gtin14}10LOT-NEVER")), format!("(01){gtin14}(10)LOT-NEVER"), "UNKNOWN"),
        (Frame::qr(&foreign_url), foreign_url.clone(), "ERROR"),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let video = dir.path().join("packages.y4m");
    let mut frames = Vec::new();
    for (frame, _, _) in &packages {
        frames.extend((0..2).map(|_| Frame::blank()));
        frames.extend((0..2 * FPS).map(|_| Frame(frame.0.clone())));
    }
    write_y4m(&video, &frames);

    let browser = Profile::launch_with(
        &format!("{base}/consignment"),
        &[
            "--use-fake-ui-for-media-stream".to_owned(),
            "--use-fake-device-for-media-stream".to_owned(),
            format!("--use-file-for-fake-video-capture={}", video.display()),
            "--autoplay-policy=no-user-gesture-required".to_owned(),
        ],
    )
    .await;
    browser.wait_for("the scan button", "!document.getElementById('scan').hidden").await;
    browser.screenshots("verifier-consignment-01-start").await;
    browser.click("#scan-start").await;
    browser
        .wait_for(
            "five scanned codes, each with its verdict",
            "document.querySelectorAll('#rows tr[data-verdict]').length === 5",
        )
        .await;
    browser.screenshots("verifier-consignment-02-scanned").await;

    // Each code read once (the video loops), with its verdict; the list holds them all.
    let table = browser
        .eval("JSON.stringify([...document.querySelectorAll('#rows tr')].map(r => [r.children[1].textContent, r.dataset.verdict]))")
        .await;
    let mut scanned: Vec<(String, String)> = serde_json::from_str(&table).expect("rows");
    scanned.sort();
    let mut expected: Vec<(String, String)> =
        packages.iter().map(|(_, text, verdict)| (text.clone(), (*verdict).to_owned())).collect();
    expected.sort();
    assert_eq!(scanned, expected, "what the camera read and the verdicts");
    let summary = browser.eval("document.getElementById('summary').textContent").await;
    assert!(summary.starts_with("5 scanned: 2 valid, 2 not valid, 0 not checked · 1 name another site"), "{summary}");
    let foreign = browser
        .eval("[...document.querySelectorAll('#rows tr.o-foreign_site')].map(r => r.children[2].textContent + ' ' + r.children[3].textContent).join()")
        .await;
    assert!(
        foreign.starts_with("OTHER SITE ") && foreign.ends_with("(foreign_site) — https://evil.example"),
        "{foreign}"
    );
    let listed = browser.eval("document.getElementById('items').value").await;
    assert_eq!(listed.lines().count(), 5, "{listed}");
    browser.click("#scan-stop").await;
    browser.wait_for("the camera off", "document.getElementById('scan-video').hidden").await;

    // The scanned list becomes the printable report.
    browser.click("#list-form button[value=html]").await;
    browser
        .wait_for(
            "the report",
            "document.querySelector('h1') && document.querySelector('h1').textContent === 'Consignment report'",
        )
        .await;
    let counts = browser.eval("document.querySelector('.summary').textContent").await;
    assert_eq!(counts, "2 valid · 2 not valid · 0 not checked · 1 names another site of 5 items");
    let digest = browser.eval("document.getElementById('digest').textContent").await;
    assert!(digest.starts_with("SHA-256 ") && digest.len() == 8 + 64, "{digest}");
    assert_eq!(browser.eval("document.querySelector('[data-print]').hidden").await, "false", "the print button");
    browser.screenshots("verifier-consignment-03-report").await;

    // An uploaded list, the same way.
    let list = dir.path().join("manifest.csv");
    std::fs::write(&list, format!("item\n{}\n{}\nnot an item\n", ids.valid, ids.suspended)).expect("list");
    browser.goto(&format!("{base}/consignment")).await;
    browser.wait_for("the upload field", "!document.getElementById('upload-row').hidden").await;
    browser.choose_file("#upload", &list).await;
    browser.wait_for("the list loaded", "document.getElementById('items').value.includes('not an item')").await;
    browser.click("#list-form button[value=html]").await;
    browser
        .wait_for(
            "the report",
            "document.querySelector('.summary') && document.querySelector('h1').textContent === 'Consignment report'",
        )
        .await;
    let counts = browser.eval("document.querySelector('.summary').textContent").await;
    assert_eq!(counts, "1 valid · 1 not valid · 1 not checked of 3 items");
    browser.screenshots("verifier-consignment-04-uploaded-report").await;
    browser.close().await;
    server.stop().await;
}
