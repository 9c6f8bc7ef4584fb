//! The approved-software policy file (YAML): rules scoped by platform, inventory columns and
//! dates, and exemptions; read once, before any device is contacted.

use crate::platform::Platform;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The whole policy, as written.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The version rules, in file order.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Devices excused from the rules, and until when.
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
}

/// What a set of devices may run. A device is judged by the first rule (in file order) that
/// matches it and is in force on the day of the run, so specific rules go first.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A label for reports; defaults to `rule N` (1-based, in file order).
    #[serde(default)]
    pub name: Option<String>,
    /// One platform or a list (Netmiko device_type names).
    pub platform: OneOrMany<PlatformName>,
    /// Exact versions that are approved.
    #[serde(default)]
    pub approved: Vec<VersionText>,
    /// A floor in the platform's own version order: this version and later are approved.
    #[serde(default)]
    pub minimum: Option<VersionText>,
    /// Where devices should go; named to the operator for every non-compliant device.
    #[serde(default)]
    pub preferred: Option<VersionText>,
    /// Inventory columns (case-insensitive names) and the values they must have (any of a list,
    /// case-insensitive). `name`, `host` and `platform` may be used too.
    #[serde(default, rename = "where")]
    pub scope: BTreeMap<String, OneOrMany<String>>,
    /// First day the rule is in force (inclusive); `None` = always was.
    #[serde(default)]
    pub from: Option<Date>,
    /// Last day the rule is in force (inclusive); `None` = no end.
    #[serde(default)]
    pub until: Option<Date>,
}

/// One device allowed off-policy, for a reason and usually for a while.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// The inventory name of the device excused.
    pub device: String,
    /// Why it is excused, shown in the report.
    pub reason: String,
    /// Last day the exemption holds (inclusive); `None` = no end.
    #[serde(default)]
    pub until: Option<Date>,
}

/// A bad policy file, told as `FILE:LINE: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// The policy file.
    pub source: String,
    /// The line the problem is on, where known.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.source, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Read and check a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError {
            source: source.clone(),
            line: None,
            message: format!("cannot read the policy file: {e}"),
        })?;
        Policy::parse(&text, &source)
    }

    /// Parse policy text; `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<Policy, PolicyError> {
        let blank = text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        let policy: Policy = if blank {
            Policy::default()
        } else {
            serde_norway::from_str(text).map_err(|e| {
                let message = strip_location(&e.to_string());
                let line = e.location().map(|l| refine_line(text, l.line(), &message));
                PolicyError {
                    source: source.to_string(),
                    line,
                    message,
                }
            })?
        };
        policy.check(text, source)?;
        Ok(policy)
    }

    /// What the YAML grammar cannot say: a rule must approve something, dates must be in order.
    fn check(&self, text: &str, source: &str) -> Result<(), PolicyError> {
        let err = |nth: usize, message: String| PolicyError {
            source: source.to_string(),
            line: line_of_rule(text, nth),
            message,
        };
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.approved.is_empty() && rule.minimum.is_none() {
                return Err(err(
                    i,
                    format!(
                        "{} approves nothing: give `approved: [versions]` and/or `minimum: version`",
                        rule.label(i)
                    ),
                ));
            }
            if let (Some(from), Some(until)) = (&rule.from, &rule.until) {
                if from.0 > until.0 {
                    return Err(err(
                        i,
                        format!(
                            "{} is never in force: from {} is after until {}",
                            rule.label(i),
                            from.0,
                            until.0
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Rule {
    /// The name reports use for this rule.
    pub fn label(&self, index: usize) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("rule {}", index + 1))
    }
}

/// The line where the `nth` rule (0-based) starts, for messages about a rule as a whole.
fn line_of_rule(text: &str, nth: usize) -> Option<usize> {
    let mut seen = 0;
    let mut in_rules = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if !line.starts_with([' ', '\t', '-']) && !t.is_empty() && !t.starts_with('#') {
            in_rules = t.starts_with("rules:");
            continue;
        }
        if in_rules && t.starts_with('-') {
            if seen == nth {
                return Some(i + 1);
            }
            seen += 1;
        }
    }
    None
}

/// The parser places errors raised while checking a value at the start of the enclosing
/// item; when the message quotes the value, the line that holds it is the one to name.
fn refine_line(text: &str, line: usize, message: &str) -> usize {
    let quoted = message
        .split('\'')
        .nth(1)
        .filter(|q| !q.is_empty() && message.matches('\'').count() >= 2);
    let Some(value) = quoted else {
        return line;
    };
    text.lines()
        .enumerate()
        .skip(line.saturating_sub(1))
        .find(|(_, l)| l.contains(value))
        .map_or(line, |(i, _)| i + 1)
}

/// serde_norway appends " at line L column C"; the line is told in front instead.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A single value or a list of them. Read by hand rather than `untagged`, which would hide
/// the real error (a misspelt platform) behind "did not match any variant".
#[derive(Debug, Clone)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// A list of values.
    Many(Vec<T>),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                let one = T::deserialize(de::value::StrDeserializer::<E>::new(s))?;
                Ok(OneOrMany::One(one))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut all = Vec::new();
                while let Some(t) = seq.next_element()? {
                    all.push(t);
                }
                Ok(OneOrMany::Many(all))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T> OneOrMany<T> {
    /// The value or values, as one slice.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(t) => std::slice::from_ref(t),
            OneOrMany::Many(v) => v,
        }
    }
}

/// A known platform name, checked while the file is read so a typo names its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformName(pub Platform);

impl<'de> Deserialize<'de> for PlatformName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<Platform>()
            .map(PlatformName)
            .map_err(|e| de::Error::custom(e.to_string()))
    }
}

/// A version as the vendor writes it. YAML would read `7.10` as the number 7.1, so versions
/// must be strings; a bare number is refused with the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionText(pub String);

impl<'de> Deserialize<'de> for VersionText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = VersionText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a version in quotes, e.g. \"17.9.4a\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<VersionText, E> {
                if s.trim().is_empty() {
                    return Err(E::custom("empty version"));
                }
                Ok(VersionText(s.trim().to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<VersionText, E> {
                Err(E::custom(format!(
                    "version {n} is a number to YAML (7.10 would become 7.1): put it in quotes, e.g. \"{n}\""
                )))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<VersionText, E> {
                self.visit_f64(n as f64)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<VersionText, E> {
                self.visit_f64(n as f64)
            }
        }
        d.deserialize_any(V)
    }
}

/// A calendar day, `YYYY-MM-DD`; compared as text, which orders ISO dates correctly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub String);

impl Date {
    /// Today in UTC.
    pub fn today() -> Date {
        let now = humantime::format_rfc3339(std::time::SystemTime::now()).to_string();
        Date(now[..10].to_string())
    }

    fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) {
            return None;
        }
        if !digits(5..7) || !digits(8..10) {
            return None;
        }
        let month: u32 = s[5..7].parse().ok()?;
        let day: u32 = s[8..10].parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then(|| Date(s.to_string()))
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(s.trim()).ok_or_else(|| {
            de::Error::custom(format!(
                "'{s}' is not a date: write it as YYYY-MM-DD, e.g. 2027-06-30"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(text, "policy.yaml")
    }

    #[test]
    fn the_documented_example_reads() {
        let p = parse(
            r#"
rules:
  - platform: cisco_ios
    approved: ["15.2(7)E9", "17.9.4a"]
    minimum: "15.2(7)E3"
    preferred: "17.9.4a"
    where: { site: ams, role: access }
    from: 2026-01-01
    until: 2027-06-30
exemptions:
  - device: core-ams-01
    reason: "TAC case 699123456"
    until: 2027-03-01
"#,
        )
        .unwrap();
        assert_eq!(p.rules.len(), 1);
        assert_eq!(p.rules[0].approved.len(), 2);
        assert_eq!(p.rules[0].scope["site"].as_slice(), ["ams".to_string()]);
        assert_eq!(p.rules[0].until, Some(Date("2027-06-30".into())));
        assert_eq!(p.exemptions[0].device, "core-ams-01");
    }

    #[test]
    fn a_misspelt_platform_names_its_line() {
        let e = parse("rules:\n  - platform: cisco_iso\n    minimum: \"15.0\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.to_string().starts_with("policy.yaml:2: "), "{e}");
        assert!(e.message.contains("cisco_iso"), "{e}");
    }

    #[test]
    fn an_unknown_key_names_its_line() {
        let e = parse("rules:\n  - platform: cisco_ios\n    minimun: \"15.0\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("minimun"), "{e}");
    }

    #[test]
    fn an_unquoted_number_version_is_refused_with_the_fix() {
        let e = parse("rules:\n  - platform: cisco_xr\n    minimum: 7.10\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("quotes"), "{e}");
    }

    #[test]
    fn a_bad_date_is_refused_with_the_format() {
        let e = parse(
            "rules:\n  - platform: cisco_xr\n    minimum: \"7.5.2\"\n    until: 30/06/2027\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("YYYY-MM-DD"), "{e}");
    }

    #[test]
    fn a_rule_that_approves_nothing_is_refused() {
        let e = parse(
            "rules:\n  - platform: linux\n  - platform: cisco_ios\n    preferred: \"17.9.4a\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("approves nothing"), "{e}");
    }

    #[test]
    fn an_empty_file_is_an_empty_policy() {
        let p = parse("\n# nothing yet\n").unwrap();
        assert!(p.rules.is_empty() && p.exemptions.is_empty());
    }
}
