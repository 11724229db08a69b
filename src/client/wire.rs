//! Lenient reading of compute API documents: vendors send integers and
//! booleans as strings, `swap: ""` for no swap, integer aggregate IDs,
//! `" MANUAL"` with a space. Requests are always written canonically.

use serde_json::Value as J;

/// An integer from a number, a numeric string, or `""` (taken as 0).
pub fn int(v: &J) -> Option<i64> {
    match v {
        J::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        J::String(s) if s.trim().is_empty() => Some(0),
        J::String(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| s.trim().parse::<f64>().ok().map(|f| f as i64)),
        _ => None,
    }
}

/// A float from a number or a numeric string.
pub fn float(v: &J) -> Option<f64> {
    match v {
        J::Number(n) => n.as_f64(),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean from a boolean or a "true"/"false"/"True"/"1" string.
pub fn boolean(v: &J) -> Option<bool> {
    match v {
        J::Bool(b) => Some(*b),
        J::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" | "" => Some(false),
            _ => None,
        },
        J::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// A string from a string or a number (integer IDs become strings);
/// surrounding whitespace removed; empty means absent.
pub fn string(v: &J) -> Option<String> {
    match v {
        J::String(s) if s.trim().is_empty() => None,
        J::String(s) => Some(s.trim().to_string()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A map of strings (values that are not strings are rendered as JSON).
pub fn string_map(v: &J) -> std::collections::BTreeMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| {
                    (
                        k.clone(),
                        string(x).unwrap_or_else(|| {
                            if x.is_string() {
                                String::new()
                            } else {
                                x.to_string()
                            }
                        }),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A list of strings.
pub fn strings(v: &J) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(string).collect())
        .unwrap_or_default()
}

/// Serde adapters with the same leniency, for the typed documents of
/// [`super::documents`]: `#[serde(default, deserialize_with = "de::string")]`.
pub mod de {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value as J;

    /// An optional string from a string, number or boolean ([`super::string`]).
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(super::string(&J::deserialize(d)?))
    }

    /// An optional integer from a number or numeric string ([`super::int`]).
    pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(super::int(&J::deserialize(d)?))
    }

    /// An optional float from a number or numeric string ([`super::float`]).
    pub fn float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(super::float(&J::deserialize(d)?))
    }

    /// An optional boolean from a boolean or a boolean string ([`super::boolean`]).
    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(super::boolean(&J::deserialize(d)?))
    }

    /// A list of strings; null is empty ([`super::strings`]).
    pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(super::strings(&J::deserialize(d)?))
    }

    /// A map of strings; null is empty ([`super::string_map`]).
    pub fn string_map<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<std::collections::BTreeMap<String, String>, D::Error> {
        Ok(super::string_map(&J::deserialize(d)?))
    }

    /// Any value that may be sent as null; null reads as its default (an
    /// empty list).
    pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
        d: D,
    ) -> Result<T, D::Error> {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
    }

    /// A field whose presence matters: `Some(string)` when present, with
    /// null (and `""`) read as `Some(None)`; a field left out stays `None`
    /// by `#[serde(default)]`.
    pub fn present_string<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Ok(Some(super::string(&J::deserialize(d)?)))
    }

    /// A map of strings whose presence matters: `Some(Some(map))` for an
    /// object, `Some(None)` for a present value that is not an object
    /// (null); a field left out stays `None` by `#[serde(default)]`.
    pub fn present_string_map<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<std::collections::BTreeMap<String, String>>>, D::Error> {
        let v = J::deserialize(d)?;
        Ok(Some(v.is_object().then(|| super::string_map(&v))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vendor_quirks() {
        assert_eq!(int(&json!("")), Some(0), "swap: \"\" means no swap");
        assert_eq!(int(&json!("40")), Some(40));
        assert_eq!(int(&json!(512)), Some(512));
        assert_eq!(int(&json!(null)), None);
        assert_eq!(boolean(&json!("False")), Some(false));
        assert_eq!(boolean(&json!("true")), Some(true));
        assert_eq!(string(&json!(1)), Some("1".into()), "integer aggregate IDs");
        assert_eq!(string(&json!(" MANUAL")), Some("MANUAL".into()));
        assert_eq!(
            string(&json!("")),
            None,
            "image: \"\" for volume-booted servers"
        );
        assert_eq!(float(&json!("1.0")), Some(1.0));
        assert_eq!(string_map(&json!({"a": "1", "b": 2, "c": null})).len(), 2);
    }
}
