//! This server as a WebAuthn relying party: the id keys are bound to, the origins their
//! answers may come from, and the models the organization accepts.
//!
//! The id is the public origin's host unless `SECURITY_INFO_WEBAUTHN_RP_ID` names a registrable
//! suffix of it. Browsers refuse IP addresses as ids, so a server reached by address cannot
//! offer security keys: a loopback listen address is reached as `localhost` for that reason
//! (see [`crate::origin`]). Answers are accepted from the public origin only: inside a portal's
//! frame the page is still on that origin (the portal is only the top-level origin).

use webauthn_rs::{
    Webauthn, WebauthnBuilder,
    prelude::{Url, Uuid},
};

/// How long the browser's prompt may stay open: shorter than the registration's own life, so
/// the answer still finds it pending.
const PROMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// The relying party and the organization's rules for keys.
pub struct RelyingParty {
    /// webauthn-rs, configured for our id and origin.
    pub webauthn: Webauthn,
    /// The accepted models (AAGUIDs); empty: any.
    pub allowed_models: Vec<Uuid>,
}

impl RelyingParty {
    /// The relying party of an app at `public_origin`, named `org_name`, with the configured
    /// id (if any) and accepted models. Refused when the id is not the origin's host or a
    /// suffix of it, or the origin's host is an IP address.
    pub fn new(
        public_origin: &str,
        configured_id: Option<&str>,
        org_name: &str,
        allowed_models: Vec<Uuid>,
    ) -> anyhow::Result<Self> {
        let origin = Url::parse(public_origin)?;
        let host = match origin.host() {
            Some(url::Host::Domain(host)) => host.to_owned(),
            _ => anyhow::bail!(
                "security keys need a host name, and the app's public origin {public_origin} is \
                 an address: set SECURITY_INFO_PUBLIC_ORIGIN to the name browsers use, or leave \
                 securityKey out of SECURITY_INFO_ALLOWED_METHODS"
            ),
        };
        let id = configured_id.unwrap_or(&host);
        let suffix_of_host = host == id || host.ends_with(&format!(".{id}"));
        if !suffix_of_host || id.parse::<std::net::IpAddr>().is_ok() {
            anyhow::bail!(
                "SECURITY_INFO_WEBAUTHN_RP_ID {id:?} must be the public origin's host {host:?} or \
                 a suffix of it"
            );
        }
        let webauthn = WebauthnBuilder::new(id, &origin)
            .map_err(|e| anyhow::anyhow!("SECURITY_INFO_WEBAUTHN_RP_ID {id:?}: {e}"))?
            .rp_name(org_name)
            .timeout(PROMPT_TIMEOUT)
            .build()
            .map_err(|e| anyhow::anyhow!("WebAuthn relying party: {e}"))?;
        Ok(Self {
            webauthn,
            allowed_models,
        })
    }

    /// Whether the organization accepts keys of this model (`None`: the authenticator did not
    /// say).
    pub fn accepts_model(&self, model: Option<Uuid>) -> bool {
        self.allowed_models.is_empty()
            || model.is_some_and(|model| self.allowed_models.contains(&model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_the_host_or_a_suffix_of_it_never_an_address() {
        assert!(RelyingParty::new("http://localhost:8080", None, "Contoso", vec![]).is_ok());
        assert!(
            RelyingParty::new(
                "https://security.contoso.example",
                Some("contoso.example"),
                "Contoso",
                vec![]
            )
            .is_ok()
        );
        for (origin, id) in [
            ("https://security.contoso.example", Some("fabrikam.example")),
            (
                "https://security.contoso.example",
                Some("curity.contoso.example"),
            ),
            ("http://127.0.0.1:8080", None),
            ("http://[::1]:8080", None),
        ] {
            assert!(
                RelyingParty::new(origin, id, "Contoso", vec![]).is_err(),
                "{origin} {id:?}"
            );
        }
    }

    #[test]
    fn an_allow_list_accepts_only_its_models_and_refuses_unknown_ones() {
        let yubikey = Uuid::parse_str("cb69481e-8ff7-4039-93ec-0a2729a154a8").expect("uuid");
        let other = Uuid::parse_str("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4").expect("uuid");
        let any = RelyingParty::new("http://localhost:8080", None, "Contoso", vec![]).expect("rp");
        assert!(any.accepts_model(None) && any.accepts_model(Some(other)));
        let listed =
            RelyingParty::new("http://localhost:8080", None, "Contoso", vec![yubikey]).expect("rp");
        assert!(listed.accepts_model(Some(yubikey)));
        assert!(!listed.accepts_model(Some(other)));
        assert!(!listed.accepts_model(None));
    }
}
