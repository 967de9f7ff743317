//! The rows of an accounts file (`accounts import`), read and checked: CSV with a header
//! (`userPrincipalName,displayName,language,password`) or JSON lines with the same fields.
//! Every row that cannot be imported is kept with its line number and the reason, so one
//! run reports them all; the file as a whole is refused only when its header is unusable.

use std::collections::HashMap;

use security_info_api::{EmailAddress, email::EmailError};
use serde::Deserialize;

use crate::{domain::language, secret::Secret};

/// Longest display name (as the identity provider's names are cut).
pub const MAX_DISPLAY_NAME: usize = 200;
/// Shortest password an operator may set.
pub const MIN_PASSWORD: usize = 8;
/// Longest password (argon2 takes any length; this is a typo guard).
pub const MAX_PASSWORD: usize = 256;

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header line (RFC 4180 quoting).
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// An account as a row asks for it.
#[derive(Debug)]
pub struct Row {
    /// Line the row starts on (1 is a CSV file's header).
    pub line: u64,
    /// The sign-in address, in canonical form (domain mapped, all lower case).
    pub user_principal_name: String,
    /// The display name, trimmed.
    pub display_name: String,
    /// `en` or `nl`; `None` keeps an existing account's (new ones get `en`).
    pub language: Option<String>,
    /// The password, when the row has one.
    pub password: Option<Secret<String>>,
}

/// A row that cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Line the row starts on.
    pub line: u64,
    /// Why, for the operator.
    pub reason: String,
}

/// The rows of a file: the good ones, and the refused ones with their reasons.
#[derive(Debug, Default)]
pub struct Rows {
    /// Rows to import, in file order.
    pub good: Vec<Row>,
    /// Rows refused, in file order.
    pub refused: Vec<Refusal>,
}

/// The fields of a row before they are checked.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Fields {
    user_principal_name: Option<String>,
    display_name: Option<String>,
    language: Option<String>,
    password: Option<String>,
}

/// The columns of a CSV file, by their header names.
const COLUMNS: [&str; 4] = ["userPrincipalName", "displayName", "language", "password"];

/// Reads `bytes` as `format`. `Err` (with the reason) when the file as a whole is unusable.
pub fn read(bytes: &[u8], format: Format) -> Result<Rows, String> {
    // Spreadsheets save UTF-8 with a byte order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rows = match format {
        Format::Csv => read_csv(bytes)?,
        Format::Jsonl => read_jsonl(bytes),
    };
    refuse_repeats(&mut rows);
    Ok(rows)
}

/// The same address on two rows: the later ones are refused.
fn refuse_repeats(rows: &mut Rows) {
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut good = Vec::with_capacity(rows.good.len());
    for row in rows.good.drain(..) {
        match first_line.get(&row.user_principal_name) {
            Some(line) => rows.refused.push(Refusal {
                line: row.line,
                reason: format!("the address is already on line {line}"),
            }),
            None => {
                first_line.insert(row.user_principal_name.clone(), row.line);
                good.push(row);
            }
        }
    }
    rows.good = good;
    rows.refused.sort_by_key(|refusal| refusal.line);
}

fn read_csv(bytes: &[u8]) -> Result<Rows, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut rows = Rows::default();
    let mut columns: Option<Vec<usize>> = None;
    // Line numbers are counted here from byte offsets: csv's own stop short of a CRLF's LF.
    let mut lines = LineCounter::default();
    loop {
        let start = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                // csv reports only I/O and UTF-8 trouble here (its quoting is lenient).
                let line = lines.line_at(bytes, start);
                if columns.is_none() {
                    return Err(format!("line {line}: {error}"));
                }
                rows.refused.push(Refusal {
                    line,
                    reason: format!("bad CSV: {error}"),
                });
                continue;
            }
        }
        let from = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(start);
        let to = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        let raw = bytes.get(from..to.min(bytes.len())).unwrap_or_default();
        // The record starts after the line ends csv has not consumed yet.
        let skipped = raw
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let raw = &raw[skipped..];
        let line = lines.line_at(bytes, from + skipped);
        let quoting = check_quoting(raw);
        let Some(columns) = &columns else {
            if let Err(reason) = quoting {
                return Err(format!(
                    "line {line}: bad CSV quoting in the header: {reason}"
                ));
            }
            let found = header_columns(&record).map_err(|e| format!("line {line}: {e}"))?;
            columns = Some(found);
            continue;
        };
        if let Err(reason) = quoting {
            rows.refused.push(Refusal {
                line,
                reason: format!("bad CSV quoting: {reason}"),
            });
            continue;
        }
        if record.len() != columns.len() {
            rows.refused.push(Refusal {
                line,
                reason: format!(
                    "{} fields where the header has {}",
                    record.len(),
                    columns.len()
                ),
            });
            continue;
        }
        let mut fields = Fields::default();
        let mut utf8 = true;
        for (value, column) in record.iter().zip(columns) {
            let Ok(value) = std::str::from_utf8(value) else {
                utf8 = false;
                break;
            };
            let value = Some(value.to_owned());
            match column {
                0 => fields.user_principal_name = value,
                1 => fields.display_name = value,
                2 => fields.language = value,
                _ => fields.password = value,
            }
        }
        if !utf8 {
            rows.refused.push(Refusal {
                line,
                reason: "the row is not UTF-8 text".to_owned(),
            });
            continue;
        }
        push_checked(&mut rows, line, fields);
    }
    if columns.is_none() {
        return Err("the file is empty: the first line must be the header \
                    userPrincipalName,displayName,language,password"
            .to_owned());
    }
    Ok(rows)
}

/// Line numbers of byte offsets, counted once through the file.
#[derive(Debug)]
struct LineCounter {
    /// Bytes counted so far.
    counted: usize,
    /// The line of byte `counted`.
    line: u64,
}

impl Default for LineCounter {
    fn default() -> Self {
        Self {
            counted: 0,
            line: 1,
        }
    }
}

impl LineCounter {
    /// The line of byte `offset` (offsets never go back).
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> u64 {
        let offset = offset.min(bytes.len());
        if offset > self.counted {
            let ends = bytes[self.counted..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line += ends as u64;
            self.counted = offset;
        }
        self.line
    }
}

/// Which of [`COLUMNS`] each header field is; the first two are required.
fn header_columns(record: &csv::ByteRecord) -> Result<Vec<usize>, String> {
    let mut columns = Vec::with_capacity(record.len());
    for field in record {
        let name = String::from_utf8_lossy(field);
        let name = name.trim();
        let index = COLUMNS
            .iter()
            .position(|column| column.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!(
                    "unknown column `{name}` in the header (the columns are {})",
                    COLUMNS.join(", ")
                )
            })?;
        if columns.contains(&index) {
            return Err(format!("the column `{name}` is in the header twice"));
        }
        columns.push(index);
    }
    for required in &COLUMNS[..2] {
        if !columns.iter().any(|&index| COLUMNS[index] == *required) {
            return Err(format!("the header has no `{required}` column"));
        }
    }
    Ok(columns)
}

/// Checks one record's text (its line end included) against RFC 4180's quoting: a field
/// with a quote must be quoted as a whole, quotes inside doubled. The csv crate reads such
/// text anyway (`a"b` as `a"b`, `"a"b` as `ab`), guessing what a broken export meant; an
/// import must not guess names and addresses.
fn check_quoting(raw: &[u8]) -> Result<(), &'static str> {
    let end = raw
        .iter()
        .rposition(|b| !matches!(b, b'\r' | b'\n'))
        .map_or(0, |last| last + 1);
    let mut rest = &raw[..end];
    loop {
        if let Some(quoted) = rest.strip_prefix(b"\"") {
            let mut at = 0;
            loop {
                match quoted[at..].iter().position(|&b| b == b'"') {
                    None => return Err("a quoted field is not closed"),
                    Some(offset) => {
                        at += offset + 1;
                        if quoted.get(at) == Some(&b'"') {
                            at += 1;
                            continue;
                        }
                        break;
                    }
                }
            }
            match quoted.get(at) {
                None => return Ok(()),
                Some(b',') => rest = &quoted[at + 1..],
                Some(_) => return Err("text after a quoted field's closing quote"),
            }
        } else {
            let end = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
            if rest[..end].contains(&b'"') {
                return Err("a quote inside a field that does not start with one");
            }
            if end == rest.len() {
                return Ok(());
            }
            rest = &rest[end + 1..];
        }
    }
}

fn read_jsonl(bytes: &[u8]) -> Rows {
    let mut rows = Rows::default();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_number = index as u64 + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Fields>(line) {
            Ok(fields) => push_checked(&mut rows, line_number, fields),
            Err(error) => rows.refused.push(Refusal {
                line: line_number,
                reason: format!(
                    "not a JSON object of userPrincipalName, displayName, language, password: {error}"
                ),
            }),
        }
    }
    rows
}

/// Checks a row's fields; it goes to the good rows or the refused ones.
fn push_checked(rows: &mut Rows, line: u64, fields: Fields) {
    match check(fields) {
        Ok(mut row) => {
            row.line = line;
            rows.good.push(row);
        }
        Err(reason) => rows.refused.push(Refusal { line, reason }),
    }
}

/// The checks of every account an operator adds, one row or many.
pub fn check_account(
    user_principal_name: &str,
    display_name: &str,
    language: Option<&str>,
) -> Result<(String, String, Option<String>), String> {
    let address = EmailAddress::parse(user_principal_name).map_err(|error| match error {
        EmailError::Empty => "missing address (userPrincipalName)".to_owned(),
        EmailError::TooLong => format!(
            "too long: the address has more than {} characters",
            security_info_api::email::MAX_EMAIL_LENGTH
        ),
        EmailError::Syntax => format!("bad address `{}`: {error}", user_principal_name.trim()),
    })?;
    let display_name = display_name.trim();
    if display_name.is_empty() {
        return Err("missing display name".to_owned());
    }
    if display_name.chars().count() > MAX_DISPLAY_NAME {
        return Err(format!(
            "too long: the display name has more than {MAX_DISPLAY_NAME} characters"
        ));
    }
    if display_name.chars().any(char::is_control) {
        return Err("bad display name: it has control characters".to_owned());
    }
    let language = match language.map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(given) => Some(
            language::SUPPORTED
                .iter()
                .find(|supported| supported.eq_ignore_ascii_case(given))
                .map(|supported| (*supported).to_owned())
                .ok_or_else(|| format!("unknown language `{given}` (en or nl)"))?,
        ),
    };
    Ok((
        address.as_str().to_lowercase(),
        display_name.to_owned(),
        language,
    ))
}

/// The checks of a password an operator sets.
pub fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length > MAX_PASSWORD {
        return Err(format!(
            "too long: the password has more than {MAX_PASSWORD} characters"
        ));
    }
    if length < MIN_PASSWORD {
        return Err(format!(
            "the password is too short: at least {MIN_PASSWORD} characters"
        ));
    }
    Ok(())
}

fn check(fields: Fields) -> Result<Row, String> {
    let (user_principal_name, display_name, language) = check_account(
        fields.user_principal_name.as_deref().unwrap_or_default(),
        fields.display_name.as_deref().unwrap_or_default(),
        fields.language.as_deref(),
    )?;
    let password = fields.password.filter(|p| !p.is_empty());
    if let Some(password) = &password {
        check_password(password)?;
    }
    Ok(Row {
        line: 0,
        user_principal_name,
        display_name,
        language,
        password: password.map(Secret::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(rows: &Rows) -> Vec<(u64, &str)> {
        rows.refused
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect()
    }

    #[test]
    fn a_csv_file_gives_its_good_rows_and_each_bad_one_by_line() {
        let file = "\u{feff}userPrincipalName,displayName,language,password\r\n\
            Alain@Contoso.example,Alain Dupont,nl,\r\n\
            megan@contoso.example,\"Bowen, Megan\",,Sup3r-secret\r\n\
            not-an-address,Nobody,en,\r\n\
            \r\n\
            lee@contoso.example,,en,\r\n\
            lee2@contoso.example,Lee,fr,\r\n\
            \"lee3@contoso.example\"x,Lee,en,\r\n\
            lee4@contoso.example,Le\"e,en,\r\n\
            lee5@contoso.example,Lee,en,short\r\n\
            lee6@contoso.example,Lee\r\n\
            alain@contoso.example,Alain again,en,\r\n";
        let rows = read(file.as_bytes(), Format::Csv).expect("a usable file");
        let good: Vec<_> = rows
            .good
            .iter()
            .map(|r| {
                (
                    r.line,
                    r.user_principal_name.as_str(),
                    r.display_name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            good,
            [
                (2, "alain@contoso.example", "Alain Dupont"),
                (3, "megan@contoso.example", "Bowen, Megan"),
            ]
        );
        assert_eq!(rows.good[0].language.as_deref(), Some("nl"));
        assert!(rows.good[0].password.is_none());
        assert_eq!(rows.good[1].language, None);
        assert_eq!(
            rows.good[1].password.as_ref().map(|p| p.expose().as_str()),
            Some("Sup3r-secret")
        );
        let refused = reasons(&rows);
        let lines: Vec<u64> = refused.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [4, 6, 7, 8, 9, 10, 11, 12], "{refused:#?}");
        assert!(refused[0].1.starts_with("bad address `not-an-address`"));
        assert_eq!(refused[1].1, "missing display name");
        assert_eq!(refused[2].1, "unknown language `fr` (en or nl)");
        assert!(
            refused[3].1.starts_with("bad CSV quoting"),
            "{}",
            refused[3].1
        );
        assert!(
            refused[4].1.starts_with("bad CSV quoting"),
            "{}",
            refused[4].1
        );
        assert!(refused[5].1.contains("too short"));
        assert_eq!(refused[6].1, "2 fields where the header has 4");
        assert_eq!(refused[7].1, "the address is already on line 2");
    }

    #[test]
    fn quoted_fields_may_hold_commas_quotes_and_line_ends() {
        let file = "displayName,userPrincipalName\n\
            \"Dupont, \"\"Alain\"\"\",alain@contoso.example\n\
            \"Two\nlines\",megan@contoso.example\n\
            Lee,lee@contoso.example";
        let rows = read(file.as_bytes(), Format::Csv).expect("usable");
        assert_eq!(rows.good.len(), 2, "{:?}", rows.refused);
        assert_eq!(rows.good[0].display_name, "Dupont, \"Alain\"");
        // A name with a line end has a control character.
        assert_eq!(
            reasons(&rows),
            [(3, "bad display name: it has control characters")]
        );
        assert_eq!(rows.good[1].line, 5, "lines count the quoted line end");
    }

    #[test]
    fn an_unclosed_quote_is_reported_where_its_row_starts() {
        let file =
            "userPrincipalName,displayName\na@contoso.example,\"Alain\nb@contoso.example,B\n";
        let rows = read(file.as_bytes(), Format::Csv).expect("usable");
        assert!(rows.good.is_empty());
        assert_eq!(
            reasons(&rows),
            [(2, "bad CSV quoting: a quoted field is not closed")]
        );
    }

    #[test]
    fn a_file_without_a_usable_header_is_refused_whole() {
        for (file, expected) in [
            ("", "the file is empty"),
            ("userPrincipalName,name\n", "unknown column `name`"),
            ("userPrincipalName,language\n", "no `displayName` column"),
            (
                "displayName,displayName,userPrincipalName\n",
                "`displayName` is in the header twice",
            ),
        ] {
            let error = read(file.as_bytes(), Format::Csv).expect_err(file);
            assert!(error.contains(expected), "{file:?}: {error}");
        }
    }

    #[test]
    fn long_fields_are_refused_as_too_long() {
        let name = "n".repeat(MAX_DISPLAY_NAME + 1);
        let address = format!("{}@contoso.example", "a".repeat(250));
        let password = "p".repeat(MAX_PASSWORD + 1);
        let file = format!(
            "userPrincipalName,displayName,password\n\
             a@contoso.example,{name},\n{address},A,\nb@contoso.example,B,{password}\n"
        );
        let rows = read(file.as_bytes(), Format::Csv).expect("usable");
        let refused = reasons(&rows);
        assert_eq!(refused.len(), 3);
        assert!(
            refused
                .iter()
                .all(|(_, reason)| reason.starts_with("too long"))
        );
    }

    #[test]
    fn json_lines_are_read_by_line_with_the_same_checks() {
        let file = br#"{"userPrincipalName": "alain@contoso.example", "displayName": "Alain", "language": "NL"}

{"userPrincipalName": "megan@contoso.example", "displayName": "Megan", "password": "Sup3r-secret"}
{"userPrincipalName": "x@contoso.example", "displayName": "X", "role": "admin"}
not json
{"userPrincipalName": "y@contoso.example", "language": "en"}
"#;
        let rows = read(file, Format::Jsonl).expect("usable");
        assert_eq!(rows.good.len(), 2);
        assert_eq!(rows.good[0].language.as_deref(), Some("nl"));
        assert_eq!(rows.good[1].line, 3);
        let refused = reasons(&rows);
        assert_eq!(
            refused.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            [4, 5, 6]
        );
        assert!(refused[0].1.contains("unknown field `role`"));
        assert!(refused[1].1.starts_with("not a JSON object"));
        assert_eq!(refused[2].1, "missing display name");
    }
}
