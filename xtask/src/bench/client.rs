//! A small blocking client of the Security info API, for the load and cycle benchmarks.

use std::time::Duration;

use serde_json::{Value, json};
use ureq::Agent;

use crate::process::Result;

/// One signed-in user: the session cookie to send with every call.
#[derive(Debug, Clone)]
pub struct Session {
    /// `name=value` of the session cookie.
    pub cookie: String,
}

/// An HTTP client bound to one server.
#[derive(Clone)]
pub struct Client {
    agent: Agent,
    base: String,
}

impl Client {
    /// A client of the server at `base` (`http://127.0.0.1:PORT`); errors are returned, not raised.
    pub fn new(base: &str) -> Self {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self {
            agent,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The base address.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Whether `/healthz` answers.
    pub fn healthy(&self) -> bool {
        self.agent
            .get(format!("{}/healthz", self.base))
            .call()
            .is_ok_and(|r| r.status().is_success())
    }

    /// Signs in and returns the session.
    pub fn sign_in(&self, username: &str, password: &str) -> Result<Session> {
        let response = self
            .agent
            .post(format!("{}/api/v1/session", self.base))
            .send_json(json!({ "username": username, "password": password }))
            .map_err(|e| format!("sign-in failed: {e}"))?;
        if !response.status().is_success() {
            return Err(format!(
                "sign-in of {username} answered {}",
                response.status()
            ));
        }
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|value| value.contains("si_session="))
            .and_then(|value| value.split(';').next())
            .ok_or("sign-in set no session cookie")?;
        Ok(Session {
            cookie: cookie.to_owned(),
        })
    }

    /// Sends a request and returns status and JSON body (`Null` when empty).
    pub fn call(
        &self,
        session: &Session,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value)> {
        let url = format!("{}{path}", self.base);
        let outcome = match method {
            "GET" => self
                .agent
                .get(&url)
                .header("Cookie", &session.cookie)
                .call(),
            "DELETE" => self
                .agent
                .delete(&url)
                .header("Cookie", &session.cookie)
                .call(),
            _ => self
                .agent
                .post(&url)
                .header("Cookie", &session.cookie)
                .send_json(body.unwrap_or_else(|| json!({}))),
        };
        let mut response = outcome.map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| format!("{method} {path}: {e}"))?
        };
        Ok((status, value))
    }

    /// `GET /dev/mailbox`.
    pub fn mailbox(&self) -> Result<Value> {
        let mut response = self
            .agent
            .get(format!("{}/dev/mailbox", self.base))
            .call()
            .map_err(|e| format!("mailbox: {e}"))?;
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("mailbox: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("mailbox: {e}"))
    }
}

/// The code in a verification mail: the line that is nothing but 6 to 10 digits.
pub fn code_in_mail(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|line| (6..=10).contains(&line.len()) && line.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_the_line_of_digits() {
        let text = "Use this code:\n\n  482913  \n\nThe code is valid for 10 minutes, until 2026-11-24 10:10 UTC.";
        assert_eq!(code_in_mail(text).as_deref(), Some("482913"));
        assert_eq!(code_in_mail("no code here, 2026"), None);
    }
}
