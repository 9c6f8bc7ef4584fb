//! The version audit: each device judged against the approved-software policy, and the counts
//! of those verdicts per platform.

mod members;
pub mod policy;
pub mod saved;
pub mod version;

use policy::{Date, Policy};
use serde::Serialize;
use std::collections::BTreeMap;

/// How a device stands against the policy. The strings are a contract of the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The version is approved, or at or above the rule's minimum.
    Compliant,
    /// The version is neither approved nor at the minimum.
    NonCompliant,
    /// An exemption in force covers the device.
    Exempt,
    /// No rule covers the device's platform and fields.
    NoRule,
    /// The device was not collected, so its version is not known.
    NotCollected,
    /// The version does not parse in the platform's version order.
    UnknownVersion,
}

impl Verdict {
    /// Every verdict, in the order summaries list them.
    pub const ALL: [Verdict; 6] = [
        Verdict::Compliant,
        Verdict::NonCompliant,
        Verdict::Exempt,
        Verdict::NoRule,
        Verdict::NotCollected,
        Verdict::UnknownVersion,
    ];

    /// The report string.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "compliant",
            Verdict::NonCompliant => "non_compliant",
            Verdict::Exempt => "exempt",
            Verdict::NoRule => "no_rule",
            Verdict::NotCollected => "not_collected",
            Verdict::UnknownVersion => "unknown_version",
        }
    }
}

/// One device's verdict, with the rule that decided it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compliance {
    /// What the audit concluded.
    pub verdict: Verdict,
    /// The deciding rule's label, or null.
    pub rule: Option<String>,
    /// The version the rule prefers, when it names one.
    pub preferred: Option<String>,
    /// Why, in words for the report.
    pub reason: String,
}

/// The columns of a verdict table (`netinv audit --csv`, the workbook's Compliance sheet).
pub const VERDICT_COLUMNS: [&str; 7] = [
    "name",
    "platform",
    "version",
    "verdict",
    "rule",
    "preferred",
    "reason",
];

/// One device's verdict as the cells of `VERDICT_COLUMNS`.
pub fn verdict_cells<'a>(
    name: &'a str,
    platform: Option<&'a str>,
    version: Option<&'a str>,
    c: &'a Compliance,
) -> [&'a str; 7] {
    [
        name,
        platform.unwrap_or(""),
        version.unwrap_or(""),
        c.verdict.as_str(),
        c.rule.as_deref().unwrap_or(""),
        c.preferred.as_deref().unwrap_or(""),
        &c.reason,
    ]
}

/// What the audit needs to know of one device, from a live run or a saved report.
pub struct Subject<'a> {
    /// The device's inventory name.
    pub name: &'a str,
    /// The device's address.
    pub host: &'a str,
    /// The Netmiko name of its platform, if known.
    pub platform: Option<&'a str>,
    /// False when the device failed (or was cancelled or skipped).
    pub collected: bool,
    /// The version collected, if any.
    pub version: Option<&'a str>,
    /// Inventory columns and their values.
    pub fields: Vec<(&'a str, &'a str)>,
}

impl Subject<'_> {
    fn column(&self, name: &str) -> Option<&str> {
        match name.to_ascii_lowercase().as_str() {
            "name" => Some(self.name),
            "host" => Some(self.host),
            "platform" => self.platform,
            _ => self
                .fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v),
        }
    }
}

/// Judge one device against the policy on the given day.
pub fn judge(policy: &Policy, subject: &Subject, today: &Date) -> Compliance {
    let verdict =
        |verdict, rule: Option<String>, preferred: Option<String>, reason: String| Compliance {
            verdict,
            rule,
            preferred,
            reason,
        };
    if !subject.collected {
        return verdict(
            Verdict::NotCollected,
            None,
            None,
            "the device was not collected; its version is not known from this run".into(),
        );
    }
    let in_force = |until: &Option<Date>| until.as_ref().is_none_or(|u| today <= u);
    if let Some(x) = policy
        .exemptions
        .iter()
        .find(|x| x.device == subject.name && in_force(&x.until))
    {
        let until = x
            .until
            .as_ref()
            .map(|u| format!(" (until {})", u.0))
            .unwrap_or_default();
        return verdict(
            Verdict::Exempt,
            None,
            None,
            format!("exempt: {}{until}", x.reason),
        );
    }
    let found = policy.rules.iter().enumerate().find(|(_, r)| {
        let platform_ok = subject
            .platform
            .is_some_and(|p| r.platform.as_slice().iter().any(|n| n.0.name() == p));
        let dates_ok = r.from.as_ref().is_none_or(|f| f <= today) && in_force(&r.until);
        let scope_ok = r.scope.iter().all(|(col, wanted)| {
            subject.column(col).is_some_and(|have| {
                wanted
                    .as_slice()
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(have.trim()))
            })
        });
        platform_ok && dates_ok && scope_ok
    });
    let Some((index, rule)) = found else {
        return verdict(
            Verdict::NoRule,
            None,
            None,
            format!(
                "no rule in force covers platform {}",
                subject.platform.unwrap_or("(unknown)")
            ),
        );
    };
    let label = rule.label(index);
    let preferred = rule.preferred.as_ref().map(|p| p.0.clone());
    let Some(running) = subject.version.map(str::trim).filter(|v| !v.is_empty()) else {
        return verdict(
            Verdict::UnknownVersion,
            Some(label),
            preferred,
            "collected, but the output showed no version".into(),
        );
    };
    if rule
        .approved
        .iter()
        .any(|a| a.0.eq_ignore_ascii_case(running))
    {
        return verdict(
            Verdict::Compliant,
            Some(label),
            preferred,
            format!("{running} is approved"),
        );
    }
    let move_to = preferred
        .as_deref()
        .map(|p| format!("; move to {p}"))
        .unwrap_or_default();
    match &rule.minimum {
        Some(min) => match version::compare(running, &min.0) {
            Some(std::cmp::Ordering::Less) => verdict(
                Verdict::NonCompliant,
                Some(label),
                preferred.clone(),
                format!("{running} is older than the minimum {}{move_to}", min.0),
            ),
            Some(_) => verdict(
                Verdict::Compliant,
                Some(label),
                preferred,
                format!("{running} is at or above the minimum {}", min.0),
            ),
            None => verdict(
                Verdict::UnknownVersion,
                Some(label),
                preferred,
                format!("cannot order {running} against the minimum {}", min.0),
            ),
        },
        None => verdict(
            Verdict::NonCompliant,
            Some(label),
            preferred.clone(),
            format!(
                "{running} is not approved (approved: {}){move_to}",
                rule.approved
                    .iter()
                    .map(|a| a.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}

/// Verdict counts per platform (`(none)` for devices without one).
pub fn count<'a>(
    items: impl IntoIterator<Item = (Option<&'a str>, Verdict)>,
) -> BTreeMap<String, BTreeMap<Verdict, usize>> {
    let mut by: BTreeMap<String, BTreeMap<Verdict, usize>> = BTreeMap::new();
    for (platform, v) in items {
        *by.entry(platform.unwrap_or("(none)").to_string())
            .or_default()
            .entry(v)
            .or_default() += 1;
    }
    by
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
rules:
  - name: ams access
    platform: cisco_ios
    approved: ["15.2(7)E9"]
    where: { site: ams, role: [access, distribution] }
  - platform: [cisco_ios, cisco_xe]
    minimum: "15.2(7)E3"
    preferred: "17.9.4a"
  - platform: arista_eos
    minimum: "4.28.3M"
    until: 2001-01-01
exemptions:
  - device: old-core
    reason: TAC case 699123456
  - device: expired
    reason: was ok once
    until: 2001-01-01
"#;

    fn today() -> Date {
        Date("2026-12-01".into())
    }

    fn device<'a>(name: &'a str, platform: &'a str, version: &'a str) -> Subject<'a> {
        Subject {
            name,
            host: "10.0.0.1",
            platform: Some(platform),
            collected: true,
            version: Some(version),
            fields: vec![("Site", "ams"), ("role", "access")],
        }
    }

    fn verdict_of(s: &Subject) -> Compliance {
        let p = Policy::parse(POLICY, "p.yaml").unwrap();
        judge(&p, s, &today())
    }

    #[test]
    fn the_first_matching_rule_decides() {
        // The scoped rule approves only E9: E10 is newer but not on its list.
        let c = verdict_of(&device("a1", "cisco_ios", "15.2(7)E10"));
        assert_eq!(c.verdict, Verdict::NonCompliant, "{c:?}");
        assert_eq!(c.rule.as_deref(), Some("ams access"));
        let c = verdict_of(&device("a1", "cisco_ios", "15.2(7)E9"));
        assert_eq!(c.verdict, Verdict::Compliant, "{c:?}");
    }

    #[test]
    fn outside_the_scope_the_floor_applies_in_version_order() {
        let mut d = device("b1", "cisco_ios", "15.2(7)E10");
        d.fields = vec![("site", "fra")];
        let c = verdict_of(&d);
        assert_eq!(c.verdict, Verdict::Compliant, "{c:?}");
        assert_eq!(c.rule.as_deref(), Some("rule 2"));
        d.version = Some("15.2(4)E10");
        let c = verdict_of(&d);
        assert_eq!(c.verdict, Verdict::NonCompliant, "{c:?}");
        assert_eq!(c.preferred.as_deref(), Some("17.9.4a"));
        assert!(c.reason.contains("move to 17.9.4a"), "{}", c.reason);
    }

    #[test]
    fn exemptions_hold_until_their_date() {
        let c = verdict_of(&device("old-core", "cisco_ios", "12.2(55)SE12"));
        assert_eq!(c.verdict, Verdict::Exempt, "{c:?}");
        assert!(c.reason.contains("TAC case 699123456"));
        let c = verdict_of(&device("expired", "cisco_ios", "12.2(55)SE12"));
        assert_eq!(c.verdict, Verdict::NonCompliant, "{c:?}");
    }

    #[test]
    fn a_rule_past_its_until_date_is_not_in_force() {
        let c = verdict_of(&device("e1", "arista_eos", "4.20.1F"));
        assert_eq!(c.verdict, Verdict::NoRule, "{c:?}");
    }

    #[test]
    fn failed_devices_and_missing_versions_have_verdicts_of_their_own() {
        let mut d = device("f1", "cisco_ios", "15.2(7)E9");
        d.collected = false;
        assert_eq!(verdict_of(&d).verdict, Verdict::NotCollected);
        let mut d = device("f2", "cisco_xe", "");
        d.version = None;
        assert_eq!(verdict_of(&d).verdict, Verdict::UnknownVersion);
        let d = device("f3", "cisco_xe", "Denali");
        assert_eq!(verdict_of(&d).verdict, Verdict::UnknownVersion);
    }
}
