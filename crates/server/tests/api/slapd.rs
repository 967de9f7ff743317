//! A real OpenLDAP server (Debian's `slapd`) for the directory tests: a generated config and
//! database in a temp folder, seeded offline with `slapadd`, started as a user process on a
//! free loopback port, and killed when dropped. Its password policy (the `ppolicy` overlay)
//! wants at least [`DIRECTORY_MIN_LENGTH`] characters, and the service account may reset the
//! users' passwords but is not the root DN, so the policy applies to it.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Where Debian installs it (`cargo xtask test` installs the package).
const SLAPD: &str = "/usr/sbin/slapd";
/// Its offline loader, from the same package.
const SLAPADD: &str = "/usr/sbin/slapadd";

/// The directory's suffix.
pub const SUFFIX: &str = "dc=contoso,dc=example";
/// Where the users are.
pub const PEOPLE: &str = "ou=people,dc=contoso,dc=example";
/// The service account the server binds as.
pub const SERVICE_DN: &str = "cn=security-info,ou=services,dc=contoso,dc=example";
/// Its password.
pub const SERVICE_PASSWORD: &str = "service-account-secret";
/// A user of the directory: her sign-in name (the `mail` attribute), entry and password.
pub const GRACE: &str = "grace@contoso.example";
/// Grace's entry.
pub const GRACE_DN: &str = "uid=grace,ou=people,dc=contoso,dc=example";
/// Grace's password at the start.
pub const GRACE_PASSWORD: &str = "Directory password of Grace 1";
/// The directory's own minimum length of a password (longer than the server's 12).
pub const DIRECTORY_MIN_LENGTH: usize = 24;

/// A running slapd.
pub struct Slapd {
    /// `ldap://127.0.0.1:<port>`.
    pub url: String,
    /// `ldaps://127.0.0.1:<port>` when started with TLS.
    pub tls_url: Option<String>,
    /// The certificate authority (PEM) of its TLS certificate, when started with TLS.
    pub ca_file: Option<PathBuf>,
    config: PathBuf,
    listen: String,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl Slapd {
    /// Starts a directory with Grace, the service account and the password policy.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// The same, also answering `ldaps://` and StartTLS with a certificate for 127.0.0.1
    /// signed by a certificate authority of its own.
    pub fn start_with_tls() -> Self {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Self {
        assert!(
            Path::new(SLAPD).exists(),
            "{SLAPD} is missing: `cargo xtask test` installs Debian's slapd package"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("db");
        std::fs::create_dir(&database).expect("db dir");
        let ca_file = tls.then(|| make_certificates(dir.path()));
        let config = dir.path().join("slapd.conf");
        std::fs::write(&config, slapd_conf(dir.path(), tls)).expect("slapd.conf");
        let seed = dir.path().join("seed.ldif");
        std::fs::write(&seed, seed_ldif()).expect("seed");
        let loaded = Command::new(SLAPADD)
            .arg("-f")
            .arg(&config)
            .arg("-l")
            .arg(&seed)
            .output()
            .expect("slapadd");
        assert!(
            loaded.status.success(),
            "slapadd: {}",
            String::from_utf8_lossy(&loaded.stderr)
        );
        let port = free_port();
        let url = format!("ldap://127.0.0.1:{port}");
        let (tls_url, listen) = if tls {
            let tls_port = free_port();
            let tls_url = format!("ldaps://127.0.0.1:{tls_port}");
            (Some(tls_url.clone()), format!("{url}/ {tls_url}/"))
        } else {
            (None, format!("{url}/"))
        };
        let mut slapd = Self {
            url,
            tls_url,
            ca_file,
            config,
            listen,
            child: None,
            _dir: dir,
        };
        slapd.run();
        slapd
    }

    /// Starts the process on the same ports and database and waits until it answers.
    pub fn run(&mut self) {
        assert!(self.child.is_none(), "already running");
        // `-d none` keeps it in the foreground (so it dies with us) without debug output.
        let child = Command::new(SLAPD)
            .arg("-f")
            .arg(&self.config)
            .arg("-h")
            .arg(&self.listen)
            .args(["-d", "none"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("slapd");
        self.child = Some(child);
        let address = self.url.trim_start_matches("ldap://").to_owned();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if std::net::TcpStream::connect(&address).is_ok() {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().ok().flatten())
            {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.take().and_then(|child| child.stderr) {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                }
                panic!("slapd exited ({status}): {stderr}");
            }
            assert!(Instant::now() < deadline, "slapd did not listen in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process (as a directory that goes down would); the data stays.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port()
}

/// Binds as `dn` with `password` against the directory at `url`: whether it accepted it.
pub async fn binds(url: &str, dn: &str, password: &str) -> bool {
    let (connection, mut ldap) = ldap3::LdapConnAsync::new(url).await.expect("connect");
    ldap3::drive!(connection);
    let result = ldap.simple_bind(dn, password).await.expect("bind");
    let _ = ldap.unbind().await;
    match result.rc {
        0 => true,
        49 => false,
        rc => panic!("bind answered {rc}: {}", result.text),
    }
}

fn slapd_conf(dir: &Path, tls: bool) -> String {
    let dir = dir.display();
    let tls = if tls {
        format!(
            "TLSCACertificateFile {dir}/ca.pem\nTLSCertificateFile {dir}/server.pem\n\
             TLSCertificateKeyFile {dir}/server.key\n"
        )
    } else {
        String::new()
    };
    format!(
        "include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb.la
moduleload ppolicy.la
pidfile {dir}/slapd.pid
{tls}
database mdb
maxsize 16777216
suffix \"{SUFFIX}\"
rootdn \"cn=admin,{SUFFIX}\"
directory {dir}/db
overlay ppolicy
ppolicy_default \"cn=default,ou=policies,{SUFFIX}\"
ppolicy_hash_cleartext
access to attrs=userPassword
  by dn.exact=\"{SERVICE_DN}\" write
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact=\"{SERVICE_DN}\" read
  by self read
  by * none
"
    )
}

/// The seed: Grace (a `mail` she signs in with), Linus who has no `mail`, the service
/// account and the password policy.
fn seed_ldif() -> String {
    format!(
        "dn: dc=contoso,dc=example
objectClass: dcObject
objectClass: organization
o: Contoso
dc: contoso

dn: ou=people,dc=contoso,dc=example
objectClass: organizationalUnit
ou: people

dn: ou=services,dc=contoso,dc=example
objectClass: organizationalUnit
ou: services

dn: ou=policies,dc=contoso,dc=example
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,dc=contoso,dc=example
objectClass: organizationalRole
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdMinLength: {DIRECTORY_MIN_LENGTH}
pwdCheckQuality: 2

dn: cn=security-info,ou=services,dc=contoso,dc=example
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: security-info
userPassword: service-account-secret

dn: uid=grace,ou=people,dc=contoso,dc=example
objectClass: inetOrgPerson
uid: grace
cn: Grace Hopper
sn: Hopper
displayName: Grace Hopper
mail: grace@contoso.example
userPassword: Directory password of Grace 1

dn: uid=linus,ou=people,dc=contoso,dc=example
objectClass: inetOrgPerson
uid: linus
cn: Linus
sn: Linus
userPassword: Directory password of Linus 1
"
    )
}

/// A certificate authority and a server certificate for 127.0.0.1 it signed, made with the
/// `openssl` command; the CA's PEM file.
fn make_certificates(dir: &Path) -> PathBuf {
    let run = |args: &[&str]| {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Test directory CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    dir.join("ca.pem")
}
