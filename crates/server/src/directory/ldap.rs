//! An LDAP directory (OpenLDAP and the like) or Active Directory as the home of the passwords.
//!
//! Every operation opens its own connection (ldap3 has no pool, and sign-ins and resets are
//! rare next to the time a bind takes), binds as the service account to find the user's entry
//! by the configured filter, then binds as the user (sign-in) or changes the password (reset):
//! with the Password Modify extended operation (RFC 3062) on OpenLDAP and the like, or by
//! replacing `unicodePwd` on Active Directory. TLS comes from an `ldaps://` URL or StartTLS.

use std::{collections::HashSet, sync::Arc, time::Duration};

use anyhow::Context;
use ldap3::{
    Ldap, LdapConnAsync, LdapConnSettings, LdapError, Mod, Scope, SearchEntry,
    exop::PasswordModify, ldap_escape,
};

use super::settings::{LdapFlavor, LdapSettings};

/// How long a connection, a bind, a search or a change may take before the directory counts
/// as unavailable.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);

/// LDAP result code 49: wrong password (or no such entry, or a locked or expired account).
const INVALID_CREDENTIALS: u32 = 49;

/// Result codes with which a directory refuses a new password for its own reasons: constraint
/// violation (19, OpenLDAP's ppolicy, Active Directory's complexity and history rules) and
/// unwilling to perform (53, e.g. a password changed too recently).
const PASSWORD_REFUSALS: [u32; 2] = [19, 53];

/// A user's entry, as the directory has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// Its distinguished name.
    pub dn: String,
    /// `displayName`, else `cn`, else empty.
    pub display_name: String,
}

/// Why a password change did not happen.
#[derive(Debug)]
pub enum ChangeRefused {
    /// The directory's own policy refused the password; its words, where it said any.
    Policy(Option<String>),
    /// The directory could not be reached or did not answer as expected.
    Unavailable(anyhow::Error),
}

/// The directory and how to reach it.
pub struct LdapDirectory {
    settings: LdapSettings,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl LdapDirectory {
    /// A client of the directory in `settings` (nothing is contacted yet).
    pub fn new(settings: LdapSettings) -> anyhow::Result<Self> {
        let tls = settings
            .ca_file
            .as_deref()
            .map(tls_trusting)
            .transpose()?
            .map(Arc::new);
        Ok(Self { settings, tls })
    }

    /// Opens a connection and binds as the service account.
    async fn service_connection(&self) -> anyhow::Result<Ldap> {
        let mut connection_settings = LdapConnSettings::new()
            .set_conn_timeout(OPERATION_TIMEOUT)
            .set_starttls(self.settings.starttls);
        if let Some(tls) = &self.tls {
            connection_settings = connection_settings.set_config(Arc::clone(tls));
        }
        let (connection, mut ldap) =
            LdapConnAsync::with_settings(connection_settings, &self.settings.url)
                .await
                .context("connecting to the LDAP directory")?;
        ldap3::drive!(connection);
        ldap.with_timeout(OPERATION_TIMEOUT)
            .simple_bind(&self.settings.bind_dn, self.settings.bind_password.expose())
            .await
            .context("binding as the service account")?
            .success()
            .context("the directory refused the service account's bind")?;
        Ok(ldap)
    }

    /// The entry of `username` (the sign-in name, matched by the user filter), if exactly one
    /// matches.
    async fn find(&self, ldap: &mut Ldap, username: &str) -> anyhow::Result<Option<DirectoryUser>> {
        let filter = self
            .settings
            .user_filter
            .replace("{username}", &ldap_escape(username));
        let (entries, _) = ldap
            .with_timeout(OPERATION_TIMEOUT)
            .search(
                &self.settings.user_base,
                Scope::Subtree,
                &filter,
                vec!["displayName", "cn"],
            )
            .await
            .context("searching the directory")?
            .success()
            .context("the directory refused the user search")?;
        // Two entries for one name is a directory mistake: sign in neither.
        if entries.len() != 1 {
            if entries.len() > 1 {
                tracing::warn!(
                    entries = entries.len(),
                    "the user filter matched more than one entry: none is used"
                );
            }
            return Ok(None);
        }
        let entry = SearchEntry::construct(entries.into_iter().next().expect("one entry"));
        let first = |name: &str| {
            entry
                .attrs
                .get(name)
                .and_then(|values| values.first())
                .cloned()
        };
        let display_name = first("displayName")
            .or_else(|| first("cn"))
            .unwrap_or_default();
        Ok(Some(DirectoryUser {
            dn: entry.dn,
            display_name,
        }))
    }

    /// Checks `password` for `username` by binding as its entry: the entry when the directory
    /// accepts it, `None` for a wrong password or a name it does not have (a name without an
    /// entry still costs a bind, against a name under the search base that does not exist,
    /// so the two take alike).
    pub async fn check(
        &self,
        username: &str,
        password: &str,
    ) -> anyhow::Result<Option<DirectoryUser>> {
        let work = async {
            let mut ldap = self.service_connection().await?;
            let user = self.find(&mut ldap, username).await?;
            let dn = match &user {
                Some(user) => user.dn.clone(),
                None => format!("cn=no-such-user,{}", self.settings.user_base),
            };
            // An empty password would be an unauthenticated bind (RFC 4513 5.1.2), which
            // succeeds without proving anything.
            let bound = if password.is_empty() {
                false
            } else {
                let result = ldap
                    .with_timeout(OPERATION_TIMEOUT)
                    .simple_bind(&dn, password)
                    .await
                    .context("binding as the user")?;
                match result.rc {
                    0 => true,
                    INVALID_CREDENTIALS => false,
                    _ => {
                        return Err(anyhow::Error::new(LdapError::LdapResult { result })
                            .context("the directory answered the user's bind with an error"));
                    }
                }
            };
            let _ = ldap.unbind().await;
            Ok(user.filter(|_| bound))
        };
        tokio::time::timeout(OPERATION_TIMEOUT * 3, work)
            .await
            .context("the LDAP directory did not answer in time")?
    }

    /// Sets `username`'s password to `password` as the service account.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<(), ChangeRefused> {
        let work = async {
            let mut ldap = self
                .service_connection()
                .await
                .map_err(ChangeRefused::Unavailable)?;
            let user = self
                .find(&mut ldap, username)
                .await
                .map_err(ChangeRefused::Unavailable)?
                .ok_or_else(|| {
                    ChangeRefused::Unavailable(anyhow::anyhow!(
                        "the account is no longer in the directory"
                    ))
                })?;
            let result = match self.settings.flavor {
                LdapFlavor::Standard => ldap
                    .with_timeout(OPERATION_TIMEOUT)
                    .extended(PasswordModify {
                        user_id: Some(&user.dn),
                        old_pass: None,
                        new_pass: Some(password),
                    })
                    .await
                    .map(|answer| answer.1),
                LdapFlavor::ActiveDirectory => {
                    ldap.with_timeout(OPERATION_TIMEOUT)
                        .modify(
                            &user.dn,
                            vec![Mod::Replace(
                                "unicodePwd".as_bytes().to_vec(),
                                HashSet::from([unicode_pwd(password)]),
                            )],
                        )
                        .await
                }
            }
            .context("changing the password in the directory")
            .map_err(ChangeRefused::Unavailable)?;
            let _ = ldap.unbind().await;
            match result.rc {
                0 => Ok(()),
                rc if PASSWORD_REFUSALS.contains(&rc) => Err(ChangeRefused::Policy(
                    Some(result.text.trim().to_owned()).filter(|text| !text.is_empty()),
                )),
                _ => Err(ChangeRefused::Unavailable(
                    anyhow::Error::new(LdapError::LdapResult { result })
                        .context("the directory refused the password change"),
                )),
            }
        };
        tokio::time::timeout(OPERATION_TIMEOUT * 3, work)
            .await
            .map_err(|_| {
                ChangeRefused::Unavailable(anyhow::anyhow!(
                    "the LDAP directory did not answer in time"
                ))
            })?
    }
}

/// Active Directory's form of a new password: the password in double quotes, in UTF-16LE.
pub fn unicode_pwd(password: &str) -> Vec<u8> {
    format!("\"{password}\"")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// A TLS client configuration that trusts the certificate authorities in the PEM file `path`
/// (and nothing else).
fn tls_trusting(path: &std::path::Path) -> anyhow::Result<rustls::ClientConfig> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path)
        .with_context(|| format!("SECURITY_INFO_LDAP_CA_FILE: cannot read {}", path.display()))?
    {
        let certificate = certificate.with_context(|| {
            format!("SECURITY_INFO_LDAP_CA_FILE: {} is not PEM", path.display())
        })?;
        roots
            .add(certificate)
            .context("SECURITY_INFO_LDAP_CA_FILE: a certificate is not usable")?;
    }
    if roots.is_empty() {
        anyhow::bail!(
            "SECURITY_INFO_LDAP_CA_FILE: {} holds no certificate",
            path.display()
        );
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("TLS versions")?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_directory_gets_the_password_quoted_in_utf16_little_endian() {
        assert_eq!(
            unicode_pwd("Ab1é"),
            vec![b'"', 0, b'A', 0, b'b', 0, b'1', 0, 0xe9, 0, b'"', 0]
        );
        // Outside the basic plane: a surrogate pair.
        assert_eq!(
            unicode_pwd("😀"),
            vec![b'"', 0, 0x3d, 0xd8, 0x00, 0xde, b'"', 0]
        );
    }
}
