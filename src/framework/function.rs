//! Provider-defined functions (`provider::nova::NAME(...)`): pure
//! computations Terraform calls with known arguments. A function declares
//! typed parameters and a return type; arguments arrive encoded and are
//! decoded here against the parameter types, so a function body sees
//! [`Value`]s only.
//!
//! The protocol's rules, as this module enforces them: no parameter allows
//! unknown values, so Terraform never sends one (it skips the call and
//! takes the result as unknown); a null argument is sent only to a
//! parameter that allows null (Terraform refuses it before the call
//! otherwise). Both are still checked, and refused with an error naming the
//! argument, should another client send them.

use super::runtime::Dynamic;
use super::value::{Type, Value};

/// One parameter of a function.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub ty: Type,
    /// Whether `null` may be passed (else Terraform refuses it before the call).
    pub allow_null: bool,
    pub description: String,
}

impl Parameter {
    pub fn string(name: &str) -> Parameter {
        Parameter {
            name: name.to_string(),
            ty: Type::String,
            allow_null: false,
            description: String::new(),
        }
    }
    pub fn allow_null(mut self) -> Parameter {
        self.allow_null = true;
        self
    }
    pub fn description(mut self, d: &str) -> Parameter {
        self.description = d.to_string();
        self
    }
}

/// What Terraform is told about a function.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDefinition {
    /// The name after `provider::nova::`.
    pub name: &'static str,
    /// One line.
    pub summary: String,
    /// Markdown.
    pub description: String,
    pub parameters: Vec<Parameter>,
    pub returns: Type,
}

/// A function's failure: its text, and the argument (0-based) it is about
/// when it is about one (Terraform then names that parameter).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{text}")]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<usize>,
}

impl FunctionError {
    /// An error about argument `index` (0-based).
    pub fn argument(index: usize, text: impl Into<String>) -> FunctionError {
        FunctionError {
            text: text.into(),
            argument: Some(index),
        }
    }
    /// An error about the call as a whole.
    pub fn general(text: impl Into<String>) -> FunctionError {
        FunctionError {
            text: text.into(),
            argument: None,
        }
    }
}

pub trait Function: Send + Sync {
    fn definition(&self) -> FunctionDefinition;
    /// The result for these arguments, one per parameter, each of its
    /// parameter's type, wholly known, and null only where the parameter
    /// allows it.
    fn call(&self, args: &[Value]) -> Result<Value, FunctionError>;
}

/// Decodes the arguments against `def`'s parameters, checks them against
/// the protocol's rules, calls `f` and encodes its result.
pub fn call_encoded(
    f: &dyn Function,
    def: &FunctionDefinition,
    args: &[Dynamic],
) -> Result<Dynamic, FunctionError> {
    if args.len() != def.parameters.len() {
        return Err(FunctionError::general(format!(
            "{} takes {} argument(s), {} were given.",
            def.name,
            def.parameters.len(),
            args.len()
        )));
    }
    let mut values = Vec::with_capacity(args.len());
    for (i, (arg, p)) in args.iter().zip(&def.parameters).enumerate() {
        let v = arg.decode(&p.ty).map_err(|e| {
            FunctionError::argument(i, format!("the value could not be decoded: {e}."))
        })?;
        if !v.is_wholly_known() {
            return Err(FunctionError::argument(
                i,
                "the value is unknown; this function is called with known values only.",
            ));
        }
        if v.is_null() && !p.allow_null {
            return Err(FunctionError::argument(i, "the value must not be null."));
        }
        values.push(v);
    }
    let result = f.call(&values)?;
    Ok(Dynamic::encode(&result, &def.returns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::codec;

    /// Upper-cases its argument; null in, null out.
    struct Upper;
    impl Function for Upper {
        fn definition(&self) -> FunctionDefinition {
            FunctionDefinition {
                name: "upper",
                summary: "Upper case".into(),
                description: String::new(),
                parameters: vec![
                    Parameter::string("text").allow_null(),
                    Parameter::string("suffix"),
                ],
                returns: Type::String,
            }
        }
        fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
            let suffix = args[1].as_str().unwrap_or_default();
            match args[0].as_str() {
                None => Ok(Value::Null),
                Some("") => Err(FunctionError::argument(0, "empty")),
                Some(s) => Ok(Value::string(format!("{}{suffix}", s.to_uppercase()))),
            }
        }
    }

    fn s(v: &str) -> Dynamic {
        Dynamic::encode(&Value::string(v), &Type::String)
    }
    /// How Terraform sends null: msgpack nil.
    fn null() -> Dynamic {
        Dynamic::msgpack(vec![0xc0])
    }
    /// How an unknown value is encoded (msgpack extension 0).
    fn unknown() -> Dynamic {
        Dynamic::encode(&Value::Unknown, &Type::String)
    }
    fn json(v: &str) -> Dynamic {
        Dynamic {
            msgpack: vec![],
            json: v.as_bytes().to_vec(),
        }
    }

    #[test]
    fn arguments_are_checked_by_the_protocols_rules() {
        let ok = |v: &str| Ok(Value::string(v));
        let cases: Vec<(&str, Vec<Dynamic>, Result<Value, FunctionError>)> =
            vec![
            ("known", vec![s("ab"), s("!")], ok("AB!")),
            ("json encoded", vec![json("\"ab\""), json("\"?\"")], ok("AB?")),
            ("null where allowed", vec![null(), s("!")], Ok(Value::Null)),
            (
                "null where not allowed",
                vec![s("ab"), null()],
                Err(FunctionError::argument(1, "the value must not be null.")),
            ),
            (
                "unknown",
                vec![unknown(), s("!")],
                Err(FunctionError::argument(
                    0,
                    "the value is unknown; this function is called with known values only.",
                )),
            ),
            (
                "wrong type",
                vec![s("ab"), Dynamic::encode(&Value::Bool(true), &Type::Bool)],
                Err(FunctionError::argument(
                    1,
                    "the value could not be decoded: at (root): expected \"string\", found bool.",
                )),
            ),
            (
                "too few",
                vec![s("ab")],
                Err(FunctionError::general("upper takes 2 argument(s), 1 were given.")),
            ),
            (
                "the function's own error",
                vec![s(""), s("!")],
                Err(FunctionError::argument(0, "empty")),
            ),
        ];
        let def = Upper.definition();
        for (name, args, want) in cases {
            let got = call_encoded(&Upper, &def, &args)
                .map(|d| codec::decode_msgpack(&d.msgpack, &Type::String).unwrap());
            assert_eq!(got, want, "{name}");
        }
    }
}
