//! What step 4 compares: the QR code the verifier serves, and the trust list as the
//! verifier lists it and as Fabric holds it.

use nanotrace_model::IssuerKey;

/// A trust-list entry as compared: key ID, public key, retirement time.
pub type KeyRow = (String, String, Option<i64>);

/// The [`KeyRow`]s of `/api/v1/issuers`.
pub fn trust_list(body: &str) -> Vec<KeyRow> {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"));
    let keys = value.as_array().cloned().or_else(|| value["issuers"].as_array().cloned()).expect("a list");
    keys.iter()
        .map(|k| {
            let text = |f: &str| k[f].as_str().unwrap_or_default().to_owned();
            (text("key_id"), text("public_key"), k["retired_at"].as_i64())
        })
        .collect()
}

/// The same of the trust list read from Fabric.
pub fn from_fabric(keys: &[IssuerKey]) -> Vec<KeyRow> {
    keys.iter().map(|k| (k.key_id.clone(), k.public_key.clone(), k.retired_at)).collect()
}

/// The text of the one QR code in `png_bytes`.
pub fn decode_qr(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("png");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * info.line_size + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}
