//! SCIM filters (RFC 7644 §3.4.2.2): attribute expressions with `eq`, `ne`,
//! `co`, `sw`, `ew`, `gt`, `ge`, `lt`, `le` and `pr`, joined by `and`/`or`,
//! negated with `not (...)`, grouped with parentheses, and value paths
//! (`emails[type eq "work"]`). Strings compare ignoring case except for
//! `id` and `externalId`.

use serde_json::Value;

use crate::scim::attribute::{AttributePath, values_at};

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    /// `attr op value`.
    Compare(AttributePath, Operator, Value),
    /// `attr pr`.
    Present(AttributePath),
    /// `attr[filter]`: some element of the multi-valued `attr` matches.
    ValuePath(AttributePath, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// Why a filter could not be parsed; the text says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError(pub(crate) String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped) => value.push(escaped),
                            None => return Err(FilterError("unterminated string".into())),
                        },
                        Some(other) => value.push(other),
                        None => return Err(FilterError("unterminated string".into())),
                    }
                }
                tokens.push(Token::Text(value));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "()[]\"".contains(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<String> {
        match self.tokens.get(self.at) {
            Some(Token::Word(word)) => Some(word.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn expect(&mut self, token: &Token, what: &str) -> Result<(), FilterError> {
        if self.next().as_ref() == Some(token) {
            Ok(())
        } else {
            Err(FilterError(format!("expected {what}")))
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.peek_word().as_deref() == Some("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.peek_word().as_deref() == Some("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.peek_word().as_deref() == Some("not") {
            self.at += 1;
            self.expect(&Token::Open, "( after not")?;
            let inner = self.or()?;
            self.expect(&Token::Close, ")")?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(&Token::Close, ")")?;
                Ok(inner)
            }
            Some(Token::Word(attribute)) => self.attribute_expression(&attribute),
            _ => Err(FilterError("expected an attribute name".into())),
        }
    }

    fn attribute_expression(&mut self, attribute: &str) -> Result<Filter, FilterError> {
        let path = AttributePath::parse(attribute)
            .ok_or_else(|| FilterError(format!("{attribute:?} is not an attribute path")))?;
        if self.tokens.get(self.at) == Some(&Token::OpenBracket) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(&Token::CloseBracket, "]")?;
            return Ok(Filter::ValuePath(path, Box::new(inner)));
        }
        let operator = self
            .peek_word()
            .ok_or_else(|| FilterError(format!("expected an operator after {attribute}")))?;
        self.at += 1;
        let operator = match operator.as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Operator::Eq,
            "ne" => Operator::Ne,
            "co" => Operator::Co,
            "sw" => Operator::Sw,
            "ew" => Operator::Ew,
            "gt" => Operator::Gt,
            "ge" => Operator::Ge,
            "lt" => Operator::Lt,
            "le" => Operator::Le,
            other => return Err(FilterError(format!("unknown operator {other:?}"))),
        };
        let value = match self.next() {
            Some(Token::Text(text)) => Value::String(text),
            Some(Token::Word(word)) => serde_json::from_str(&word)
                .map_err(|_| FilterError(format!("{word:?} is not a value (quote strings)")))?,
            _ => return Err(FilterError(format!("expected a value after {operator:?}"))),
        };
        Ok(Filter::Compare(path, operator, value))
    }
}

impl Filter {
    /// Parses a filter.
    pub(crate) fn parse(text: &str) -> Result<Self, FilterError> {
        let mut parser = Parser {
            tokens: tokenize(text)?,
            at: 0,
        };
        let filter = parser.or()?;
        if parser.at < parser.tokens.len() {
            return Err(FilterError("unexpected text after the filter".into()));
        }
        Ok(filter)
    }

    /// Whether `resource` matches.
    pub(crate) fn matches(&self, resource: &Value) -> bool {
        match self {
            Self::Compare(path, operator, expected) => values_at(resource, &path.keys)
                .into_iter()
                .any(|actual| compare(actual, *operator, expected, path.case_exact())),
            Self::Present(path) => values_at(resource, &path.keys).into_iter().any(|value| {
                !matches!(value, Value::Null) && value != &Value::String(String::new())
            }),
            Self::ValuePath(path, inner) => values_at(resource, &path.keys)
                .into_iter()
                .any(|element| inner.matches(element)),
            Self::And(a, b) => a.matches(resource) && b.matches(resource),
            Self::Or(a, b) => a.matches(resource) || b.matches(resource),
            Self::Not(inner) => !inner.matches(resource),
        }
    }
}

fn compare(actual: &Value, operator: Operator, expected: &Value, case_exact: bool) -> bool {
    match (actual, expected) {
        (Value::String(actual), Value::String(expected)) => {
            let (actual, expected) = if case_exact {
                (actual.clone(), expected.clone())
            } else {
                (actual.to_lowercase(), expected.to_lowercase())
            };
            match operator {
                Operator::Eq => actual == expected,
                Operator::Ne => actual != expected,
                Operator::Co => actual.contains(&expected),
                Operator::Sw => actual.starts_with(&expected),
                Operator::Ew => actual.ends_with(&expected),
                Operator::Gt => actual > expected,
                Operator::Ge => actual >= expected,
                Operator::Lt => actual < expected,
                Operator::Le => actual <= expected,
            }
        }
        (Value::Number(actual), Value::Number(expected)) => {
            let (Some(actual), Some(expected)) = (actual.as_f64(), expected.as_f64()) else {
                return false;
            };
            match operator {
                Operator::Eq => actual == expected,
                Operator::Ne => actual != expected,
                Operator::Gt => actual > expected,
                Operator::Ge => actual >= expected,
                Operator::Lt => actual < expected,
                Operator::Le => actual <= expected,
                _ => false,
            }
        }
        (actual, expected) => match operator {
            Operator::Eq => actual == expected,
            Operator::Ne => actual != expected,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matches(filter: &str, resource: &Value) -> bool {
        Filter::parse(filter).unwrap().matches(resource)
    }

    #[test]
    fn evaluates_the_providers_lookups() {
        let user = json!({
            "userName": "Jane@Acme.test",
            "externalId": "00uAbC",
            "active": true,
            "emails": [{"type": "work", "value": "jane@acme.test"}],
        });
        assert!(matches(r#"userName eq "jane@acme.test""#, &user));
        assert!(matches(r#"externalId eq "00uAbC""#, &user));
        assert!(!matches(r#"externalId eq "00uabc""#, &user));
        assert!(matches(
            r#"emails[type eq "work" and value co "acme"]"#,
            &user
        ));
        assert!(matches(
            r#"emails.value ew ".test" and active eq true"#,
            &user
        ));
        assert!(matches(r#"not (userName sw "bob") or userName pr"#, &user));
        assert!(!matches(r#"(userName eq "bob") or (nickName pr)"#, &user));
        assert!(matches(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName EQ "JANE@acme.test""#,
            &user
        ));
    }

    #[test]
    fn refuses_malformed_filters() {
        for bad in [
            "userName",
            r#"userName eq"#,
            r#"userName zz "a""#,
            r#"userName eq "a"#,
            r#"(userName eq "a""#,
            r#"userName eq "a" extra"#,
            r#"userName eq bare"#,
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
