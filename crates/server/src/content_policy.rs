//! The `Content-Security-Policy` of every response.
//!
//! The page handles sign-in and security info, so a script injected into it could read the
//! user's methods or change them. The policy lets the document run only its own files: the
//! JS glue and wasm from this origin (`'wasm-unsafe-eval'` is what compiling WebAssembly
//! needs, no string `eval`), the one inline loader trunk writes into `index.html` (allowed by
//! its hash, computed from the file being served), the stylesheet from this origin and no
//! inline styles, requests to this origin only, no plugins, no `<base>`, forms posting back
//! only. `frame-ancestors` names the portals that may frame the app.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

/// Everything but the script hashes and `frame-ancestors`.
const FIXED: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                     connect-src 'self'; manifest-src 'self'; base-uri 'none'; \
                     form-action 'self'";

/// The whole policy: `frame_ancestors` is the directive as `AllowedOrigins::frame_ancestors`
/// writes it; `index_html` is the app's `index.html` (none in a server without the app).
pub fn content_security_policy(frame_ancestors: &str, index_html: Option<&str>) -> String {
    let mut script_src = String::from("script-src 'self' 'wasm-unsafe-eval'");
    for hash in index_html.map(inline_script_hashes).unwrap_or_default() {
        script_src.push_str(" 'sha256-");
        script_src.push_str(&hash);
        script_src.push('\'');
    }
    format!("{FIXED}; {script_src}; {frame_ancestors}")
}

/// Base64 SHA-256 of the text of every inline `<script>` (one without `src`), byte for byte
/// as the browser hashes it.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<script").map(|i| from + i) {
        let Some(tag_end) = lower[start..].find('>').map(|i| start + i) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let has_src = lower[start..tag_end]
            .split(|c: char| c.is_ascii_whitespace())
            .any(|attribute| attribute.starts_with("src="));
        if !has_src {
            let text = &html[tag_end + 1..close];
            hashes.push(STANDARD.encode(Sha256::digest(text.as_bytes())));
        }
        from = close;
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = "<head><script type=\"module\">\nimport init from '/a.js';\n</script>\
                    <SCRIPT src=\"/b.js\"></SCRIPT><script>x()</script></head>";
        let hashes = inline_script_hashes(html);
        assert_eq!(
            hashes,
            vec![
                STANDARD.encode(Sha256::digest(b"\nimport init from '/a.js';\n")),
                // Known value: `echo -n 'x()' | openssl dgst -sha256 -binary | base64`.
                "D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI=".to_owned(),
            ]
        );
    }

    #[test]
    fn the_policy_allows_only_the_apps_own_code_and_the_given_framers() {
        let policy = content_security_policy(
            "frame-ancestors 'self' https://portal.contoso.example",
            Some("<script>x()</script>"),
        );
        assert_eq!(
            policy,
            "default-src 'none'; style-src 'self'; img-src 'self'; connect-src 'self'; \
             manifest-src 'self'; base-uri 'none'; form-action 'self'; \
             script-src 'self' 'wasm-unsafe-eval' \
             'sha256-D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI='; \
             frame-ancestors 'self' https://portal.contoso.example"
        );
    }

    #[test]
    fn without_an_app_no_inline_script_is_allowed() {
        let policy = content_security_policy("frame-ancestors 'self'", None);
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("sha256"));
    }

    #[test]
    fn an_unclosed_script_tag_is_not_hashed() {
        assert!(inline_script_hashes("<script>never closed").is_empty());
        assert!(inline_script_hashes("<script").is_empty());
    }
}
