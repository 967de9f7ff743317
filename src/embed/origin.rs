//! Which origin is the host: chosen only from the server's configured embed origins, so the
//! app never posts to, or reads from, an origin the operator did not list (and never `*`).

/// The host origin, in the documented order: the frame URL's `host` parameter, else
/// `location.ancestorOrigins[0]`, else the single configured origin; each only when it is
/// exactly one of `configured`. `None`: the app does not message at all.
pub fn choose_host_origin(
    host_param: Option<&str>,
    ancestor: Option<&str>,
    configured: &[String],
) -> Option<String> {
    let listed = |origin: &str| configured.iter().any(|c| c == origin);
    host_param
        .filter(|origin| listed(origin))
        .or_else(|| ancestor.filter(|origin| listed(origin)))
        .map(str::to_owned)
        .or_else(|| match configured {
            [only] => Some(only.clone()),
            _ => None,
        })
        .filter(|origin| origin != "*" && origin != "null")
}

/// The value of `name` in a query string such as `?embed=1&host=https%3A%2F%2Fp.example`,
/// percent-decoded (`+` is a space, as in forms).
pub fn query_param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .map(percent_decode)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_host_parameter_wins_when_listed() {
        let configured = origins(&["https://a.example", "https://b.example"]);
        assert_eq!(
            choose_host_origin(
                Some("https://b.example"),
                Some("https://a.example"),
                &configured
            ),
            Some("https://b.example".into())
        );
    }

    #[test]
    fn an_unlisted_host_parameter_falls_back_to_the_ancestor_then_the_single_origin() {
        let two = origins(&["https://a.example", "https://b.example"]);
        assert_eq!(
            choose_host_origin(
                Some("https://evil.example"),
                Some("https://a.example"),
                &two
            ),
            Some("https://a.example".into())
        );
        assert_eq!(
            choose_host_origin(Some("https://evil.example"), None, &two),
            None
        );
        let one = origins(&["https://a.example"]);
        assert_eq!(
            choose_host_origin(
                Some("https://evil.example"),
                Some("https://evil.example"),
                &one
            ),
            Some("https://a.example".into())
        );
    }

    #[test]
    fn nothing_configured_means_no_host_and_never_a_wildcard() {
        assert_eq!(
            choose_host_origin(Some("https://a.example"), Some("https://a.example"), &[]),
            None
        );
        assert_eq!(choose_host_origin(Some("*"), None, &origins(&["*"])), None);
        // Exact comparison: no trailing slash, case or port games.
        let one = origins(&["https://a.example", "https://c.example"]);
        assert_eq!(
            choose_host_origin(Some("https://a.example/"), Some("https://A.example"), &one),
            None
        );
    }

    #[test]
    fn query_parameters_are_found_and_decoded() {
        let search = "?embed=1&host=https%3A%2F%2Fportal.example%3A8443&lang=nl";
        assert_eq!(query_param(search, "embed"), Some("1".into()));
        assert_eq!(
            query_param(search, "host"),
            Some("https://portal.example:8443".into())
        );
        assert_eq!(query_param(search, "hostname"), None);
        assert_eq!(query_param("?xhost=a", "host"), None);
        assert_eq!(query_param("", "embed"), None);
        assert_eq!(query_param("?a=%zz%2", "a"), Some("%zz%2".into()));
    }
}
