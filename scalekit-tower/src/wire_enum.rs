//! String enums of Scalekit's REST answers, read leniently.
//!
//! Scalekit adds providers and statuses over time, and protobuf's JSON
//! mapping may write an enum as its name (`"OKTA"`) or its number (`1`).
//! [`wire_enum!`] declares an enum whose known values are variants and whose
//! unknown ones are kept in `Other(String)`: a new value is data, never a
//! parse error. `null` and the proto's `*_UNSPECIFIED` (number 0) are for the
//! field to treat as absent (`Option`, `#[serde(default)]`).

/// Declares `pub enum $name { $variant, ..., Other(String) }` with
/// `as_str`, `Display`, `From<&str>`, `Serialize` (the name) and a lenient
/// `Deserialize` (a name, or a proto enum number).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($wire:literal, $number:literal), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, as Scalekit sent it.
            Other(String),
        }

        impl $name {
            /// The value as Scalekit writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(value) => value,
                }
            }

            fn from_number(number: i64) -> Self {
                match number {
                    $( $number => Self::$variant, )+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #[derive(serde::Deserialize)]
                #[serde(untagged)]
                enum Wire {
                    Name(String),
                    Number(i64),
                }
                Ok(match Wire::deserialize(deserializer)? {
                    Wire::Name(name) => Self::from(name.as_str()),
                    Wire::Number(number) => Self::from_number(number),
                })
            }
        }
    };
}

pub(crate) use wire_enum;

/// Reads an optional enum field: absent, `null`, `""`, a proto
/// `*_UNSPECIFIED` name or the number 0 all mean "not said".
pub(crate) fn unspecified_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + std::fmt::Display,
{
    use serde::Deserialize;
    let value = Option::<T>::deserialize(deserializer)?;
    Ok(value.filter(|v| {
        let text = v.to_string();
        !(text.is_empty() || text == "0" || text.ends_with("_UNSPECIFIED"))
    }))
}
