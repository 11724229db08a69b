//! Attribute validators: each checks one known, non-null value and reports
//! an error that names the attribute path.

use super::diag::{AttrPath, Diagnostics};
use super::value::Value;

pub trait Validator: Send + Sync {
    /// What the validator requires, for documentation.
    fn description(&self) -> String;
    fn validate(&self, path: &AttrPath, value: &Value, diags: &mut Diagnostics);
}

fn invalid(diags: &mut Diagnostics, path: &AttrPath, detail: String) {
    diags.error_at(path.clone(), format!("Invalid value for {path}"), detail);
}

/// String length in characters, inclusive bounds.
pub struct StringLength(pub usize, pub usize);

impl Validator for StringLength {
    fn description(&self) -> String {
        format!("{} to {} characters", self.0, self.1)
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            let n = s.chars().count();
            if n < self.0 || n > self.1 {
                invalid(
                    diags,
                    path,
                    format!("{path} must be {}; it has {n}.", self.description()),
                );
            }
        }
    }
}

/// One of a fixed set of strings.
pub struct OneOf(pub &'static [&'static str]);

impl Validator for OneOf {
    fn description(&self) -> String {
        format!(
            "one of {}",
            self.0
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            if !self.0.contains(&s) {
                invalid(
                    diags,
                    path,
                    format!("{path} must be {}, not \"{s}\".", self.description()),
                );
            }
        }
    }
}

/// A whole number within inclusive bounds.
pub struct IntBetween(pub i64, pub i64);

impl Validator for IntBetween {
    fn description(&self) -> String {
        if self.1 == i64::MAX {
            format!("a whole number of at least {}", self.0)
        } else {
            format!("a whole number from {} to {}", self.0, self.1)
        }
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(n) = v.as_f64() {
            let ok = n.fract() == 0.0 && n >= self.0 as f64 && n <= self.1 as f64;
            if !ok {
                invalid(
                    diags,
                    path,
                    format!("{path} must be {}, not {n}.", self.description()),
                );
            }
        }
    }
}

/// A number within inclusive bounds (fractions allowed).
pub struct FloatBetween(pub f64, pub f64);

impl Validator for FloatBetween {
    fn description(&self) -> String {
        format!("a number from {} to {}", self.0, self.1)
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(n) = v.as_f64() {
            if n < self.0 || n > self.1 {
                invalid(
                    diags,
                    path,
                    format!("{path} must be {}, not {n}.", self.description()),
                );
            }
        }
    }
}

/// A UUID in its canonical 8-4-4-4-12 hexadecimal form (dashes optional).
pub struct Uuid;

pub fn is_uuid(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    hex.len() == 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && (s.len() == 32
            || (s.len() == 36 && [8, 13, 18, 23].iter().all(|&i| s.as_bytes()[i] == b'-')))
}

impl Validator for Uuid {
    fn description(&self) -> String {
        "a UUID".into()
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            if !is_uuid(s) {
                invalid(diags, path, format!("{path} must be a UUID, not \"{s}\"."));
            }
        }
    }
}

/// An IP address as Nova's JSON schema checks it (`format: ipv4`/`ipv6`,
/// or either): the empty string is not one, so `""` is refused here rather
/// than by the cloud's 400 at apply.
pub enum IpAddress {
    V4,
    V6,
    Any,
}

impl Validator for IpAddress {
    fn description(&self) -> String {
        match self {
            IpAddress::V4 => "an IPv4 address".into(),
            IpAddress::V6 => "an IPv6 address".into(),
            IpAddress::Any => "an IPv4 or IPv6 address".into(),
        }
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            let ok = matches!(
                (self, s.parse::<std::net::IpAddr>()),
                (IpAddress::V4, Ok(std::net::IpAddr::V4(_)))
                    | (IpAddress::V6, Ok(std::net::IpAddr::V6(_)))
                    | (IpAddress::Any, Ok(_))
            );
            if !ok {
                invalid(
                    diags,
                    path,
                    format!("{path} must be {}, not \"{s}\".", self.description()),
                );
            }
        }
    }
}

/// Map keys and values of at most N characters each (Nova's JSON schema
/// counts characters, not bytes), keys not empty.
pub struct MapEntryLength(pub usize);

impl Validator for MapEntryLength {
    fn description(&self) -> String {
        format!(
            "keys of 1 to {n} characters and values of at most {n} characters",
            n = self.0
        )
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(m) = v.as_map() {
            for (k, x) in m {
                let key_chars = k.chars().count();
                if key_chars == 0 || key_chars > self.0 {
                    invalid(
                        diags,
                        &path.then_key(k),
                        format!("{path} keys must be 1 to {} characters long.", self.0),
                    );
                }
                if let Some(s) = x.as_str() {
                    let chars = s.chars().count();
                    if chars > self.0 {
                        invalid(
                            diags,
                            &path.then_key(k),
                            format!(
                                "{path}[{k:?}] must be at most {} characters; it has {chars}.",
                                self.0
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// A list or set of at most N elements.
pub struct MaxItems(pub usize);

impl Validator for MaxItems {
    fn description(&self) -> String {
        format!("at most {} items", self.0)
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        let n = v.walk().len();
        if n > self.0 {
            invalid(
                diags,
                path,
                format!("{path} may hold at most {} items; it has {n}.", self.0),
            );
        }
    }
}

/// A Terraform-style duration: "30s", "10m", "1h30m".
pub struct Duration;

pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let mut total = 0f64;
    let mut num = String::new();
    let mut seen = false;
    let mut chars = s.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            0.001
        } else {
            match c {
                'h' => 3600.0,
                'm' => 60.0,
                's' => 1.0,
                _ => return None,
            }
        };
        let n: f64 = num.parse().ok()?;
        total += n * unit;
        num.clear();
        seen = true;
    }
    if !num.is_empty() || !seen || !total.is_finite() || total > MAX_DURATION_SECS {
        return None;
    }
    std::time::Duration::try_from_secs_f64(total).ok()
}

/// The longest duration accepted (ten years, in seconds): longer ones are
/// refused at plan time, so deadlines computed from them never overflow.
pub const MAX_DURATION_SECS: f64 = 10.0 * 365.0 * 86400.0;

impl Validator for Duration {
    fn description(&self) -> String {
        "a duration such as \"30s\", \"10m\" or \"1h30m\", of at most ten years".into()
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            if parse_duration(s).is_none() {
                invalid(
                    diags,
                    path,
                    format!("{path} must be {}, not \"{s}\".", self.description()),
                );
            }
        }
    }
}

/// A string matching a regular expression, explained in words.
pub struct Matches(pub regex::Regex, pub &'static str);

impl Validator for Matches {
    fn description(&self) -> String {
        self.1.to_string()
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            if !self.0.is_match(s) {
                invalid(
                    diags,
                    path,
                    format!("{path} must be {}, not \"{s}\".", self.1),
                );
            }
        }
    }
}

/// Whether Nova counts `c` as printable (its API validation's rule for
/// names and descriptions): no control, format, private-use, surrogate or
/// unassigned characters, and of the separators only spaces (no line or
/// paragraph separators).
pub fn nova_printable(c: char) -> bool {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    !matches!(
        get_general_category(c),
        G::Control
            | G::Format
            | G::PrivateUse
            | G::Surrogate
            | G::Unassigned
            | G::LineSeparator
            | G::ParagraphSeparator
    )
}

/// Text Nova takes as a description: printable characters only (see
/// [`nova_printable`]; tabs and line breaks are not).
pub struct Printable;

impl Validator for Printable {
    fn description(&self) -> String {
        "printable characters (no tabs, line breaks or other control characters)".into()
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !nova_printable(*c)) {
                invalid(
                    diags,
                    path,
                    format!(
                        "{path} must be printable text; character {} is {:?}.",
                        i + 1,
                        c
                    ),
                );
            }
        }
    }
}

/// A name as Nova takes it: printable characters (see [`nova_printable`])
/// without white space at either end.
pub struct NovaName;

impl Validator for NovaName {
    fn description(&self) -> String {
        "printable characters, without white space at either end".into()
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        let Some(s) = v.as_str() else { return };
        if s.trim() != s {
            invalid(
                diags,
                path,
                format!("{path} must not begin or end with white space: \"{s}\"."),
            );
        } else {
            Printable.validate(path, v, diags);
        }
    }
}

/// The keys of a map match a pattern (`.1` says which, for messages and
/// documentation).
pub struct MapKeysMatch(pub regex::Regex, pub &'static str);

impl Validator for MapKeysMatch {
    fn description(&self) -> String {
        format!("keys of {}", self.1)
    }
    fn validate(&self, path: &AttrPath, v: &Value, diags: &mut Diagnostics) {
        let Some(m) = v.as_map() else { return };
        for k in m.keys().filter(|k| !self.0.is_match(k)) {
            invalid(
                diags,
                &path.then_key(k),
                format!("{path} keys must be {}; {k:?} is not.", self.1),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nova_names_descriptions_and_metadata_keys() {
        let keys = MapKeysMatch(regex::Regex::new("^[a-zA-Z0-9-_:. ]{1,255}$").unwrap(), "k");
        let map = |k: &str| Value::from_string_map([(k, "v")]);
        let cases: Vec<(&dyn Validator, Value, bool)> = vec![
            (&NovaName, Value::string("web-1"), true),
            (&NovaName, Value::string("ünïcode name"), true),
            (&NovaName, Value::string(" padded "), false),
            (&NovaName, Value::string("tab\there"), false),
            (&NovaName, Value::Null, true),
            (&NovaName, Value::Unknown, true),
            (&Printable, Value::string("two words, ünïcode"), true),
            (&Printable, Value::string("line1\nline2"), false),
            (&Printable, Value::string("zero\u{200b}width"), false),
            (&Printable, Value::string("sep\u{2028}line"), false),
            (&Printable, Value::string(""), true),
            (&keys, map("role.tier:1 a"), true),
            (&keys, map("ünï"), false),
            (&keys, map("a/b"), false),
            (&keys, Value::Unknown, true),
            (&IpAddress::V4, Value::string("192.0.2.1"), true),
            (&IpAddress::V4, Value::string(""), false),
            (&IpAddress::V4, Value::string("fd00::1"), false),
            (&IpAddress::V4, Value::string("192.0.2.256"), false),
            (&IpAddress::V4, Value::Null, true),
            (&IpAddress::V4, Value::Unknown, true),
            (&IpAddress::V6, Value::string("fd00::1"), true),
            (&IpAddress::V6, Value::string(""), false),
            (&IpAddress::V6, Value::string("192.0.2.1"), false),
            (&IpAddress::V6, Value::Null, true),
            (&IpAddress::V6, Value::Unknown, true),
            (&IpAddress::Any, Value::string("192.0.2.1"), true),
            (&IpAddress::Any, Value::string("fd00::1"), true),
            (&IpAddress::Any, Value::string(""), false),
            (&IpAddress::Any, Value::string("host1"), false),
            (&IpAddress::Any, Value::Null, true),
            (&IpAddress::Any, Value::Unknown, true),
        ];
        for (i, (v, value, ok)) in cases.into_iter().enumerate() {
            assert_eq!(run(v, value.clone()).is_empty(), ok, "case {i}: {value:?}");
        }
    }

    fn run(v: &dyn Validator, value: Value) -> Vec<String> {
        let mut d = Diagnostics::default();
        v.validate(&AttrPath::attr("x"), &value, &mut d);
        d.0.iter()
            .map(|d| {
                format!(
                    "{}: {}",
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    d.detail
                )
            })
            .collect()
    }

    #[test]
    fn table() {
        let cases: Vec<(&dyn Validator, Value, bool)> = vec![
            (&StringLength(1, 3), Value::string(""), false),
            (&StringLength(1, 3), Value::string("abc"), true),
            (&StringLength(1, 3), Value::string("abcd"), false),
            (&StringLength(1, 3), Value::string("äöü"), true),
            (&OneOf(&["a", "b"]), Value::string("b"), true),
            (&OneOf(&["a", "b"]), Value::string("c"), false),
            (&IntBetween(0, 10), Value::Number(10.0), true),
            (&IntBetween(0, 10), Value::Number(-1.0), false),
            (&IntBetween(0, 10), Value::Number(1.5), false),
            (
                &Uuid,
                Value::string("155d900f-4e14-4e4c-a73d-069cbf4541e6"),
                true,
            ),
            (
                &Uuid,
                Value::string("155d900f4e144e4ca73d069cbf4541e6"),
                true,
            ),
            (&Uuid, Value::string("not-a-uuid"), false),
            (
                &MaxItems(1),
                Value::List(vec![Value::Null, Value::Null]),
                false,
            ),
            (&Duration, Value::string("1h30m"), true),
            (&Duration, Value::string("10"), false),
            (&Duration, Value::string("5 minutes"), false),
        ];
        for (i, (v, value, ok)) in cases.into_iter().enumerate() {
            let errs = run(v, value.clone());
            assert_eq!(errs.is_empty(), ok, "case {i}: {value:?} -> {errs:?}");
            if !ok {
                assert!(
                    errs[0].starts_with("x"),
                    "case {i} names the attribute: {errs:?}"
                );
            }
        }
    }

    #[test]
    fn map_entry_errors_name_the_key() {
        let v = Value::from_string_map([("k", "x".repeat(300))]);
        let errs = run(&MapEntryLength(255), v);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("x[\"k\"]"), "{errs:?}");
        // 150 two-byte characters are 300 bytes but 150 characters: accepted
        let wide = Value::from_string_map([("note", "é".repeat(150))]);
        assert!(run(&MapEntryLength(255), wide).is_empty());
        let too_wide = Value::from_string_map([("é".repeat(256), "v".to_string())]);
        assert_eq!(run(&MapEntryLength(255), too_wide).len(), 1);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(
            parse_duration("30m"),
            Some(std::time::Duration::from_secs(1800))
        );
        assert_eq!(
            parse_duration("1h30m"),
            Some(std::time::Duration::from_secs(5400))
        );
        assert_eq!(
            parse_duration("250ms"),
            Some(std::time::Duration::from_millis(250))
        );
        assert_eq!(parse_duration(""), None);
        // absurd or overflowing durations are refused, never a panic
        for bad in [
            "99999999999999999999h",
            "1e400s",
            "87600h1s",
            "9".repeat(400).as_str(),
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert!(parse_duration("87600h").is_some());
    }
}
