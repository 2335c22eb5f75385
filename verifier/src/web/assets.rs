//! `GET /assets/{file}`: the pages' scripts and icon, built into the binary: our own
//! `consignment.js`, `app.js` (installs the service worker), `offline.js` (the offline
//! check) and `icon.svg`, and the vendored barcode reader (zxing-wasm, see
//! `verifier/assets/third_party/zxing-wasm/README.md`); and the installable web app's
//! `GET /sw.js` (the service worker, at the root so that its scope is every page) and
//! `GET /manifest.webmanifest`. Nothing else is served from disk.

use axum::extract::Path;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The vendored reader's version: part of its paths, so they can be cached for good.
pub(super) const ZXING_VERSION: &str = "3.1.4";
/// The path of the vendored reader's script.
pub(super) const ZXING_JS_PATH: &str = "/assets/zxing-wasm-3.1.4/reader.js";
/// The SRI hash the page pins the reader's script with (checked against the bytes by a test).
pub(super) const ZXING_JS_SRI: &str = "sha384-PN2+TcV6o3ygq0xnuFCxKBra0Yt4uPsZhoQ/vGYAwE57BrG9nHTvynv6YPyluWaU";
/// The path of the reader's WebAssembly (fetched by `consignment.js`, which checks its
/// SHA-256 against the one the reader's script was built with).
pub(super) const ZXING_WASM_PATH: &str = "/assets/zxing-wasm-3.1.4/zxing_reader.wasm";
/// The path of the page's own script.
pub(super) const PAGE_JS_PATH: &str = "/assets/consignment.js";

const ZXING_JS: &[u8] = include_bytes!("../../assets/third_party/zxing-wasm/reader.js");
const ZXING_WASM: &[u8] = include_bytes!("../../assets/third_party/zxing-wasm/zxing_reader.wasm");
const PAGE_JS: &[u8] = include_bytes!("../../assets/consignment.js");
const APP_JS: &[u8] = include_bytes!("../../assets/app.js");
const OFFLINE_JS: &[u8] = include_bytes!("../../assets/offline.js");
const ICON_SVG: &[u8] = include_bytes!("../../assets/icon.svg");
const SERVICE_WORKER_JS: &[u8] = include_bytes!("../../assets/sw.js");

/// The path of the offline page's script.
pub(super) const OFFLINE_JS_PATH: &str = "/assets/offline.js";

/// The installable web app's manifest: the public pages, standalone, starting at the search.
const MANIFEST: &str = r##"{
  "name": "NanoTrace Verify",
  "short_name": "NanoTrace",
  "description": "Verify nanomaterial certificates, also without a connection",
  "start_url": "/",
  "scope": "/",
  "display": "standalone",
  "background_color": "#f2f4f7",
  "theme_color": "#0f2742",
  "icons": [{ "src": "/assets/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any" }]
}
"##;

/// One served file: its bytes, type and whether its path names its version.
struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
    immutable: bool,
}

fn find(file: &str) -> Option<Asset> {
    let versioned = format!("zxing-wasm-{ZXING_VERSION}/");
    match file.strip_prefix(&versioned) {
        Some("reader.js") => {
            Some(Asset { bytes: ZXING_JS, content_type: "text/javascript; charset=utf-8", immutable: true })
        }
        Some("zxing_reader.wasm") => {
            Some(Asset { bytes: ZXING_WASM, content_type: "application/wasm", immutable: true })
        }
        Some(_) => None,
        None => {
            let (bytes, content_type) = match file {
                "consignment.js" => (PAGE_JS, JS),
                "app.js" => (APP_JS, JS),
                "offline.js" => (OFFLINE_JS, JS),
                "icon.svg" => (ICON_SVG, "image/svg+xml"),
                _ => return None,
            };
            Some(Asset { bytes, content_type, immutable: false })
        }
    }
}

const JS: &str = "text/javascript; charset=utf-8";

/// `GET /sw.js`: the service worker. Browsers check it for updates on every navigation
/// (at most daily by HTTP caching rules), so it is never cached.
pub(super) async fn service_worker() -> Response {
    let mut response = SERVICE_WORKER_JS.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JS));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /manifest.webmanifest`: what makes the pages an installable app.
pub(super) async fn manifest() -> Response {
    let mut response = MANIFEST.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/manifest+json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// `GET /assets/{*file}`.
pub(super) async fn asset(lang: super::i18n::Lang, Path(file): Path<String>) -> Response {
    let Some(asset) = find(&file) else {
        return super::pages::not_found_page(lang);
    };
    let cache = if asset.immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256, Sha384};

    #[test]
    fn the_vendored_reader_is_the_one_its_readme_and_the_page_pin() {
        let sri = format!("sha384-{}", data_encoding::BASE64.encode(&Sha384::digest(ZXING_JS)));
        assert_eq!(sri, ZXING_JS_SRI, "reader.js changed: update its hash after checking it against npm");
        let readme = include_str!("../../assets/third_party/zxing-wasm/README.md");
        assert!(readme.contains(ZXING_JS_SRI), "the README states the script's hash");
        let wasm = hex::encode(Sha256::digest(ZXING_WASM));
        let js = std::str::from_utf8(ZXING_JS).expect("UTF-8");
        assert!(
            js.contains(&format!("ZXING_WASM_SHA256=`{wasm}`")),
            "zxing_reader.wasm is the build reader.js expects"
        );
        assert!(ZXING_JS_PATH.contains(ZXING_VERSION) && ZXING_WASM_PATH.contains(ZXING_VERSION));
        assert!(PAGE_JS_PATH.ends_with("consignment.js"));
    }

    #[test]
    fn the_manifest_is_json_with_an_icon_that_is_served() {
        let manifest: serde_json::Value = serde_json::from_str(MANIFEST).expect("JSON");
        assert_eq!(manifest["start_url"], "/");
        let icon = manifest["icons"][0]["src"].as_str().unwrap_or_default();
        assert!(icon.strip_prefix("/assets/").and_then(find).is_some(), "{icon}");
    }

    #[test]
    fn only_the_known_files_are_served() {
        assert!(find("zxing-wasm-3.1.4/reader.js").is_some());
        assert!(find("zxing-wasm-3.1.4/zxing_reader.wasm").is_some());
        for ours in ["consignment.js", "app.js", "offline.js", "icon.svg"] {
            assert!(find(ours).is_some(), "{ours}");
        }
        assert!(find("sw.js").is_none(), "the service worker is served at /sw.js only (its scope is its path's)");
        for other in ["", "zxing-wasm-3.1.4/", "zxing-wasm-3.1.3/reader.js", "../Cargo.toml", "zxing-wasm-3.1.4/../x"] {
            assert!(find(other).is_none(), "{other}");
        }
    }
}
