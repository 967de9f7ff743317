//! The headers every response carries, besides the Content-Security-Policy (see embedding.rs).

use reqwest::header;

use crate::helpers::*;

#[tokio::test]
async fn every_response_keeps_other_sites_out_and_the_browser_strict() {
    let app = TestApp::spawn().await;
    for (path, response) in sample_responses(&app).await {
        let headers = response.headers();
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("cross-origin-opener-policy", "same-origin"),
            ("cross-origin-resource-policy", "same-origin"),
        ] {
            assert_eq!(
                headers.get_all(name).iter().count(),
                1,
                "{name} once on {path}"
            );
            assert_eq!(headers[name], value, "{name} on {path}");
        }
        let permissions = headers["permissions-policy"].to_str().expect("ascii");
        for feature in [
            "camera=()",
            "microphone=()",
            "geolocation=()",
            "payment=()",
            // Security keys: the page itself may ask the browser (no portals configured here).
            "publickey-credentials-create=(self)",
            "publickey-credentials-get=(self)",
        ] {
            assert!(
                permissions.contains(feature),
                "{feature} on {path}: {permissions}"
            );
        }
        // Over plain http a browser ignores HSTS; it is not sent.
        assert!(
            headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
            "no HSTS over http on {path}"
        );
    }
}

#[tokio::test]
async fn over_https_browsers_are_told_to_never_use_plain_http() {
    let app = TestApp::spawn_with(&["--public-origin", "https://security.contoso.example"]).await;
    for (path, response) in sample_responses(&app).await {
        assert_eq!(
            response.headers()[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000; includeSubDomains",
            "HSTS on {path}"
        );
    }
}
