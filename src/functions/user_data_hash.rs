//! `provider::nova::user_data_hash(user_data)`: what `nova_server`'s
//! `user_data_hash` holds for that `user_data`.

use crate::framework::{Function, FunctionDefinition, FunctionError, Parameter, Type, Value};
use crate::resources::server::model;

pub struct UserDataHash;

impl Function for UserDataHash {
    fn definition(&self) -> FunctionDefinition {
        FunctionDefinition {
            name: "user_data_hash",
            summary: "The value `nova_server` keeps in `user_data_hash` for this user data.".into(),
            description: "The SHA-256 (hex) of the user data as written, before the base64 encoding the provider applies to plain text: exactly what `nova_server`'s `user_data_hash` attribute holds when its `user_data` is this value. `null` gives `null`, as a server without `user_data` has a null `user_data_hash`.".into(),
            parameters: vec![Parameter::string("user_data")
                .allow_null()
                .description("User data as given to `nova_server`'s `user_data` (plain text, or base64 such as `base64gzip()` gives).")],
            returns: Type::String,
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        match &args[0] {
            Value::Null => Ok(Value::Null),
            Value::String(s) => Ok(Value::string(model::user_data_hash(s))),
            _ => Err(FunctionError::argument(0, "a string is expected.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::function::call_encoded;
    use crate::framework::runtime::Dynamic;

    /// Expected values: `sha256sum` of the text (`printf %s TEXT | sha256sum`).
    #[test]
    fn hashes_as_nova_server_does() {
        let cases: Vec<(&str, Dynamic, Result<Value, FunctionError>)> = vec![
            (
                "plain text",
                Dynamic::encode(&Value::string("#cloud-config\n"), &Type::String),
                Ok(Value::string(
                    "88c95955b024402aa9572b663f7eeb134f01343bb92af27b50e97e72b22c565f",
                )),
            ),
            (
                "empty",
                Dynamic::encode(&Value::string(""), &Type::String),
                Ok(Value::string(
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                )),
            ),
            (
                "null gives null",
                Dynamic::msgpack(vec![0xc0]),
                Ok(Value::Null),
            ),
            (
                "unknown is refused (Terraform does not send it)",
                Dynamic::encode(&Value::Unknown, &Type::String),
                Err(FunctionError::argument(
                    0,
                    "the value is unknown; this function is called with known values only.",
                )),
            ),
        ];
        let def = UserDataHash.definition();
        for (name, arg, want) in cases {
            let got =
                call_encoded(&UserDataHash, &def, &[arg]).map(|d| d.decode(&Type::String).unwrap());
            assert_eq!(got, want, "{name}");
        }
    }

    /// The same function as the server resource, not a copy of it.
    #[test]
    fn agrees_with_the_server_model() {
        for text in ["", "abcd", "#!/bin/sh\necho hi\n", "H4sIAAAAAAAA/w=="] {
            assert_eq!(
                UserDataHash.call(&[Value::string(text)]),
                Ok(Value::string(model::user_data_hash(text)))
            );
        }
    }
}
