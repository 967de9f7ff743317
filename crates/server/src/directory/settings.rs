//! The `SECURITY_INFO_LDAP_*` settings: where the directory is, how the server signs in to it
//! and finds users, and how it changes passwords.

use std::path::PathBuf;

use anyhow::bail;

use crate::secret::Secret;

/// How the directory takes a new password (`SECURITY_INFO_LDAP_FLAVOR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LdapFlavor {
    /// The Password Modify extended operation (RFC 3062): OpenLDAP, 389 Directory Server and
    /// most LDAP servers.
    #[value(name = "ldap")]
    Standard,
    /// Active Directory: `unicodePwd` replaced, which it takes only over TLS.
    #[value(name = "ad")]
    ActiveDirectory,
}

/// The directory settings as given.
#[derive(Debug, Clone, clap::Args)]
pub struct LdapConfig {
    /// The LDAP directory or Active Directory that holds the passwords of the password
    /// accounts, instead of the built-in accounts: `ldaps://host[:port]` (TLS) or
    /// `ldap://host[:port]` (with SECURITY_INFO_LDAP_STARTTLS=true, or on a loopback address
    /// only). Users sign in with a bind as their entry, and a password reset sets the password
    /// there. Unset: the built-in accounts.
    #[arg(long, env = "SECURITY_INFO_LDAP_URL")]
    pub ldap_url: Option<String>,

    /// The service account the server binds as to find users and reset passwords (it needs
    /// read access to the users and the right to reset their passwords).
    #[arg(long, env = "SECURITY_INFO_LDAP_BIND_DN")]
    pub ldap_bind_dn: Option<String>,

    /// The service account's password (never logged).
    #[arg(long, env = "SECURITY_INFO_LDAP_BIND_PASSWORD", hide_env_values = true)]
    pub ldap_bind_password: Option<Secret<String>>,

    /// Where users are searched (subtree), e.g. `ou=people,dc=contoso,dc=example`.
    #[arg(long, env = "SECURITY_INFO_LDAP_USER_BASE")]
    pub ldap_user_base: Option<String>,

    /// The filter that finds a user by the name they sign in with, `{username}` standing for
    /// it (escaped). Default `(mail={username})`, or `(userPrincipalName={username})` with
    /// SECURITY_INFO_LDAP_FLAVOR=ad.
    #[arg(long, env = "SECURITY_INFO_LDAP_USER_FILTER")]
    pub ldap_user_filter: Option<String>,

    /// `ldap` (the Password Modify operation, RFC 3062) or `ad` (Active Directory's
    /// `unicodePwd`).
    #[arg(long, env = "SECURITY_INFO_LDAP_FLAVOR", value_enum, default_value_t = LdapFlavor::Standard)]
    pub ldap_flavor: LdapFlavor,

    /// Whether an `ldap://` URL upgrades to TLS with StartTLS before anything is sent.
    #[arg(long, env = "SECURITY_INFO_LDAP_STARTTLS", default_value_t = false, action = clap::ArgAction::Set)]
    pub ldap_starttls: bool,

    /// A PEM file of the certificate authorities the directory's certificate is checked
    /// against, instead of the system's.
    #[arg(long, env = "SECURITY_INFO_LDAP_CA_FILE")]
    pub ldap_ca_file: Option<PathBuf>,
}

/// The checked directory settings.
#[derive(Debug, Clone)]
pub struct LdapSettings {
    /// `ldap://` or `ldaps://` URL.
    pub url: String,
    /// The service account.
    pub bind_dn: String,
    /// Its password.
    pub bind_password: Secret<String>,
    /// The search base of users.
    pub user_base: String,
    /// The user filter, with `{username}`.
    pub user_filter: String,
    /// How passwords are changed.
    pub flavor: LdapFlavor,
    /// StartTLS on an `ldap://` URL.
    pub starttls: bool,
    /// The trusted certificate authorities, if not the system's.
    pub ca_file: Option<PathBuf>,
}

impl LdapConfig {
    /// The checked settings, `None` without a URL, or what is wrong.
    pub fn validate(self) -> anyhow::Result<Option<LdapSettings>> {
        let Some(url) = self
            .ldap_url
            .map(|url| url.trim().to_owned())
            .filter(|url| !url.is_empty())
        else {
            return Ok(None);
        };
        let parsed = url::Url::parse(&url)
            .map_err(|_| anyhow::anyhow!("SECURITY_INFO_LDAP_URL: `{url}` is not a URL"))?;
        let tls = match parsed.scheme() {
            "ldaps" if self.ldap_starttls => {
                bail!("SECURITY_INFO_LDAP_STARTTLS is for ldap:// URLs: ldaps:// is TLS already")
            }
            "ldaps" => true,
            "ldap" => self.ldap_starttls,
            _ => bail!("SECURITY_INFO_LDAP_URL must start with ldap:// or ldaps://"),
        };
        // ldap:// is not a scheme the URL standard knows, so its host stays text.
        let loopback = match parsed.host_str().filter(|host| !host.is_empty()) {
            Some(host) => {
                host.eq_ignore_ascii_case("localhost")
                    || host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
            None => bail!("SECURITY_INFO_LDAP_URL: `{url}` names no host"),
        };
        // Binds carry passwords in the clear: over a network only inside TLS.
        if !tls && !loopback {
            bail!(
                "SECURITY_INFO_LDAP_URL: `{url}` would send passwords unencrypted: use ldaps:// \
                 or SECURITY_INFO_LDAP_STARTTLS=true (plain ldap:// only on a loopback address)"
            );
        }
        if self.ldap_flavor == LdapFlavor::ActiveDirectory && !tls {
            bail!(
                "SECURITY_INFO_LDAP_FLAVOR=ad: Active Directory changes passwords only over TLS \
                 (ldaps:// or SECURITY_INFO_LDAP_STARTTLS=true)"
            );
        }
        let required = |value: Option<String>, variable: &str| {
            value
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| anyhow::anyhow!("SECURITY_INFO_LDAP_URL needs {variable}"))
        };
        let bind_dn = required(self.ldap_bind_dn, "SECURITY_INFO_LDAP_BIND_DN")?;
        let user_base = required(self.ldap_user_base, "SECURITY_INFO_LDAP_USER_BASE")?;
        let bind_password = self
            .ldap_bind_password
            .filter(|password| !password.expose().is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!("SECURITY_INFO_LDAP_URL needs SECURITY_INFO_LDAP_BIND_PASSWORD")
            })?;
        let user_filter = match self.ldap_user_filter.map(|f| f.trim().to_owned()) {
            Some(filter) if !filter.is_empty() => filter,
            _ => match self.ldap_flavor {
                LdapFlavor::Standard => "(mail={username})".to_owned(),
                LdapFlavor::ActiveDirectory => "(userPrincipalName={username})".to_owned(),
            },
        };
        if !user_filter.contains("{username}")
            || ldap3::parse_filter(user_filter.replace("{username}", "x")).is_err()
        {
            bail!(
                "SECURITY_INFO_LDAP_USER_FILTER: `{user_filter}` must be an LDAP filter with \
                 {{username}} in it, e.g. (mail={{username}})"
            );
        }
        Ok(Some(LdapSettings {
            url,
            bind_dn,
            bind_password,
            user_base,
            user_filter,
            flavor: self.ldap_flavor,
            starttls: self.ldap_starttls,
            ca_file: self.ldap_ca_file,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> LdapConfig {
        LdapConfig {
            ldap_url: Some(url.to_owned()),
            ldap_bind_dn: Some("cn=security-info,dc=contoso,dc=example".to_owned()),
            ldap_bind_password: Some(Secret::new("service".to_owned())),
            ldap_user_base: Some("ou=people,dc=contoso,dc=example".to_owned()),
            ldap_user_filter: None,
            ldap_flavor: LdapFlavor::Standard,
            ldap_starttls: false,
            ldap_ca_file: None,
        }
    }

    fn error(config: LdapConfig) -> String {
        config.validate().expect_err("refused").to_string()
    }

    #[test]
    fn unset_means_the_built_in_accounts() {
        let mut unset = config("");
        unset.ldap_url = None;
        assert!(unset.validate().expect("valid").is_none());
        assert!(config("  ").validate().expect("valid").is_none());
    }

    #[test]
    fn passwords_cross_a_network_only_inside_tls() {
        assert!(error(config("ldap://dc1.contoso.example")).contains("unencrypted"));
        assert!(config("ldaps://dc1.contoso.example").validate().is_ok());
        let mut starttls = config("ldap://dc1.contoso.example");
        starttls.ldap_starttls = true;
        assert!(starttls.validate().is_ok());
        assert!(config("ldap://127.0.0.1:3890").validate().is_ok());
        assert!(config("ldap://localhost").validate().is_ok());
        assert!(config("ldap://[::1]:389").validate().is_ok());
        assert!(error(config("ldap://127.0.0.1.contoso.example")).contains("unencrypted"));
        assert!(error(config("ldap:///")).contains("names no host"));
        let mut both = config("ldaps://dc1.contoso.example");
        both.ldap_starttls = true;
        assert!(error(both).contains("ldaps:// is TLS already"));
        assert!(error(config("http://dc1.contoso.example")).contains("ldap:// or ldaps://"));
    }

    #[test]
    fn active_directory_needs_tls_even_on_loopback() {
        let mut ad = config("ldap://127.0.0.1:389");
        ad.ldap_flavor = LdapFlavor::ActiveDirectory;
        assert!(error(ad).contains("only over TLS"));
        let mut ad = config("ldaps://dc1.contoso.example");
        ad.ldap_flavor = LdapFlavor::ActiveDirectory;
        let settings = ad.validate().expect("valid").expect("set");
        assert_eq!(settings.user_filter, "(userPrincipalName={username})");
    }

    #[test]
    fn the_service_account_and_search_base_are_required() {
        let mut no_dn = config("ldaps://dc1.contoso.example");
        no_dn.ldap_bind_dn = None;
        assert!(error(no_dn).contains("SECURITY_INFO_LDAP_BIND_DN"));
        let mut no_password = config("ldaps://dc1.contoso.example");
        no_password.ldap_bind_password = Some(Secret::new(String::new()));
        assert!(error(no_password).contains("SECURITY_INFO_LDAP_BIND_PASSWORD"));
        let mut no_base = config("ldaps://dc1.contoso.example");
        no_base.ldap_user_base = Some(" ".to_owned());
        assert!(error(no_base).contains("SECURITY_INFO_LDAP_USER_BASE"));
    }

    #[test]
    fn the_filter_must_name_the_user_and_parse() {
        let mut settings = config("ldaps://dc1.contoso.example");
        settings.ldap_user_filter = Some("(uid={username})".to_owned());
        assert!(settings.validate().is_ok());
        for wrong in [
            "(uid=ada)",
            "(uid={username}",
            "uid={username})((",
            "{username}",
        ] {
            let mut settings = config("ldaps://dc1.contoso.example");
            settings.ldap_user_filter = Some(wrong.to_owned());
            assert!(
                error(settings).contains("SECURITY_INFO_LDAP_USER_FILTER"),
                "{wrong}"
            );
        }
    }
}
